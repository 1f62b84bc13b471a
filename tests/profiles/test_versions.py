"""A profile's versions: each one rebuilt exactly, compared readably, and restorable."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from history.models import ChangeSet
from profiles.models import (
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    PublishedProfile,
    Region,
    Section,
    ThematicArea,
    Topic,
)
from profiles.services import Actor, delete_object, editing, publish, restore, save_object, touch
from profiles.services.restoring import RestoreError
from profiles.versions import (
    VersionNotFound,
    changes_since,
    describe_changes_since,
    diff_contents,
    diff_segments,
    render_segments,
    version_contents,
    version_record,
    working_contents,
)

pytestmark = pytest.mark.django_db


def command(source: str = "tests"):
    return editing(Actor.command(source))


def section(mechanism: Mechanism, key: str, body: str) -> Section:
    return Section(mechanism=mechanism, topic=Topic.objects.get(key=key), body=body)


def set_regions(mechanism: Mechanism, *slugs: str) -> None:
    mechanism.regions.set(Region.objects.filter(slug__in=slugs))
    touch(mechanism.pk)


def unversioned(content: dict) -> dict:
    """A profile without its version number (which every write moves)."""
    facts = {k: v for k, v in content["Mechanisms"][0].items() if k != "version"}
    return {**content, "Mechanisms": [facts]}


def fresh(mechanism: Mechanism) -> Mechanism:
    mechanism.refresh_from_db()
    return mechanism


@pytest.fixture
def history(db):
    """A mechanism taken through five versions; (mechanism, {version: working contents})."""
    iom = Organisation.objects.create(acronym="IOM", name="International Organization")
    regions = list(Region.objects.values_list("slug", flat=True)[:2])
    seen = {}
    with command("create"):
        other = Mechanism(slug="bali", name="Bali Process", kind=Mechanism.Kind.RCP)
        save_object(other)
        mechanism = Mechanism(slug="almaty", name="Almaty Process", kind=Mechanism.Kind.RCP)
        save_object(mechanism)
        set_regions(mechanism, regions[0])
        save_object(section(mechanism, "structures", "A chair.\n\nA secretariat."))
        save_object(section(mechanism, "evolution", "It began in 2013."))
        save_object(Participation(mechanism=mechanism, country="KZ"))
    seen[fresh(mechanism).version] = working_contents(mechanism)
    with command("second"):
        mechanism.summary = "Five Central Asian States."
        save_object(mechanism)
        set_regions(mechanism, *regions)
        save_object(Participation(mechanism=mechanism, country="KG", since=2015))
        save_object(Participation(mechanism=mechanism, organisation=iom, role="partner"))
        save_object(Document(mechanism=mechanism, title="Action plan", year=2016))
        save_object(MechanismLink(mechanism=mechanism, other_mechanism=other, kind="formal"))
    seen[fresh(mechanism).version] = working_contents(mechanism)
    with command("third"):
        delete_object(Section.objects.get(mechanism=mechanism, topic__key="evolution"))
        kz = Participation.objects.get(mechanism=mechanism, country="KZ")
        kz.note = "Founding member"
        save_object(kz)
        structures = Section.objects.get(mechanism=mechanism, topic__key="structures")
        structures.body = "A rotating chair.\n\nA secretariat."
        save_object(structures)
        mechanism.regions.set([])
        mechanism.thematic_areas.set(ThematicArea.objects.all()[:1])
        touch(mechanism.pk)
    seen[fresh(mechanism).version] = working_contents(mechanism)
    with command("fourth"):
        delete_object(Document.objects.get(mechanism=mechanism))
        delete_object(MechanismLink.objects.get(mechanism=mechanism))
        save_object(section(mechanism, "evolution", "It began in **2013**, in Almaty."))
        mechanism.established = 2013
        save_object(mechanism)
    seen[fresh(mechanism).version] = working_contents(mechanism)
    return mechanism, seen


def test_every_version_is_rebuilt_exactly_as_the_working_copy_was(history):
    mechanism, seen = history
    assert sorted(seen) == [1, 2, 3, 4]
    for number, content in seen.items():
        assert version_contents(mechanism, number) == content, number


def test_the_latest_version_of_every_demo_profile_is_its_working_copy(demo_data):
    for mechanism in Mechanism.objects.all():
        assert version_contents(mechanism, mechanism.version) == working_contents(mechanism)


def test_the_published_snapshot_compares_alike_with_its_version(history):
    mechanism, _ = history
    with command():
        publish([mechanism.pk])
    snapshot = PublishedProfile.objects.get(mechanism=mechanism)
    assert snapshot.version == 4
    assert not diff_contents(snapshot.content, version_contents(mechanism, 4)).changed
    assert diff_contents(snapshot.content, version_contents(mechanism, 2)).changed


def test_rebuilding_a_version_costs_the_same_queries_however_many_rows(history):
    mechanism, _ = history

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            version_contents(mechanism, fresh(mechanism).version)
        return len(captured) - 1  # refresh_from_db

    before = queries()
    with command("more rows"):
        for code in ("TJ", "TM", "UZ", "AF", "RU", "TR"):
            save_object(Participation(mechanism=mechanism, country=code))
        for title in ("Declaration", "Report", "Guidelines"):
            save_object(Document(mechanism=mechanism, title=title))
        for key in ("partnerships", "added-value"):
            save_object(section(mechanism, key, f"Text on {key}."))
    assert queries() == before
    assert before <= 14


def test_a_diff_names_facts_sections_and_rows_that_changed(history):
    mechanism, _ = history
    diff = diff_contents(version_contents(mechanism, 1), version_contents(mechanism, 3))
    facts = {change.name: change for change in diff.facts}
    assert set(facts) == {"summary", "regions", "thematic_areas"}
    assert facts["summary"].label == "Summary"
    assert "<ins>Five Central Asian States.</ins>" in facts["summary"].after
    sections = {change.key: change for change in diff.sections}
    assert sections["evolution"].status == "removed"
    assert sections["structures"].status == "changed"
    assert sections["structures"].html == "A<ins> rotating</ins> chair.\n\nA secretariat."
    participants = next(t for t in diff.tables if t.sheet == "Participants")
    assert "Country" in participants.headers
    assert sorted(row.status for row in participants.rows) == ["added", "added", "changed"]
    assert "section" in " ".join(diff.parts())
    assert "participants" in diff.parts()


def test_section_text_in_a_diff_is_escaped():
    html = render_segments(diff_segments("<b>old</b> & text", "<script>alert(1)</script> & text"))
    assert "<script" not in html and "<b>" not in html
    assert html.startswith("&lt;<del>b</del><ins>script</ins>&gt;")
    assert html.endswith("&gt; &amp; text")


def test_restore_makes_the_working_copy_that_version_again_as_a_new_attributed_version(history):
    mechanism, seen = history
    user = User.objects.create_user("alice", is_staff=True)
    with command():
        publish([mechanism.pk])

    result = restore(mechanism, 2, user=user)

    assert result.changed and result.version == 5
    assert unversioned(working_contents(fresh(mechanism))) == unversioned(seen[2])
    record = version_record(mechanism, 5)
    assert record.change_set.via == ChangeSet.Via.RESTORE
    assert record.change_set.source == "version 2"
    assert record.change_set.username == "alice"
    # Not published: the public still sees version 4.
    assert PublishedProfile.objects.get(mechanism=mechanism).version == 4


def test_restoring_a_version_equal_to_the_working_copy_writes_nothing(history):
    mechanism, _ = history
    change_sets = ChangeSet.objects.count()
    result = restore(mechanism, 4)
    assert not result.changed
    assert fresh(mechanism).version == 4
    assert ChangeSet.objects.count() == change_sets


def test_a_version_of_another_mechanism_cannot_be_restored(history):
    mechanism, _ = history
    bali = Mechanism.objects.get(slug="bali")
    with pytest.raises(ValueError):
        restore(mechanism, version_record(bali, 1))
    with pytest.raises(VersionNotFound):
        restore(mechanism, 99)
    assert fresh(mechanism).version == 4


def test_a_restore_naming_an_organisation_that_is_gone_is_refused(history):
    mechanism, _ = history
    with command():
        delete_object(Participation.objects.get(organisation__acronym="IOM"))
    Organisation.objects.filter(acronym="IOM").delete()
    with pytest.raises(RestoreError, match="IOM"):
        restore(mechanism, 2)
    assert fresh(mechanism).version == 5


def test_changes_since_names_who_and_what(history):
    mechanism, _ = history
    changes = changes_since(mechanism, 2)
    assert [record.version for record, _ in changes] == [3, 4]
    assert [change_set.source for _, change_set in changes] == ["third", "fourth"]
    text = describe_changes_since(mechanism, 3)
    assert text.startswith("Changed meanwhile by the command line at ")
    assert "(Command line fourth)" in text
    assert "year established" in text and "section 1" in text
    assert "documents" in text and "links" in text
    assert describe_changes_since(mechanism, 4) == ""
