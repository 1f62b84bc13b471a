"""A profile's versions: each one rebuilt exactly, compared readably, and restorable."""

import logging

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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


def test_rows_older_than_the_history_stay_in_every_version_and_through_a_restore(
    make_mechanism, add_members
):
    # Written outside the gateway, as before the history existed: the mechanism's first
    # record has no change set, its members no record at all.
    mechanism = make_mechanism(is_published=False)
    add_members(mechanism, ["KZ", "KG"])
    with command("edit"):
        edited = fresh(mechanism)
        edited.summary = "Edited."
        save_object(edited)

    assert version_contents(mechanism, 2) == working_contents(mechanism)
    assert [p["country"] for p in version_contents(mechanism, 1)["Participants"]] == ["KG", "KZ"]
    assert restore(mechanism, 1).changed
    assert fresh(mechanism).summary == ""
    assert mechanism.participations.count() == 2


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
    assert sections["structures"].html == "A <ins>rotating </ins>chair.\n\nA secretariat."
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
    with CaptureQueriesContext(connection) as few:
        assert not restore(mechanism, 4).changed
    assert fresh(mechanism).version == 4
    assert ChangeSet.objects.count() == change_sets
    # Nor does it cost a query per row.
    with command("more rows"):
        for code in ("TJ", "TM", "UZ", "AF", "RU", "TR"):
            save_object(Participation(mechanism=mechanism, country=code))
    with CaptureQueriesContext(connection) as many:
        assert not restore(mechanism, 5).changed
    assert len(many) == len(few)


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


# --- the admin pages ---------------------------------------------------------------------


def staff(name: str, group: str | None = None, *permissions: str) -> User:
    user = User.objects.create_user(name, password="x", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


def url(page: str, mechanism: Mechanism, **kwargs) -> str:
    return reverse(f"admin:profiles_mechanism_{page}", kwargs={"object_id": mechanism.pk, **kwargs})


@pytest.fixture
def editor(client) -> User:
    user = staff("editor", "IPD editors")
    client.force_login(user)
    return user


@pytest.fixture
def published_history(history):
    """The five versions, version 4 published, and an unpublished fifth edit by alice."""
    mechanism, seen = history
    with command():
        publish([mechanism.pk])
    alice = User.objects.create_user("alice")
    from history.recording import Actor as RecordingActor

    with editing(RecordingActor(user=alice, via=ChangeSet.Via.CHANGE_PAGE, source="/admin/x/")):
        mechanism.summary = "Edited after publication."
        save_object(mechanism)
    return fresh(mechanism), seen


def test_the_versions_page_lists_who_when_from_where_and_what_the_public_sees(
    client, editor, published_history
):
    mechanism, _ = published_history
    response = client.get(url("versions", mechanism))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["number"] for row in rows] == [5, 4, 3, 2, 1]
    assert rows[0]["who"] == "alice" and rows[0]["origin"] == "Admin change page"
    assert rows[1]["origin"] == "Command line fourth"
    assert [row["is_published"] for row in rows] == [False, True, False, False, False]
    assert rows[0]["restore_url"] == ""  # the working copy itself
    assert rows[1]["restore_url"] == url("versions_restore", mechanism, number=4)
    page = response.content.decode()
    assert 'name="a" value="4"' in page and 'name="b" value="5"' in page
    assert "Compare from version 3</label>" in page
    assert "?a=published&amp;b=working" in page


def test_compare_shows_by_default_what_the_latest_version_changed(
    client, editor, published_history
):
    mechanism, _ = published_history
    response = client.get(url("versions_compare", mechanism))
    assert response.status_code == 200
    assert (response.context["label_a"], response.context["label_b"]) == ("Version 4", "Version 5")
    diff = response.context["diff"]
    assert [change.name for change in diff.facts] == ["summary"]
    assert "<ins>Edited after publication</ins>." in response.content.decode()


def test_compare_any_two_versions_and_the_working_copy_with_what_the_public_sees(
    client, editor, published_history
):
    mechanism, _ = published_history
    older = client.get(url("versions_compare", mechanism), {"a": "1", "b": "3"})
    tables = {t.sheet: t for t in older.context["diff"].tables}
    assert [row.status for row in tables["Documents"].rows] == ["added"]
    assert {row.status for row in tables["Participants"].rows} == {"added", "changed"}
    public = client.get(url("versions_compare", mechanism), {"a": "published", "b": "working"})
    assert public.context["label_a"] == "Published (version 4)"
    assert [change.name for change in public.context["diff"].facts] == ["summary"]
    assert client.get(url("versions_compare", mechanism), {"a": "9"}).status_code == 404
    assert client.get(url("versions_compare", mechanism), {"a": "x;drop"}).status_code == 404


