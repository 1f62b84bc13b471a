"""No lost edits in the workbook: the `version` column, and imports that never publish.

An export writes each mechanism's version; re-importing a file exported before someone
else's edit is refused row by row (and the mechanism's rows on the other sheets with it),
nothing is written and the other edit is kept. `published` is exported for information
only: an import, whoever runs it, never changes what the public sees.
"""

import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from history.models import ChangeSet
from profiles.models import Mechanism, PublishedProfile, Section
from profiles.services import Actor, editing, publish, save_object

from .test_workbook import edit, export, run_import

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/profiles/mechanism/workbook/import/"
CONFIRM_URL = "/admin/profiles/mechanism/workbook/import/confirm/"
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"


def set_cell(sheet: str, column: str, value, **match):
    """An edit (for `edit`) that sets `column` of the row matching `match` on `sheet`."""

    def change(book):
        ws = book[sheet]
        headers = [cell.value for cell in ws[1]]
        for row in ws.iter_rows(min_row=2):
            values = {h: c.value for h, c in zip(headers, row, strict=False)}
            if all(values.get(k) == v for k, v in match.items()):
                row[headers.index(column)].value = value
                return
        raise AssertionError(f"no row {match} on {sheet}")

    return change


def row_number(data: bytes, sheet: str, **match) -> int:
    ws = openpyxl.load_workbook(io.BytesIO(data))[sheet]
    headers = [cell.value for cell in ws[1]]
    for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        values = dict(zip(headers, row, strict=False))
        if all(values.get(k) == v for k, v in match.items()):
            return number
    raise AssertionError(f"no row {match} on {sheet}")


def gateway_edit(slug: str, summary: str, actor: Actor | None = None) -> None:
    with editing(actor or Actor.command("t")):
        mechanism = Mechanism.objects.get(slug=slug)
        mechanism.summary = summary
        save_object(mechanism)


def version(slug: str) -> int:
    return Mechanism.objects.get(slug=slug).version


def summary(slug: str) -> str:
    return Mechanism.objects.get(slug=slug).summary


