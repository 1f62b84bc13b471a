"""Bad and hostile workbooks: each gets a clear message naming sheet, row and column, and
nothing is written."""

import io
import re
import zipfile

import openpyxl
import pytest

from profiles.exporter import write_template
from profiles.models import Document, Mechanism, Participation, Section
from workbook.engine import import_workbook
from workbook.safety import MAX_COLUMNS, MAX_ROWS, MAX_UNCOMPRESSED_BYTES, MAX_UPLOAD_BYTES

pytestmark = pytest.mark.django_db

# A valid Mechanisms row by column name: rows are laid out by the sheet's headers, so a
# new column (anywhere) shifts nothing.
MECHANISM = {
    "slug": "m",
    "name": "M",
    "kind": "rcp",
    "kind_unconfirmed": "no",
    "established": 2000,
    "established_unconfirmed": "no",
    "status": "active",
    "regions": "africa",
    "published": "no",
}


def mechanism_row(book: openpyxl.Workbook, **values) -> list:
    """A Mechanisms row with MECHANISM's values (and `values`), in the sheet's column order."""
    row = {**MECHANISM, **values}
    return [row.get(cell.value, "") for cell in book["Mechanisms"][1]]


def column(book: openpyxl.Workbook, sheet: str, name: str) -> int:
    return [cell.value for cell in book[sheet][1]].index(name) + 1


def blank_book() -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write_template(buffer)
    return openpyxl.load_workbook(buffer)