def test_restore_shows_what_it_would_change_then_writes_a_new_attributed_version(
    client, editor, published_history, caplog
):
    mechanism, seen = published_history
    restore_url = url("versions_restore", mechanism, number=2)
    confirm = client.get(restore_url)
    assert confirm.status_code == 200
    assert confirm.context["diff"].changed and not confirm.context["problems"]
    assert 'name="based_on" value="5"' in confirm.content.decode()

    with caplog.at_level(logging.INFO, logger="iscm.audit"):
        response = client.post(restore_url, {"based_on": "5"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "admin:profiles_mechanism_change", args=[mechanism.pk]
    )
    assert "Restored version 2 as the new version 6" in response.content.decode()
    assert unversioned(working_contents(fresh(mechanism))) == unversioned(seen[2])
    change_set = version_record(mechanism, 6).change_set
    assert (change_set.via, change_set.source, change_set.username) == (
        ChangeSet.Via.RESTORE,
        "version 2",
        "editor",
    )
    assert PublishedProfile.objects.get(mechanism=mechanism).version == 4
    assert "event=restore user=editor" in caplog.text and "version=2" in caplog.text


def test_a_restore_from_a_stale_confirmation_page_is_refused(client, editor, published_history):
    mechanism, _ = published_history
    response = client.post(url("versions_restore", mechanism, number=2), {"based_on": "4"})
    assert response.status_code == 302
    assert fresh(mechanism).version == 5


def test_restoring_a_version_the_mechanism_does_not_have_is_not_found(
    client, editor, published_history
):
    mechanism, _ = published_history
    bali = Mechanism.objects.get(slug="bali")
    for n in range(6):
        with command():
            bali = fresh(bali)
            bali.summary = f"Bali edit {n}"
            save_object(bali)
    assert fresh(bali).version > fresh(mechanism).version
    wrong = url("versions_restore", mechanism, number=bali.version)
    assert client.get(wrong).status_code == 404
    assert client.post(wrong, {"based_on": "5"}).status_code == 404
    assert fresh(mechanism).version == 5


def test_without_the_change_permission_history_can_be_read_but_not_restored(
    client, published_history
):
    mechanism, _ = published_history
    client.force_login(staff("reader", None, "view_mechanism"))
    assert client.get(url("versions", mechanism)).status_code == 200
    assert client.get(url("versions_compare", mechanism)).status_code == 200
    restore_url = url("versions_restore", mechanism, number=2)
    assert client.get(restore_url).status_code == 403
    assert client.post(restore_url, {"based_on": "5"}).status_code == 403
    assert fresh(mechanism).version == 5
    rows = client.get(url("versions", mechanism)).context["rows"]
    assert not any(row["restore_url"] for row in rows)


def test_anonymous_visitors_are_sent_to_the_login_page(client, published_history):
    mechanism, _ = published_history
    for address in (
        url("versions", mechanism),
        url("versions_compare", mechanism),
        url("versions_restore", mechanism, number=2),
    ):
        response = client.get(address)
        assert response.status_code == 302 and "/login/" in response["Location"]
    response = client.post(url("versions_restore", mechanism, number=2), {"based_on": "5"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert fresh(mechanism).version == 5


def test_history_pages_cost_the_same_queries_however_many_rows_and_versions(
    client, editor, published_history
):
    mechanism, _ = published_history

    def counts() -> list[int]:
        result = []
        for address in (
            url("versions", mechanism),
            url("versions_compare", mechanism) + "?a=1&b=5",
            url("versions_compare", mechanism) + "?a=published&b=working",
            url("versions_restore", mechanism, number=1),
        ):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(address).status_code == 200
            result.append(len(captured))
        return result

    before = counts()
    for n in range(3):
        with command(f"more {n}"):
            for code in ("TJ", "TM", "UZ", "AF")[n:]:
                save_object(Participation(mechanism=mechanism, country=code, since=2000 + n))
            save_object(Document(mechanism=mechanism, title=f"Report {n}"))
    after = counts()
    assert after == before, (before, after)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_history_pages_in_a_browser_compare_and_restore_accessibly(
    page, live_server, admin_user, demo_data, axe_source
):
    from playwright.sync_api import expect

    from tests.conftest import run_axe

    almaty = Mechanism.objects.get(slug="almaty-process")
    with command("edit.xlsx"):
        almaty.summary = "A summary edited <b>after</b> publication."
        save_object(almaty)
        body = Section.objects.get(mechanism=almaty, topic__key="structures")
        body.body = body.body.replace("the", "THE", 3)
        save_object(body)
        delete_object(almaty.participations.first())

    def check(what: str) -> None:
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 900})
            violations = run_axe(page, axe_source)
            assert not violations, (what, width, violations)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{what} at {width}px scrolls sideways by {overflow}px"
        page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    page.goto(live_server.url + url("versions", almaty))
    expect(page.get_by_role("heading", name=f"History of {almaty.name}")).to_be_visible()
    check("versions")

    page.get_by_label("Compare from version 1").check()
    page.get_by_label("Compare to version 2").check()
    page.get_by_role("button", name="Compare the selected versions").click()
    expect(page.get_by_role("heading", name="Facts")).to_be_visible()
    expect(page.locator("ins").first).to_be_visible()
    assert page.locator("b").count() == 0  # the summary's markup is shown as text
    check("compare")

    page.goto(live_server.url + url("versions", almaty))
    page.get_by_role("link", name="Restore version 1").click()
    expect(page.get_by_role("heading", name="What restoring would change")).to_be_visible()
    check("restore")
    page.get_by_role("button", name="Restore version 1").click()
    expect(page.locator(".messagelist")).to_contain_text("Restored version 1 as the new version 3")
    assert fresh(almaty).summary != "A summary edited <b>after</b> publication."

    page.goto(live_server.url + reverse("admin:history_changeset_changelist"))
    check("change sets")
    restored = ChangeSet.objects.latest("pk")
    page.goto(live_server.url + reverse("admin:history_changeset_change", args=[restored.pk]))
    expect(page.get_by_role("heading", name="What this change set wrote")).to_be_visible()
    expect(page.get_by_role("link", name="what changed")).to_be_visible()
    check("change set")
