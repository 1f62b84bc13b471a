"""Editors edit, publishers publish: the change page, its roles, and edits that are never lost."""

import logging

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from history.models import ChangeSet
from profiles.models import Mechanism, PublishedProfile, Section, Topic
from profiles.services import Actor, editing, publish, save_object

from .test_admin import inline_post_data

pytestmark = pytest.mark.django_db


def change_url(mechanism: Mechanism) -> str:
    return reverse("admin:profiles_mechanism_change", args=[mechanism.pk])


def staff(name: str, group: str) -> User:
    user = User.objects.create_user(name, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(client) -> User:
    return staff("editor", "IPD editors")


@pytest.fixture
def publisher() -> User:
    return staff("publisher", "IPD publishers")


@pytest.fixture
def published(db) -> Mechanism:
    """A published mechanism with one section, written as the site writes it."""
    with editing(Actor.command("test")):
        mechanism = Mechanism(slug="almaty", name="Almaty Process", kind=Mechanism.Kind.RCP)
        save_object(mechanism)
        save_object(
            Section(
                mechanism=mechanism,
                topic=Topic.objects.get(key="structures"),
                body="A chair.\n\nA secretariat.",
            )
        )
        publish([mechanism.pk])
    mechanism.refresh_from_db()
    return mechanism


def public_summary(mechanism: Mechanism) -> str:
    return PublishedProfile.objects.get(mechanism=mechanism).content["Mechanisms"][0]["summary"]


def test_the_roles_exist_as_groups_and_only_publishers_may_publish_or_delete(editor, publisher):
    assert not editor.has_perm("profiles.publish_mechanism")
    assert not editor.has_perm("profiles.delete_mechanism")
    assert editor.has_perms(["profiles.change_mechanism", "profiles.change_section"])
    assert publisher.has_perms(["profiles.publish_mechanism", "profiles.delete_mechanism"])


def test_an_editors_save_changes_the_working_copy_but_not_what_the_public_sees(
    client, editor, published
):
    client.force_login(editor)
    data = inline_post_data(client.get(change_url(published)))
    data["summary"] = "Edited by an editor."
    response = client.post(change_url(published), data, follow=True)

    assert "publisher publishes" in response.content.decode()
    published.refresh_from_db()
    assert published.summary == "Edited by an editor."
    assert published.version == 2
    assert public_summary(published) == ""
    assert PublishedProfile.objects.get(mechanism=published).version == 1


def test_an_editor_has_no_publish_button_and_posting_one_is_refused_and_logged(
    client, editor, published, caplog
):
    client.force_login(editor)
    page = client.get(change_url(published))
    assert 'name="_publish"' not in page.content.decode()
    for forged in ({"_publish": "Save and publish"}, {"is_published": "on"}):
        data = inline_post_data(page) | {"summary": "Sneaky."} | forged
        with caplog.at_level(logging.INFO, logger="iscm.audit"):
            response = client.post(change_url(published), data)
        assert response.status_code == 403
    published.refresh_from_db()
    assert published.summary == ""
    assert published.version == 1
    refusals = [r.getMessage() for r in caplog.records if "event=refused" in r.getMessage()]
    assert len(refusals) == 2 and "user=editor" in refusals[0]


def test_an_editor_cannot_publish_unpublish_or_delete_by_action(client, editor, published):
    client.force_login(editor)
    changelist = reverse("admin:profiles_mechanism_changelist")
    for action in ("publish_selected", "unpublish_selected", "delete_selected"):
        client.post(
            changelist, {"action": action, "_selected_action": [published.pk], "post": "yes"}
        )
    assert Mechanism.objects.filter(pk=published.pk, is_published=True).exists()
    assert PublishedProfile.objects.filter(mechanism=published).exists()
    response = client.post(reverse("admin:profiles_mechanism_delete", args=[published.pk]))
    assert response.status_code == 403


def test_a_publisher_saves_and_publishes_in_one_step(client, publisher, published):
    client.force_login(publisher)
    page = client.get(change_url(published))
    assert 'name="_publish"' in page.content.decode()
    data = inline_post_data(page) | {"summary": "Now public.", "_publish": "Save and publish"}
    client.post(change_url(published), data)

    assert public_summary(published) == "Now public."
    snapshot = PublishedProfile.objects.get(mechanism=published)
    assert snapshot.version == 2 and snapshot.published_by == publisher


def test_a_publisher_unpublishes_by_action(client, publisher, published):
    client.force_login(publisher)
    client.post(
        reverse("admin:profiles_mechanism_changelist"),
        {"action": "unpublish_selected", "_selected_action": [published.pk]},
    )
    published.refresh_from_db()
    assert not published.is_published
    assert not PublishedProfile.objects.filter(mechanism=published).exists()
    assert client.get(f"/mechanisms/{published.slug}/").status_code in (404, 302)


def test_saving_an_untouched_change_page_writes_nothing(client, editor, published):
    client.force_login(editor)
    before = (ChangeSet.objects.count(), Section.history.count(), Mechanism.history.count())
    updated_at = published.updated_at
    data = inline_post_data(client.get(change_url(published)))
    # Browsers send textarea line ends as \r\n.
    data = {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in data.items()}
    response = client.post(change_url(published), data)

    assert response.status_code == 302
    published.refresh_from_db()
    assert published.version == 1
    assert published.updated_at == updated_at
    assert (ChangeSet.objects.count(), Section.history.count(), Mechanism.history.count()) == (
        before
    )


def test_a_save_is_one_change_set_attributed_to_the_editor_and_the_page(client, editor, published):
    client.force_login(editor)
    data = inline_post_data(client.get(change_url(published)))
    data["summary"] = "New summary."
    section_body = next(k for k in data if k.startswith("sections-") and k.endswith("-body"))
    data[section_body] = "A new chair."
    client.post(change_url(published), data)

    change_set = ChangeSet.objects.latest("pk")
    assert change_set.user == editor
    assert change_set.via == ChangeSet.Via.CHANGE_PAGE
    assert change_set.source == change_url(published)
    section = Section.objects.get(mechanism=published, topic__key="structures")
    record = section.history.latest("history_id")
    assert record.change_set == change_set and record.history_user == editor
    version = Mechanism.history.filter(id=published.pk).latest("history_id")
    assert version.change_set == change_set and version.version == 2


def test_a_stale_change_page_is_refused_and_the_other_edit_is_kept(
    client, editor, publisher, published, caplog
):
    client.force_login(editor)
    stale = inline_post_data(client.get(change_url(published)))
    with editing(Actor(user=publisher, via=ChangeSet.Via.WORKBOOK_IMPORT, source="x.xlsx")):
        published.summary = "The publisher's edit."
        save_object(published)

    stale["summary"] = "The editor's edit."
    with caplog.at_level(logging.INFO, logger="iscm.audit"):
        response = client.post(change_url(published), stale)

    assert response.status_code == 200  # the form again, with the editor's input in it
    body = response.content.decode()
    assert "someone else saved this mechanism" in body
    assert "publisher" in body and "x.xlsx" in body
    assert "The editor&#x27;s edit." in body or "The editor's edit." in body
    published.refresh_from_db()
    assert published.summary == "The publisher's edit."
    assert published.version == 2
    assert any(
        "event=refused user=editor" in r.getMessage() and "stale" in r.getMessage()
        for r in caplog.records
    )


def test_a_membership_note_written_on_the_change_page_reaches_the_public_profile(
    client, publisher, published
):
    client.force_login(publisher)
    page = client.get(change_url(published))
    assert 'name="membership_note"' in page.content.decode()
    note = "Open to all States Members of the United Nations."
    data = inline_post_data(page) | {"membership_note": note, "_publish": "Save and publish"}
    client.post(change_url(published), data)

    profile = client.get(f"/mechanisms/{published.slug}/").content.decode()
    assert note in profile and "0 members" not in profile
