"""The workbook round trip: export → edit → import, reported row by row, all or nothing."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from history.models import ChangeSet
from profiles.exporter import write_template, write_workbook
from profiles.models import (
    Document,
    Mechanism,
    Organisation,
    Participation,
    Section,
)
from profiles.services import Actor, editing, publish
from workbook.engine import import_workbook

pytestmark = pytest.mark.django_db


def export(mechanisms=None) -> bytes:
    buffer = io.BytesIO()
    mechanisms = Mechanism.objects.all() if mechanisms is None else mechanisms
    write_workbook(buffer, mechanisms)
    return buffer.getvalue()


def edit(data: bytes, changes) -> bytes:
    """Open an exported workbook as Excel would, apply `changes(book)`, save it again."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    changes(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run_import(data: bytes, **options):
    return import_workbook(source=io.BytesIO(data), **options)


def sheet_values(data: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(row) for row in ws.values] for ws in book.worksheets}


def column(book, sheet: str, name: str) -> int:
    headers = [cell.value for cell in book[sheet][1]]
    return headers.index(name) + 1


def row_by_header(book, sheet: str, **values) -> list:
    """A new row of `sheet` from values by column name, in the sheet's column order."""
    return [values.get(cell.value, "") for cell in book[sheet][1]]


def row_of(book, sheet: str, **match) -> int:
    ws = book[sheet]
    headers = [cell.value for cell in ws[1]]
    for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        values = dict(zip(headers, row, strict=False))
        if all(values.get(k) == v for k, v in match.items()):
            return number
    raise AssertionError(f"no row {match} on {sheet}")


def test_reimporting_an_unchanged_export_reports_zero_changes(demo_data):
    report = run_import(export())
    assert report.ok, report.problems
    assert report.changes == 0
    assert report.sheets["Mechanisms"].unchanged == Mechanism.objects.count() == 25
    assert report.sheets["Participants"].unchanged == Participation.objects.count()
    assert report.sheets["Sections"].unchanged == 5


def test_export_imported_into_an_empty_database_exports_the_same_workbook(demo_data):
    first = export()
    Mechanism.objects.all().delete()
    Organisation.objects.all().delete()

    report = run_import(first)

    assert report.ok, report.problems
    assert report.sheets["Mechanisms"].created == 25
    assert report.sheets["Sections"].created == 5
    # An import never publishes: the mechanisms it creates are drafts, until published.
    assert not Mechanism.objects.filter(is_published=True).exists()
    with editing(Actor.command("test", via=ChangeSet.Via.PUBLISH)):
        publish(Mechanism.objects.values_list("pk", flat=True))
    again = sheet_values(export())
    assert again == sheet_values(first)
    almaty = Mechanism.objects.get(slug="almaty-process")
    assert almaty.is_published and almaty.published_at is not None
    section = almaty.sections.get(topic__key="structures")
    assert "<p>" in section.body_html  # rendered and sanitised once, when written


def test_unconfirmed_flags_survive_the_round_trip_and_created_mechanisms_are_drafts(demo_data):
    unsure = Participation.objects.filter(uncertain=True).count()
    year_unsure = Mechanism.objects.filter(established_uncertain=True).count()
    assert unsure and year_unsure  # the demo data has unconfirmed values
    kind_unsure = Mechanism.objects.filter(kind_uncertain=True).count()
    assert kind_unsure
    data = export()
    Mechanism.objects.all().delete()
    Organisation.objects.all().delete()
    assert run_import(data).ok
    assert Participation.objects.filter(uncertain=True).count() == unsure
    assert Mechanism.objects.filter(established_uncertain=True).count() == year_unsure
    assert Mechanism.objects.filter(kind_uncertain=True).count() == kind_unsure
    # The `published` column is exported for information only: an import never publishes.
    assert not Mechanism.objects.filter(is_published=True).exists()


def test_changed_cells_are_reported_with_their_fields_and_applied(demo_data):
    def change(book):
        ws = book["Mechanisms"]
        number = row_of(book, "Mechanisms", slug="almaty-process")
        ws.cell(number, column(book, "Mechanisms", "summary")).value = "A new summary."
        ws.cell(number, column(book, "Mechanisms", "established")).value = 2014
        ws.cell(number, column(book, "Mechanisms", "regions")).value = "AFRICA; europe"
        ws = book["Sections"]
        number = row_of(book, "Sections", mechanism="almaty-process", topic="structures")
        ws.cell(number, 3).value = "**New** structures."

    report = run_import(edit(export(), change))

    assert report.ok, report.problems
    [changed] = [r for r in report.sheets["Mechanisms"].rows if r.status == "changed"]
    assert changed.key == "almaty-process"
    assert changed.changed == ["established", "regions", "summary"]
    assert report.sheets["Sections"].updated == 1
    assert report.changes == 2
    almaty = Mechanism.objects.get(slug="almaty-process")
    assert almaty.summary == "A new summary." and almaty.established == 2014
    assert sorted(almaty.regions.values_list("slug", flat=True)) == ["africa", "europe"]
    section = almaty.sections.get(topic__key="structures")
    assert section.body_html == "<p><strong>New</strong> structures.</p>"