def save(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def valid_book() -> openpyxl.Workbook:
    book = blank_book()
    book["Mechanisms"].append(mechanism_row(book))
    book["Sections"].append(["m", "evolution", "Text."])
    book["Participants"].append(["m", "KZ", None, "member", None, None, None, None])
    return book


def problems(data: bytes, **options) -> list[str]:
    counts = _counts()
    report = import_workbook(source=io.BytesIO(data), **options)
    assert not report.applied
    assert _counts() == counts, "nothing may be written"
    return [str(p) for p in report.problems]


def _counts() -> tuple:
    return tuple(m.objects.count() for m in (Mechanism, Section, Participation, Document))


def set_header(book, sheet: str, old: str, new):
    for cell in book[sheet][1]:
        if cell.value == old:
            cell.value = new
            return
    raise AssertionError(old)


def rewrite(
    data: bytes, replace: dict[str, bytes | None] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """Copy a zip, replacing (or dropping, with None) some members and adding others."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename in replace:
                if replace[item.filename] is not None:
                    target.writestr(item.filename, replace[item.filename])
            else:
                target.writestr(item, source.read(item.filename))
        for name, content in add.items():
            target.writestr(name, content)
    return out.getvalue()


def member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def sheet_path(data: bytes, title: str) -> str:
    """The zip member of a sheet (openpyxl names them sheet1.xml… in workbook order)."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return f"xl/worksheets/sheet{book.sheetnames.index(title) + 1}.xml"


# --- headers and sheets ----------------------------------------------------------------


def test_renamed_header_is_reported_as_unknown_and_the_expected_one_as_missing(db):
    book = valid_book()
    set_header(book, "Mechanisms", "name", "Mechanism name")
    found = problems(save(book))
    assert (
        "Mechanisms!1: mechanism_name: unknown column header; the columns are slug, name, "
        "short_name" in " ".join(found)
    )
    assert "Mechanisms!1: name: missing column header" in found


def test_missing_header_is_reported(db):
    book = valid_book()
    set_header(book, "Participants", "role", None)
    found = problems(save(book))
    assert "Participants!1: role: missing column header" in found


def test_duplicated_header_is_reported(db):
    book = valid_book()
    set_header(book, "Sections", "body", "topic")
    found = problems(save(book))
    assert "Sections!1: topic: duplicate column header" in found
    assert "Sections!1: body: missing column header" in found


def test_headers_are_read_whatever_their_case_and_order(db):
    book = blank_book()
    ws = book["Sections"]
    ws.delete_rows(1)
    ws.append(["Body", "TOPIC", "Mechanism"])
    ws.append(["Text.", "evolution", "m"])
    book["Mechanisms"].append(mechanism_row(book))
    report = import_workbook(source=io.BytesIO(save(book)))
    assert report.ok, report.problems
    assert Section.objects.get().body == "Text."


def test_empty_sheet_is_reported(db):
    book = valid_book()
    book["Links"].delete_rows(1)
    found = problems(save(book))
    assert found == [
        "Links: the sheet is empty: row 1 must hold the column headers (mechanism, "
        "other_mechanism, kind, note)"
    ]


def test_missing_sheet_is_reported(db):
    book = valid_book()
    del book["Documents"]
    assert problems(save(book)) == [
        "Documents: the sheet is missing; the workbook needs the sheets Mechanisms, Sections, "
        "Participants, Links, Documents"
    ]


def test_value_in_a_column_without_header_is_reported(db):
    book = valid_book()
    book["Sections"].cell(2, 6).value = "stray"
    assert problems(save(book)) == ["Sections!2: column 6: a value in a column without a header"]


# --- rows --------------------------------------------------------------------------------


def test_unknown_mechanism_topic_country_organisation_region_are_reported(db):
    book = valid_book()
    book["Mechanisms"].cell(2, column(book, "Mechanisms", "regions")).value = "africa; Atlantis"
    book["Sections"].append(["nowhere", "evolution", "Text."])
    book["Sections"].append(["m", "conclusions", "Text."])
    book["Participants"].append(["m", "Narnia", None, "member", None, None, None, None])
    book["Participants"].append(["m", None, "NOPE", "member", None, None, None, None])
    book["Links"].append(["m", "elsewhere", "formal", ""])
    found = problems(save(book))
    assert found[0].startswith("Mechanisms!2: regions: unknown region “Atlantis”; use one of ")
    assert found[1:] == [
        "Sections!3: mechanism: unknown mechanism “nowhere” (not in the database nor on the "
        "Mechanisms sheet)",
        "Sections!4: topic: unknown topic “conclusions”; use one of evolution, contribution, "
        "structures, partnerships, added-value",
        "Participants!3: country: unknown country “Narnia”: use an ISO 3166 alpha-2 or "
        "alpha-3 code or the English name",
        "Participants!4: organisation: unknown organisation “NOPE” (add it to the "
        "Organisations sheet)",
        "Links!2: other_mechanism: unknown mechanism “elsewhere” (not in the database nor on "
        "the Mechanisms sheet)",
    ]


def test_duplicate_keys_within_the_file_are_reported(db):
    book = valid_book()
    book["Mechanisms"].append(mechanism_row(book, name="Other name"))
    book["Sections"].append(["m", "evolution", "Again."])
    book["Participants"].append(["m", "kaz", None, "Member", None, None, None, None])
    found = problems(save(book))
    assert "Mechanisms!3: duplicate of row 2 (same slug)" in found
    assert "Sections!3: duplicate of row 2 (same mechanism, topic)" in found
    assert (
        "Participants!3: duplicate of row 2 (same mechanism, country, organisation, role, "
        "since, until)" in found
    )


def test_bad_years_are_reported(db):
    book = valid_book()
    book["Mechanisms"].cell(2, column(book, "Mechanisms", "established")).value = "20x5"
    book["Participants"].append(["m", "KG", None, "member", 1850, 2500, None, None])
    book["Participants"].append(["m", "TJ", None, "member", 2019.5, None, None, None])
    book["Participants"].append(["m", "TM", None, "member", 2019, 2010, None, None])
    found = problems(save(book))
    assert found == [
        "Mechanisms!2: established: “20x5” is not a year",
        "Participants!3: since: 1850 is out of range: a year must be between 1900 and 2100",
        "Participants!3: until: 2500 is out of range: a year must be between 1900 and 2100",
        "Participants!4: since: “2019.5” is not a year",
        "Participants!5: until: 2010 is before “since” (2019)",
    ]


def inline_cell(data: bytes, title: str, row: int, column: str, text: bytes) -> bytes:
    """Put raw XML text into a cell, as a file not written by openpyxl could."""
    path = sheet_path(data, title)
    xml = member(data, path)
    cell = b'<c r="' + f"{column}{row}".encode() + b'" t="inlineStr"><is><t>' + text
    cell += b"</t></is></c>"
    xml = xml.replace(
        b"</sheetData>", b'<row r="' + str(row).encode() + b'">' + cell + b"</row></sheetData>"
    )
    return rewrite(data, {path: xml})


def test_over_long_text_is_reported_with_the_limit(db):
    book = valid_book()
    book["Mechanisms"].cell(2, 2).value = "x" * 256
    data = inline_cell(save(book), "Documents", 2, "B", b"y" * 40_000)
    found = problems(data)
    assert "Mechanisms!2: name: is too long: 256 characters, at most 255 allowed" in found
    assert "Documents!2: title: is too long: 40,000 characters, at most 500 allowed" in found


@pytest.mark.parametrize("nul", [b"&#0;", b"\x00", b"&#1;"])
def test_nul_bytes_and_control_characters_are_refused_on_every_database(db, nul):
    # XML cannot carry U+0000 (nor most control characters): the file is refused whole,
    # on SQLite and PostgreSQL alike, before any database sees the text.
    data = inline_cell(save(valid_book()), "Sections", 3, "C", b"Before" + nul + b"after")
    [problem] = problems(data)
    assert problem.startswith("The workbook part xl/worksheets/sheet2.xml is not well-formed XML")


def test_control_characters_in_text_are_refused_by_name():
    from workbook.columns import CellProblem, cell_text

    with pytest.raises(CellProblem, match="contains a NUL character"):
        cell_text("a\x00b")
    with pytest.raises(CellProblem, match=r"control character \(U\+001B\)"):
        cell_text("a\x1bb")
    assert cell_text("line\nbreak\ttab") == "line\nbreak\ttab"


def test_invalid_choices_slugs_and_addresses_are_reported(db):
    book = valid_book()
    book["Mechanisms"].cell(2, column(book, "Mechanisms", "kind")).value = "club"
    book["Mechanisms"].cell(2, column(book, "Mechanisms", "website")).value = "javascript:alert(1)"
    book["Mechanisms"].append(["bad slug!", "N", "", "", "rcp"])
    found = problems(save(book))
    assert found == [
        "Mechanisms!2: kind: “club” is not one of: rcp, interregional, global (or their names)",
        "Mechanisms!2: website: “javascript:alert(1)” is not a web address (http://… or https://…)",
        "Mechanisms!3: slug: “bad slug!” is not a valid slug: use letters, digits, hyphens "
        "and underscores only",
    ]


def test_formulas_typed_into_cells_are_refused(db):
    book = valid_book()
    book["Sections"].cell(2, 3).value = '=HYPERLINK("http://evil.example","click")'
    assert problems(save(book)) == [
        "Sections!2: body: is a formula; only values are imported (type the value)"
    ]


def test_every_problem_is_reported_at_once_across_sheets(db):
    book = valid_book()
    book["Mechanisms"].cell(2, column(book, "Mechanisms", "kind")).value = "club"
    book["Documents"].append(["m", "Plan", "plan", "soon", "", ""])
    found = problems(save(book))
    assert len(found) == 3
    assert [p.split(":")[0] for p in found] == ["Mechanisms!2", "Documents!2", "Documents!2"]


# --- files that are not what they say -----------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"slug,name\nm,M\n", b"", b"PK\x03\x04 broken zip", "Ümlaut".encode("utf-16")],
    ids=["csv", "empty", "broken-zip", "utf16-text"],
)
def test_a_file_that_is_not_a_workbook_is_refused(db, data):
    [problem] = problems(data)
    assert "not" in problem and ".xlsx" in problem


def test_a_zip_that_is_not_a_workbook_is_refused(db):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert problems(out.getvalue()) == ["This zip file is not an Excel workbook (.xlsx)."]


def test_a_word_document_is_refused(db, tmp_path):
    import docx

    path = tmp_path / "x.docx"
    docx.Document().save(path)
    assert problems(path.read_bytes()) == [
        "This file is an Office document but not an Excel workbook (.xlsx)."
    ]


def test_macro_enabled_workbooks_are_refused(db):
    data = save(valid_book())
    with_macros = rewrite(data, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    [problem] = problems(with_macros)
    assert problem.startswith("Macro-enabled workbooks (.xlsm) are refused")

    types = member(data, "[Content_Types].xml").replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
    )
    [problem] = problems(rewrite(data, {"[Content_Types].xml": types}))
    assert problem.startswith("Macro-enabled workbooks (.xlsm) are refused")


@pytest.mark.parametrize(
    "prolog",
    [
        b'<!DOCTYPE worksheet [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>',
        b'<!DOCTYPE worksheet SYSTEM "file:///etc/passwd">',
        b"<!-- padding -->" * 5000 + b"<!DOCTYPE worksheet>",
    ],
    ids=["entities", "external-dtd", "late-doctype"],
)
def test_xml_doctype_and_entity_declarations_are_refused(db, prolog):
    data = save(valid_book())
    path = sheet_path(data, "Sections")
    xml = member(data, path)
    tampered = rewrite(data, {path: b'<?xml version="1.0"?>' + prolog + xml})
    [problem] = problems(tampered)
    assert problem.startswith(f"The workbook part {path} declares a")


def test_entity_declared_in_the_workbook_part_is_refused(db):
    data = save(valid_book())
    xml = member(data, "xl/workbook.xml")
    prolog = b'<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY x "y">]>'
    [problem] = problems(rewrite(data, {"xl/workbook.xml": prolog + xml}))
    assert problem.startswith("The workbook part xl/workbook.xml declares a")


def test_zip_bomb_is_refused_before_it_is_unpacked(db):
    data = save(valid_book())
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
        with target.open("xl/worksheets/padding.xml", "w", force_zip64=True) as bomb:
            chunk = b" " * (1024 * 1024)
            for _ in range(MAX_UNCOMPRESSED_BYTES // len(chunk) + 1):
                bomb.write(chunk)
    bomb_file = out.getvalue()
    assert len(bomb_file) < 1024 * 1024  # a tiny file…
    [problem] = problems(bomb_file)
    assert problem.startswith("The workbook unpacks to 97 MB, more than the 96 MB limit")


def test_too_many_zip_members_are_refused(db):
    data = save(valid_book())
    tampered = rewrite(data, add={f"xl/media/x{n}.bin": b"" for n in range(600)})
    [problem] = problems(tampered)
    assert problem.startswith("The workbook has 61") and "parts" in problem


def test_oversized_upload_is_refused_unread(db):
    data = save(valid_book())
    padded = data + b"\0" * (MAX_UPLOAD_BYTES + 1 - len(data))
    assert problems(padded) == ["The file is larger than 20 MB: refused."]


# --- sizes that lie ------------------------------------------------------------------------


def with_dimension(data: bytes, title: str, ref: str) -> bytes:
    path = sheet_path(data, title)
    xml = member(data, path)
    xml = re.sub(rb"<dimension [^>]*/>", b"", xml)
    xml = xml.replace(b"</sheetPr>", b'</sheetPr><dimension ref="' + ref.encode() + b'"/>', 1)
    return rewrite(data, {path: xml})


def test_a_sheet_claiming_a_million_rows_and_columns_is_read_for_what_it_holds(db):
    data = with_dimension(save(valid_book()), "Participants", "A1:XFD1048576")
    report = import_workbook(source=io.BytesIO(data))
    assert report.ok, report.problems
    assert Participation.objects.count() == 1


def test_a_value_far_beyond_the_row_and_column_limits_is_refused(db):
    book = valid_book()
    book["Participants"]["XFD1048576"] = "far away"
    found = problems(save(book))
    assert len(found) == 1
    assert "rows beyond row 50,001" in found[0]
    book = valid_book()
    book["Participants"].cell(2, MAX_COLUMNS + 1).value = "wide"
    assert problems(save(book)) == [
        f"Participants!2: a value in column {MAX_COLUMNS + 1}; the limit is {MAX_COLUMNS} columns."
    ]


def test_a_row_with_too_many_cells_is_refused_while_scanning(db):
    data = save(valid_book())
    path = sheet_path(data, "Participants")
    xml = member(data, path)
    cells = b"".join(b'<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(MAX_COLUMNS + 1))
    xml = xml.replace(b"</sheetData>", b'<row r="3">' + cells + b"</row></sheetData>")
    [problem] = problems(rewrite(data, {path: xml}))
    assert f"has a row with more than {MAX_COLUMNS} cells" in problem


def test_an_understated_dimension_does_not_hide_rows(db):
    book = valid_book()
    for number in range(300):
        role = "member" if number < 150 else "observer"
        year = 1901 + number % 150
        book["Participants"].append(["m", "KG", None, role, year, year, None, None])
    data = with_dimension(save(book), "Participants", "A1:B2")
    report = import_workbook(source=io.BytesIO(data))
    assert report.ok, report.problems
    assert report.sheets["Participants"].created == 301
    assert Participation.objects.count() == 301


def test_row_limit_is_documented_and_enforced(db):
    assert MAX_ROWS == 50_000