def test_an_export_writes_each_mechanisms_current_version(demo_data):
    gateway_edit("bali-process", "Edited.")
    ws = openpyxl.load_workbook(io.BytesIO(export()))["Mechanisms"]
    headers = [cell.value for cell in ws[1]]
    assert headers[-2:] == ["published", "version"]
    versions = {row[0]: row[-1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert versions["bali-process"] == 2 == version("bali-process")
    assert versions["almaty-process"] == 1


def test_reimporting_an_old_export_over_newer_edits_is_refused_row_by_row(demo_data):
    alice = User.objects.create_user("alice")
    old = export()
    # Alice imports a file that changes the Almaty Process; the command line edits Bali.
    alices = edit(old, set_cell("Mechanisms", "summary", "Alice's.", slug="almaty-process"))
    actor = Actor(user=alice, via=ChangeSet.Via.WORKBOOK_IMPORT)
    assert run_import(alices, actor=actor, file_name="x.xlsx").applied
    gateway_edit("bali-process", "The command line's.")
    change_sets = ChangeSet.objects.count()

    mine = edit(old, set_cell("Mechanisms", "summary", "Mine.", slug="budapest-process"))
    report = run_import(mine)

    almaty = row_number(old, "Mechanisms", slug="almaty-process")
    bali = row_number(old, "Mechanisms", slug="bali-process")
    messages = [str(p) for p in report.problems]
    assert len(messages) > 2  # and the two mechanisms' rows on the other sheets
    assert re.fullmatch(
        rf"Mechanisms!{almaty}: version: “almaty-process” was changed after this file was "
        rf"exported \(file: version 1, now version 2, last by alice on {WHEN} via Workbook "
        r"import x\.xlsx\); export again and redo your edits",
        messages[0],
    ), messages[0]
    assert re.fullmatch(
        rf"Mechanisms!{bali}: version: “bali-process” was changed after this file was "
        rf"exported \(file: version 1, now version 2, last by the command line on {WHEN} "
        r"via Command line t\); export again and redo your edits",
        messages[1],
    ), messages[1]
    outcomes = {row.key: row.status for row in report.sheets["Mechanisms"].rows}
    assert outcomes["almaty-process"] == outcomes["bali-process"] == "refused"
    assert outcomes["budapest-process"] == "changed"
    # Nothing written: the other edits are kept, my edit is not applied.
    assert not report.applied
    assert summary("almaty-process") == "Alice's."
    assert summary("bali-process") == "The command line's."
    assert summary("budapest-process") != "Mine."
    assert (version("almaty-process"), version("bali-process"), version("budapest-process")) == (
        2,
        2,
        1,
    )
    assert ChangeSet.objects.count() == change_sets


def test_the_history_of_the_mechanisms_behind_is_read_in_one_query(demo_data):
    old = export()
    gateway_edit("bali-process", "One.")
    gateway_edit("almaty-process", "Two.")
    with CaptureQueriesContext(connection) as captured:
        report = run_import(old, dry_run=True)
    assert len(report.problems) > 2
    history = [q["sql"] for q in captured.captured_queries if "historicalmechanism" in q["sql"]]
    assert len(history) == 1


def test_the_rows_of_a_stale_mechanism_on_the_other_sheets_are_refused_too(demo_data):
    old = export()
    gateway_edit("almaty-process", "Newer.")
    changed = edit(
        old,
        set_cell(
            "Sections", "body", "My structures.", mechanism="almaty-process", topic="structures"
        ),
    )

    report = run_import(changed)

    almaty = row_number(old, "Mechanisms", slug="almaty-process")
    section = row_number(old, "Sections", mechanism="almaty-process", topic="structures")
    messages = [str(p) for p in report.problems]
    assert (
        f"Sections!{section}: mechanism: “almaty-process” was changed after this file was "
        f"exported (Mechanisms!{almaty} is refused); export again and redo your edits"
    ) in messages
    refused = {
        sheet: {
            row.key.split(" / ")[0] for row in report.sheets[sheet].rows if row.status == "refused"
        }
        for sheet in ("Sections", "Participants")
    }
    assert refused == {"Sections": {"almaty-process"}, "Participants": {"almaty-process"}}
    assert (
        report.sheets["Participants"].refused
        == Mechanism.objects.get(slug="almaty-process").participations.count()
    )
    assert not report.applied
    body = Section.objects.get(mechanism__slug="almaty-process", topic__key="structures").body
    assert body != "My structures."


def test_the_same_edit_on_a_fresh_export_is_imported_and_bumps_the_version_once(demo_data):
    gateway_edit("almaty-process", "Newer.")
    fresh = edit(export(), set_cell("Mechanisms", "summary", "Mine.", slug="almaty-process"))

    report = run_import(fresh)

    assert report.applied, report.problems
    assert summary("almaty-process") == "Mine."
    assert version("almaty-process") == 3
    # Exported again, re-imported: nothing to do.
    again = run_import(export())
    assert again.applied and again.changes == 0


def test_a_version_from_the_future_is_refused(demo_data):
    future = edit(export(), set_cell("Mechanisms", "version", 7, slug="almaty-process"))

    report = run_import(future)

    number = row_number(future, "Mechanisms", slug="almaty-process")
    assert str(report.problems[0]) == (
        f"Mechanisms!{number}: version: version 7 of “almaty-process” is not a version this "
        "database has given out (it is at version 1): export again from this site"
    )
    assert not report.applied


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("three", "“three” is not a whole number (1, 2, 3…)"),
        (2.5, "“2.5” is not a whole number (1, 2, 3…)"),
        (0, "0 is not a positive whole number: the smallest is 1"),
        (-1, "-1 is not a positive whole number: the smallest is 1"),
        (10**12, "1,000,000,000,000 is too large: at most 2,147,483,647"),
    ],
)
def test_a_version_that_is_not_a_positive_whole_number_is_refused(demo_data, cell, message):
    data = edit(export(), set_cell("Mechanisms", "version", cell, slug="almaty-process"))
    report = run_import(data, dry_run=True)
    number = row_number(data, "Mechanisms", slug="almaty-process")
    assert [str(p) for p in report.problems] == [f"Mechanisms!{number}: version: {message}"]


def drop_the_version_column(book):
    ws = book["Mechanisms"]
    headers = [cell.value for cell in ws[1]]
    ws.delete_cols(headers.index("version") + 1)


def test_a_file_without_the_version_column_is_not_checked(demo_data):
    old = export()
    gateway_edit("almaty-process", "Newer.")
    data = edit(
        edit(old, drop_the_version_column),
        set_cell("Mechanisms", "summary", "Mine.", slug="bali-process"),
    )

    report = run_import(data)

    # A hand-made file: every row is taken as it is, Almaty's (unchanged) row too.
    assert report.applied, report.problems[:3]
    assert report.changes == 2  # Bali's summary, and Almaty's back to the file's
    assert summary("bali-process") == "Mine."
    assert version("bali-process") == 2