def test_new_rows_are_created_from_every_sheet(demo_data):
    def add(book):
        book["Mechanisms"].append(
            row_by_header(
                book,
                "Mechanisms",
                slug="new-forum",
                name="A New Forum",
                short_name="NF",
                aliases="Old Forum; Older Forum",
                kind="Interregional forum",
                kind_unconfirmed="no",
                established=2020,
                established_unconfirmed="yes",
                status="Active",
                regions="Africa",
                website="https://example.org/",
                published="no",
            )
        )
        book["Sections"].append(["new-forum", "evolution", "It began.\n\n- one\n- two"])
        book["Participants"].append(["new-forum", "kaz", None, "member", 2020, None, "no", None])
        book["Participants"].append(
            ["new-forum", "Kyrgyzstan", None, "Observer", None, None, None, None]
        )
        book["Participants"].append(["new-forum", None, "IOM", "partner", None, None, None, None])
        book["Links"].append(["new-forum", "almaty-process", "formal", "Shared members"])
        book["Documents"].append(
            ["new-forum", "Founding declaration", "declaration", 2020, "NF", None]
        )

    report = run_import(edit(export(), add))

    assert report.ok, report.problems
    assert [
        report.sheets[s].created
        for s in ("Mechanisms", "Sections", "Participants", "Links", "Documents")
    ] == [1, 1, 3, 1, 1]
    forum = Mechanism.objects.get(slug="new-forum")
    assert forum.kind == "interregional" and forum.established_uncertain
    assert not forum.is_published
    assert forum.alias_list == ["Old Forum", "Older Forum"]
    assert forum.website == "https://example.org/"
    assert sorted(forum.participations.values_list("country", "role")) == [
        ("", "partner"),
        ("KG", "observer"),
        ("KZ", "member"),
    ]
    assert forum.sections.get().body_html.startswith("<p>It began.</p>")


def test_countries_are_accepted_as_alpha2_alpha3_or_english_name_in_any_case(make_mechanism):
    make_mechanism(slug="m")
    book = blank_book()
    for code in ["kz", "KGZ", "tajikistan", "Türkiye", "XKX"]:
        book["Participants"].append(["m", code, None, "member", None, None, None, None])
    report = run_import(save(book))
    assert report.ok, report.problems
    assert sorted(Participation.objects.values_list("country", flat=True)) == [
        "KG",
        "KZ",
        "TJ",
        "TR",
        "XK",
    ]


def test_dry_run_reports_the_changes_but_writes_nothing(demo_data):
    def change(book):
        number = row_of(book, "Mechanisms", slug="bali-process")
        book["Mechanisms"].cell(number, column(book, "Mechanisms", "name")).value = "Renamed"

    report = run_import(edit(export(), change), dry_run=True)
    assert report.ok and not report.applied
    assert report.sheets["Mechanisms"].updated == 1
    assert not Mechanism.objects.filter(name="Renamed").exists()


def test_replace_deletes_rows_the_workbook_no_longer_lists(demo_data):
    def remove(book):
        ws = book["Participants"]
        ws.delete_rows(row_of(book, "Participants", mechanism="almaty-process", country="AF"))
        ws = book["Sections"]
        ws.delete_rows(row_of(book, "Sections", mechanism="almaty-process", topic="evolution"))

    data = edit(export(), remove)
    without = run_import(data)
    assert without.ok and without.changes == 0  # upsert only: nothing deleted

    report = run_import(data, replace=True)

    assert report.ok
    assert report.sheets["Participants"].deleted == 1
    assert report.sheets["Sections"].deleted == 1
    assert not Participation.objects.filter(mechanism__slug="almaty-process", country="AF")
    assert not Section.objects.filter(mechanism__slug="almaty-process", topic__key="evolution")


def test_exported_cells_that_look_like_formulas_are_neutralised_and_read_back(make_mechanism):
    payloads = [
        "=1+1",
        "==1+1",
        "+SUM(A1)",
        "-2+3",
        "@cmd",
        "\tTab",
        "\rCR",
        "'quoted",
        '=HYPERLINK("http://evil")',
    ]
    mechanism = make_mechanism(slug="m", summary=payloads[0], secretariat=payloads[8])
    for number, payload in enumerate(payloads):
        Document.objects.create(mechanism=mechanism, title=f"Doc {number}", publisher=payload)
    data = export()

    book = openpyxl.load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))
    publishers = [r[4] for r in book["Documents"].iter_rows(min_row=2, values_only=True)]
    # Leading tabs and carriage returns are whitespace, trimmed like any other.
    expected = [p.strip() for p in payloads]
    assert sorted(publishers) == sorted(
        "'" + p if p.startswith(("=", "+", "-", "@", "'")) else p for p in expected
    )

    report = run_import(data)
    assert report.ok and report.changes == 0
    Document.objects.all().delete()
    assert run_import(data).ok
    assert sorted(Document.objects.values_list("publisher", flat=True)) == sorted(expected)
    assert Mechanism.objects.get(slug="m").summary == "=1+1"


