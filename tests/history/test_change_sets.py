"""Change sets: every write is kept as one attributed unit that staff can list and inspect."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from history.models import ChangeSet
from profiles.exporter import write_workbook
from profiles.models import Mechanism, Participation, Section, Topic
from profiles.services import Actor, editing, save_object
from tests.profiles.test_admin import inline_post_data
from tests.profiles.test_editorial import staff

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/profiles/mechanism/workbook/import/"
CONFIRM_URL = "/admin/profiles/mechanism/workbook/import/confirm/"
CHANGE_SETS = reverse("admin:history_changeset_changelist")


def change_set_url(change_set: ChangeSet) -> str:
    return reverse("admin:history_changeset_change", args=[change_set.pk])


@pytest.fixture
def editor(client) -> User:
    user = staff("editor", "IPD editors")
    client.force_login(user)
    return user


def workbook(change) -> bytes:
    """An export of every mechanism, edited as in Excel by `change(book)`."""
    buffer = io.BytesIO()
    write_workbook(buffer, Mechanism.objects.all())
    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    change(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def set_cell(book, sheet: str, key: str, column: str, value) -> None:
    ws = book[sheet]
    headers = [cell.value for cell in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == key:
            row[headers.index(column)].value = value
            return
    raise AssertionError(f"{key} not on {sheet}")


def import_in_admin(client, data: bytes, name: str = "iscm.xlsx"):
    preview = client.post(IMPORT_URL, {"workbook": SimpleUploadedFile(name, data)})
    assert "Confirm import" in preview.content.decode(), preview.content.decode()[-3000:]
    return client.post(CONFIRM_URL, {"confirm": "Confirm import"}, follow=True)


def edit_many(book, members: int = 2) -> None:
    set_cell(book, "Mechanisms", "almaty-process", "summary", "A better summary.")
    set_cell(book, "Mechanisms", "bali-process", "summary", "Bali, edited.")
    ws = book["Participants"]
    for code in ("FR", "DE", "IT", "ES", "PT", "NL", "BE", "AT")[:members]:
        ws.append(["almaty-process", code, None, "observer"])


def test_a_workbook_import_is_one_change_set_listing_every_row_it_wrote(client, editor, demo_data):
    before = set(ChangeSet.objects.values_list("pk", flat=True))

    import_in_admin(client, workbook(edit_many))

    new = ChangeSet.objects.exclude(pk__in=before)
    assert new.count() == 1
    change_set = new.get()
    assert (change_set.via, change_set.source, change_set.username) == (
        ChangeSet.Via.WORKBOOK_IMPORT,
        "iscm.xlsx",
        "editor",
    )
    # Each mechanism it changed has exactly one new version in it.
    versions = Mechanism.history.filter(change_set=change_set)
    assert sorted(versions.values_list("slug", flat=True)) == ["almaty-process", "bali-process"]
    assert Participation.history.filter(change_set=change_set, history_type="+").count() == 2

    page = client.get(change_set_url(change_set))
    assert page.status_code == 200
    tables = {table.label: table for table in page.context["touched"]}
    assert sorted(tables) == ["Mechanisms", "Participations"]
    almaty = Mechanism.objects.get(slug="almaty-process")
    mechanism_rows = {row.description: row for row in tables["Mechanisms"].rows}
    row = mechanism_rows[f"{almaty.name} — version {almaty.version}"]
    assert row.type == "Changed"
    compare = reverse("admin:profiles_mechanism_versions_compare", kwargs={"object_id": almaty.pk})
    assert row.url == f"{compare}?b={almaty.version}"
    assert {(row.type, row.description) for row in tables["Participations"].rows} == {
        ("Created", f"{almaty.name} — France: Observer"),
        ("Created", f"{almaty.name} — Germany: Observer"),
    }
    body = page.content.decode()
    assert "Workbook import" in body and "iscm.xlsx" in body
    # Its diff shows what the import changed in that mechanism.
    diff = client.get(row.url).context["diff"]
    assert [change.name for change in diff.facts] == ["summary"]
    assert [r.status for t in diff.tables for r in t.rows] == ["added", "added"]


def test_a_change_sets_page_costs_the_same_queries_however_many_rows_it_wrote(
    client, editor, demo_data
):
    def queries(members: int) -> int:
        Participation.objects.filter(role="observer", mechanism__slug="almaty-process").delete()
        import_in_admin(client, workbook(lambda book: edit_many(book, members)))
        change_set = ChangeSet.objects.latest("pk")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(change_set_url(change_set)).status_code == 200
        return len(captured)

    assert queries(2) == queries(8)


def test_an_admin_save_is_one_change_set_and_an_unchanged_save_none(client, editor, make_mechanism):
    with editing(Actor.command("setup")):
        mechanism = Mechanism(slug="almaty", name="Almaty Process", kind=Mechanism.Kind.RCP)
        save_object(mechanism)
        save_object(
            Section(mechanism=mechanism, topic=Topic.objects.get(key="structures"), body="Chair.")
        )
    change_url = reverse("admin:profiles_mechanism_change", args=[mechanism.pk])
    count = ChangeSet.objects.count()

    unchanged = inline_post_data(client.get(change_url))
    assert client.post(change_url, unchanged).status_code == 302
    assert ChangeSet.objects.count() == count

    data = inline_post_data(client.get(change_url))
    data["summary"] = "Five States."
    body = next(k for k in data if k.startswith("sections-") and k.endswith("-body"))
    data[body] = "A rotating chair."
    assert client.post(change_url, data).status_code == 302
    assert ChangeSet.objects.count() == count + 1
    change_set = ChangeSet.objects.latest("pk")
    assert (change_set.via, change_set.username) == (ChangeSet.Via.CHANGE_PAGE, "editor")

    tables = {t.label: t for t in client.get(change_set_url(change_set)).context["touched"]}
    assert [(r.type, r.description) for r in tables["Mechanisms"].rows] == [
        ("Changed", "Almaty Process — version 2")
    ]
    assert [(r.type, r.description) for r in tables["Sections"].rows] == [
        ("Changed", "Almaty Process — Salient ISCM structures")
    ]


def test_change_sets_are_listed_filtered_and_searched_but_never_edited(client, editor, demo_data):
    with editing(Actor(user=editor, via=ChangeSet.Via.CHANGE_PAGE, source="/admin/")):
        almaty = Mechanism.objects.get(slug="almaty-process")
        almaty.summary = "Edited."
        save_object(almaty)
    listing = client.get(CHANGE_SETS)
    assert listing.status_code == 200
    assert {cs.via for cs in listing.context["cl"].result_list} == {"demo", "change_page"}
    by_via = client.get(CHANGE_SETS, {"via__exact": "change_page"}).context["cl"].result_list
    assert [cs.username for cs in by_via] == ["editor"]
    by_user = client.get(CHANGE_SETS, {"user__id__exact": editor.pk}).context["cl"].result_list
    assert [cs.via for cs in by_user] == ["change_page"]
    found = client.get(CHANGE_SETS, {"q": "editor"}).context["cl"].result_list
    assert [cs.username for cs in found] == ["editor"]

    change_set = ChangeSet.objects.latest("pk")
    assert client.get(reverse("admin:history_changeset_add")).status_code == 403
    page = client.get(change_set_url(change_set)).content.decode()
    assert 'name="_save"' not in page
    response = client.post(change_set_url(change_set), {"summary": "Rewritten."})
    assert response.status_code == 403
    delete = reverse("admin:history_changeset_delete", args=[change_set.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    change_set.refresh_from_db()
    assert change_set.summary == ""


def test_change_sets_are_for_staff_who_may_see_them(client, demo_data):
    change_set = ChangeSet.objects.latest("pk")
    response = client.get(change_set_url(change_set))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(User.objects.create_user("nobody", is_staff=True))
    assert client.get(change_set_url(change_set)).status_code == 403
    assert client.get(CHANGE_SETS).status_code == 403
