"""Workbooks that are small on disk but huge once read are refused before they are read.

Each file here is built to reach a limit of `workbook.safety` (the shared-string bomb of
issue "Imports that no upload can hurt", point 1, among them) and is refused by the scan
that runs before openpyxl loads anything: the user gets a message naming the limit, and
nothing is written.
"""

import io
import zipfile

import openpyxl
import pytest

from profiles.models import Mechanism, Organisation, Participation, Section
from profiles.sheets import SHEETS_BY_NAME
from tests.profiles.test_admin_import import per_model_import
from workbook.engine import import_workbook
from workbook.resources import MAX_MODEL_IMPORT_TEXT
from workbook.safety import (
    MAX_CELL_CHARS,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    MAX_TEXT_CHARS,
    MAX_TOTAL_ROWS,
    MAX_XML_ELEMENTS,
)

pytestmark = pytest.mark.django_db

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
ML = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def inline(text: str) -> str:
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def shared(index: int) -> str:
    return f'<c t="s"><v>{index}</v></c>'


def row(sheet: str, **values: str) -> str:
    """A row of `sheet` with the given cells (a text, or a shared string as an int)."""
    cells = []
    for name in SHEETS_BY_NAME[sheet].headers:
        value = values.get(name, " ")  # a blank cell: read as empty
        cells.append(shared(value) if isinstance(value, int) else inline(value))
    return "<row>" + "".join(cells) + "</row>"


def header(name: str) -> str:
    return '<row r="1">' + "".join(inline(h) for h in SHEETS_BY_NAME[name].headers) + "</row>"


def xlsx(sheets: dict[str, str], strings: str = "", styles: str = "") -> bytes:
    """A minimal workbook: `sheets` maps titles to the XML of their rows; `strings` is the
    XML of the shared strings (<si> elements); `styles` the body of a styles part."""
    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{ML}.worksheet+xml"/>'
        for n in range(1, len(names) + 1)
    )
    if styles:
        overrides += f'<Override PartName="/xl/styles.xml" ContentType="{ML}.styles+xml"/>'
    relationships = "".join(
        f'<Relationship Id="rId{n}" Type="{REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(names) + 1)
    )
    relationships += f'<Relationship Id="s" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    if styles:
        relationships += f'<Relationship Id="st" Type="{REL}/styles" Target="styles.xml"/>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{TYPES}"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            f'ContentType="{ML}.sheet.main+xml"/><Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{ML}.sharedStrings+xml"/>{overrides}</Types>',
        )
        package.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        package.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            + "".join(
                f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
                for n, name in enumerate(names, start=1)
            )
            + "</sheets></workbook>",
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG}">{relationships}</Relationships>',
        )
        package.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{strings}</sst>')
        if styles:
            package.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN}">{styles}</styleSheet>')
        for n, rows in enumerate(sheets.values(), start=1):
            package.writestr(
                f"xl/worksheets/sheet{n}.xml",
                f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>',
            )
    return out.getvalue()


def empty_sheets(*names: str) -> dict[str, str]:
    return {name: header(name) for name in names}


REQUIRED = ("Mechanisms", "Sections", "Participants", "Links", "Documents")


def counts() -> tuple:
    return tuple(m.objects.count() for m in (Mechanism, Section, Participation, Organisation))


def refused_before_reading(data: bytes, monkeypatch, **options) -> list[str]:
    """Import `data`; it must be refused by the scan (openpyxl never opens it) and nothing
    may be written. Returns the problems as the user sees them."""

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a file the scan refuses")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    before = counts()
    report = import_workbook(source=io.BytesIO(data), **options)
    assert not report.applied
    assert counts() == before, "nothing may be written"
    return [str(problem) for problem in report.problems]


TEXT_MESSAGE = (
    f"The workbook's cells hold more than {MAX_TEXT_CHARS:,} characters of text in all (a "
    "text repeated in many cells counts every time): the limit is "
    f"{MAX_TEXT_CHARS:,} per workbook. Split it into smaller files."
)


def test_shared_string_bomb_at_the_row_limit_is_refused_before_it_is_read(demo_data, monkeypatch):
    # The attack: one 32,767-character shared string referenced by every body of a
    # Sections sheet filled to the row limit. The file is small…
    sheets = empty_sheets(*REQUIRED)
    body = row("Sections", mechanism="almaty-process", topic="evolution", body=0)
    sheets["Sections"] += body * MAX_ROWS
    bomb = xlsx(sheets, f"<si><t>{'x' * MAX_CELL_CHARS}</t></si>")
    assert len(bomb) < 1024 * 1024
    # …but its cells would expand to 1.6 billion characters: it is refused unread.
    assert refused_before_reading(bomb, monkeypatch) == [TEXT_MESSAGE]