def test_an_empty_version_cell_is_not_checked(demo_data):
    old = export()
    gateway_edit("almaty-process", "Newer.")
    data = edit(
        edit(old, set_cell("Mechanisms", "version", None, slug="almaty-process")),
        set_cell("Mechanisms", "summary", "Mine.", slug="almaty-process"),
    )
    report = run_import(data)
    assert report.applied, report.problems[:3]
    assert summary("almaty-process") == "Mine."
    assert version("almaty-process") == 3


def test_an_edit_between_the_check_and_the_write_is_refused_and_kept(demo_data):
    data = edit(export(), set_cell("Mechanisms", "summary", "Mine.", slug="almaty-process"))

    def meanwhile(message: str) -> None:
        if message.startswith("Writing"):  # checked, not yet written
            gateway_edit("almaty-process", "Theirs.")

    report = run_import(data, progress=meanwhile)

    assert not report.applied
    [problem] = report.problems
    assert "is no longer at version 1" in str(problem)
    assert "Nothing was written" in str(problem)
    assert summary("almaty-process") == "Theirs."
    assert version("almaty-process") == 2


def test_a_version_for_a_mechanism_the_database_does_not_have_is_not_checked(demo_data):
    """A file moved to another site (or an empty database) creates its mechanisms."""
    data = export()
    Mechanism.objects.all().delete()
    report = run_import(data)
    assert report.applied, report.problems[:3]
    assert set(Mechanism.objects.values_list("version", flat=True)) == {1}


def test_importing_an_unchanged_export_changes_nothing_and_records_nothing(demo_data):
    gateway_edit("almaty-process", "Newer.")
    versions = dict(Mechanism.objects.values_list("slug", "version"))
    change_sets = ChangeSet.objects.count()

    report = run_import(export())

    assert report.ok and report.changes == 0
    assert ChangeSet.objects.count() == change_sets
    assert dict(Mechanism.objects.values_list("slug", "version")) == versions


# --- `published`: exported for information, never imported -------------------------------


def role(client, name: str, group: str) -> User:
    user = User.objects.create_user(name, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return user


def snapshots() -> list[tuple]:
    return list(
        PublishedProfile.objects.order_by("slug").values_list(
            "slug", "version", "published_at", "content"
        )
    )


@pytest.mark.parametrize("group", ["IPD editors", "IPD publishers"])
def test_a_changed_published_column_is_neither_refused_nor_applied(client, demo_data, group):
    role(client, "someone", group)
    with editing(Actor.command("t")):
        draft = Mechanism.objects.get(slug="midcom")
        draft.is_published = False
        save_object(draft)
    public = snapshots()
    versions = dict(Mechanism.objects.values_list("slug", "version"))
    data = edit(
        edit(export(), set_cell("Mechanisms", "published", "no", slug="bali-process")),
        set_cell("Mechanisms", "published", "yes", slug="midcom"),
    )

    preview = client.post(IMPORT_URL, {"workbook": SimpleUploadedFile("p.xlsx", data)})

    report = preview.context["report"]
    assert report.ok and report.changes == 0, report.problems
    assert "Mechanisms: 0 new, 0 changed, 25 unchanged" in preview.content.decode()
    # Nothing to confirm, nothing written: the public sees what it saw.
    client.post(CONFIRM_URL, {"confirm": "Confirm import"})
    assert snapshots() == public
    assert dict(Mechanism.objects.values_list("slug", "version")) == versions
    assert Mechanism.objects.get(slug="bali-process").is_published
    assert not Mechanism.objects.get(slug="midcom").is_published


@pytest.mark.parametrize("group", ["IPD editors", "IPD publishers"])
def test_an_import_that_changes_a_profile_and_its_published_column_publishes_nothing(
    client, demo_data, group
):
    role(client, "someone", group)
    public = snapshots()
    data = edit(
        edit(export(), set_cell("Mechanisms", "published", "no", slug="bali-process")),
        set_cell("Mechanisms", "summary", "Edited.", slug="bali-process"),
    )

    preview = client.post(IMPORT_URL, {"workbook": SimpleUploadedFile("p.xlsx", data)})
    [changed] = [r for r in preview.context["report"].sheets["Mechanisms"].rows if r.changed]
    assert changed.changed == ["summary"]
    client.post(CONFIRM_URL, {"confirm": "Confirm import"})

    bali = Mechanism.objects.get(slug="bali-process")
    assert bali.summary == "Edited." and bali.version == 2 and bali.is_published
    assert snapshots() == public
    # The edit goes public when a publisher publishes it.
    with editing(Actor.command("t", via=ChangeSet.Via.PUBLISH)):
        publish([bali.pk])
    assert PublishedProfile.objects.get(mechanism=bali).content["Mechanisms"][0]["summary"] == (
        "Edited."
    )