def test_template_has_every_sheet_with_frozen_readable_headers(db):
    buffer = io.BytesIO()
    write_template(buffer)
    book = openpyxl.load_workbook(buffer)
    assert book.sheetnames == [
        "Mechanisms",
        "Sections",
        "Participants",
        "Links",
        "Documents",
        "Organisations",
        "About",
    ]
    mechanisms = book["Mechanisms"]
    assert [c.value for c in mechanisms[1]][:12] == [
        "slug",
        "name",
        "short_name",
        "aliases",
        "kind",
        "kind_unconfirmed",
        "established",
        "established_unconfirmed",
        "status",
        "regions",
        "geographic_scope",
        "regional_organisation",
    ]
    assert mechanisms.freeze_panes == "A2"
    assert mechanisms[1][0].font.bold
    assert book["Sections"].column_dimensions["C"].width >= 80
    assert mechanisms.max_row == 1
    # The template imports cleanly and changes nothing.
    report = run_import(buffer.getvalue())
    assert report.ok and report.changes == 0


def test_import_queries_do_not_grow_with_the_number_of_rows(make_mechanism):
    def workbook_with(count: int, offset: int) -> bytes:
        book = blank_book()
        for number in range(offset, offset + count):
            slug = f"m{number}"
            book["Mechanisms"].append(
                row_by_header(
                    book,
                    "Mechanisms",
                    slug=slug,
                    name=f"M {number}",
                    kind="rcp",
                    kind_unconfirmed="no",
                    established=2000,
                    established_unconfirmed="no",
                    status="active",
                    regions="africa",
                    thematic_areas="migration-policy",
                    published="no",
                )
            )
            book["Sections"].append([slug, "evolution", f"Body {number}"])
            for code in ["KZ", "KG", "TJ"]:
                book["Participants"].append([slug, code, None, "member", None, None, None, None])
            book["Documents"].append([slug, "Plan", "other", 2001, "", None])
        return save(book)

    def queries(data: bytes) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert run_import(data).ok
        return len(captured.captured_queries)

    assert queries(workbook_with(5, 0)) == queries(workbook_with(60, 100))


def test_command_prints_counts_and_problems_with_exit_status_one(demo_data, tmp_path):
    good = tmp_path / "good.xlsx"
    call_command("export_workbook", str(good))
    out = io.StringIO()
    call_command("import_workbook", str(good), stdout=out)
    assert "Mechanisms: 0 created, 0 updated, 25 unchanged" in out.getvalue()

    def break_it(book):
        book["Sections"].cell(2, 2).value = "no-such-topic"
        book["Participants"].cell(2, 2).value = "Atlantis"

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(edit(good.read_bytes(), break_it))
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_workbook", str(bad), stderr=err)
    assert exit_info.value.code == 1
    assert "Sections!2: topic: unknown topic “no-such-topic”" in err.getvalue()
    assert "Participants!2: country: unknown country “Atlantis”" in err.getvalue()
    assert "nothing was written" in err.getvalue()


def test_export_command_leaves_out_drafts_unless_asked(demo_data, tmp_path, make_mechanism):
    make_mechanism(slug="secret-draft", name="Secret Draft", is_published=False)
    public, everything = tmp_path / "public.xlsx", tmp_path / "all.xlsx"
    call_command("export_workbook", str(public), stdout=io.StringIO())
    call_command("export_workbook", str(everything), "--include-drafts", stdout=io.StringIO())
    slugs = [row[0] for row in sheet_values(public.read_bytes())["Mechanisms"][1:]]
    assert "secret-draft" not in slugs and len(slugs) == 25
    slugs = [row[0] for row in sheet_values(everything.read_bytes())["Mechanisms"][1:]]
    assert "secret-draft" in slugs


# --- helpers shared with the bad-input tests ----------------------------------------------


def blank_book() -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write_template(buffer)
    return openpyxl.load_workbook(buffer)


def save(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_command_shows_its_progress_apart_from_the_report(demo_data, tmp_path):
    good = tmp_path / "all.xlsx"
    call_command("export_workbook", str(good), stdout=io.StringIO())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_workbook", str(good), stdout=out, stderr=err)
    assert "Participants: 572 rows read" in err.getvalue()
    assert "Checking the profiles sheets against the database" in err.getvalue()
    assert "rows read" not in out.getvalue()