def test_text_under_every_cell_and_sheet_limit_but_over_the_budget_in_all_is_refused(
    db, monkeypatch
):
    # Distinct texts, no shared string, no cell beyond 32,767 characters, every sheet far
    # below its row limit: only the sum, over two sheets, is beyond the budget.
    cell = MAX_CELL_CHARS - 7
    per_sheet = MAX_TEXT_CHARS // cell // 2 + 2
    sheets = empty_sheets(*REQUIRED)
    sheets["Mechanisms"] += "".join(
        row("Mechanisms", slug=f"m{n}", name=f"M{n}", kind="rcp", summary=f"{n:06d}".ljust(cell))
        for n in range(per_sheet)
    )
    sheets["Sections"] += "".join(
        row("Sections", mechanism=f"m{n}", topic="evolution", body=f"{n:06d}".ljust(cell, "z"))
        for n in range(per_sheet)
    )
    assert refused_before_reading(xlsx(sheets), monkeypatch) == [TEXT_MESSAGE]


def test_the_shared_strings_table_itself_is_held_to_the_budget(db, monkeypatch):
    # Texts that no cell uses still fill memory when openpyxl loads the table.
    count = MAX_TEXT_CHARS // MAX_CELL_CHARS + 1
    strings = "".join(f"<si><t>{n:06d}{'s' * (MAX_CELL_CHARS - 6)}</t></si>" for n in range(count))
    [problem] = refused_before_reading(xlsx(empty_sheets(*REQUIRED), strings), monkeypatch)
    assert problem == (
        f"The workbook's shared strings hold more than {MAX_TEXT_CHARS:,} characters of text: "
        f"the limit is {MAX_TEXT_CHARS:,} per workbook. Split it into smaller files."
    )


def test_more_distinct_texts_than_the_limit_are_refused(db, monkeypatch):
    strings = "<si><t>a</t></si>" * (MAX_SHARED_STRINGS + 1)
    [problem] = refused_before_reading(xlsx(empty_sheets(*REQUIRED), strings), monkeypatch)
    assert problem == f"The workbook holds more than {MAX_SHARED_STRINGS:,} distinct texts."


def test_rows_of_all_sheets_together_are_limited(db, monkeypatch):
    # Each sheet stays within its own row limit; together they hold more than a workbook may.
    per_sheet = MAX_TOTAL_ROWS // 2 + 1
    assert per_sheet <= MAX_ROWS
    sheets = empty_sheets(*REQUIRED)
    for name in ("Participants", "Documents"):
        sheets[name] += '<row><c t="n"><v>1</v></c></row>' * per_sheet
    [problem] = refused_before_reading(xlsx(sheets), monkeypatch)
    assert problem == (
        f"The workbook has more than {MAX_TOTAL_ROWS:,} data rows in all its sheets together "
        f"(reached in xl/worksheets/sheet5.xml): the limit is {MAX_TOTAL_ROWS:,} data rows per "
        "workbook. Split it into several files."
    )


def test_a_styles_part_with_too_many_elements_is_refused(db, monkeypatch):
    # openpyxl builds a whole tree (and an object per element) of the styles part.
    styles = "<cellXfs>" + '<xf numFmtId="0"/>' * MAX_XML_ELEMENTS + "</cellXfs>"
    [problem] = refused_before_reading(xlsx(empty_sheets(*REQUIRED), styles=styles), monkeypatch)
    assert problem.startswith(
        f"The workbook's parts other than its sheets (styles, properties…) hold more than "
        f"{MAX_XML_ELEMENTS:,} XML elements"
    )


def test_a_workbook_within_the_limits_is_imported(db):
    sheets = empty_sheets(*REQUIRED)
    sheets["Mechanisms"] += row("Mechanisms", slug="m", name="M", kind="rcp", summary=0)
    sheets["Sections"] += row("Sections", mechanism="m", topic="evolution", body=0)
    report = import_workbook(source=io.BytesIO(xlsx(sheets, f"<si><t>{'w' * 30_000}</t></si>")))
    assert report.ok, report.problems
    assert Mechanism.objects.get(slug="m").summary == "w" * 30_000
    assert Section.objects.get(mechanism__slug="m").body == "w" * 30_000


# --- the per-model import (django-import-export, in the admin) -------------------------------


def test_shared_string_bomb_in_a_per_model_mechanism_import_is_refused_unread(
    admin_client, db, monkeypatch
):
    # The attack on the admin's per-model import: a Mechanisms sheet whose summaries all
    # refer to one 32,767-character text (500 rows: 16 million characters once read).
    rows = '<row r="1">' + "".join(inline(h) for h in ("slug", "name", "kind", "summary"))
    rows += "</row>" + "".join(
        f"<row>{inline(f'm{n}')}{inline(f'M{n}')}{inline('rcp')}{shared(0)}</row>"
        for n in range(500)
    )
    data = xlsx({"Mechanisms": rows}, f"<si><t>{'x' * MAX_CELL_CHARS}</t></si>")

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a file the scan refuses")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    response = per_model_import(admin_client, "mechanism", data, "mechanisms.xlsx", "1")
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        f"The workbook&#x27;s cells hold more than {MAX_MODEL_IMPORT_TEXT:,} characters of text"
        in page
    )
    assert len(response.content) < 200_000  # a message, not a preview of 16 M characters
    assert not Mechanism.objects.exists()
