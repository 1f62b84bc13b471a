#!/usr/bin/env python
"""Adversarial files at the documented limits: peak memory and time of every import.

    DEBUG=0 SECRET_KEY=bench .venv/bin/python bench/adversarial.py
    DEBUG=0 SECRET_KEY=bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/iscm \\
        .venv/bin/python bench/adversarial.py

Builds hostile or merely huge files at the limits of `workbook/safety.py` (each is
streamed into its zip, so building them costs little memory), then runs each import the
way an operator would: `manage.py import_workbook FILE` or `manage.py import_findings FILE
--dry-run` in a child process, on a throw-away test database holding the demo data (what
an import adds is deleted before the next case), and reads the child's peak memory (its
VmHWM, which the child prints at exit) and its wall-clock time. A child that merely
starts Django and refuses an empty file is the baseline for both. Figures and reading:
docs/performance.md, "Adversarial files".

Then, in this process, it times the workbook import at `WEB_LIMITS` (what the admin's
preview and confirmation do within one request). `BENCH_ONLY=name,name` runs some cases.
"""

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iscm_site.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DEBUG", "0")

from workbook.safety import (  # noqa: E402  (plain Python: no Django needed to build files)
    MAX_CELL_CHARS,
    MAX_DOCUMENT_CHARS,
    MAX_DOCUMENT_ELEMENTS,
    MAX_DOCUMENT_PARAGRAPHS,
    MAX_DOCUMENT_SPACE_RUN,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    MAX_TEXT_CHARS,
    MAX_TOTAL_ROWS,
    MAX_XML_ELEMENTS,
    WEB_LIMITS,
)

TARGET_MB = 500
SEED = ROOT / "data" / "demo" / "summary-of-findings-almaty-process.md"
TOPICS = ["evolution", "contribution", "structures", "partnerships", "added-value"]
WIDE = "\U0001f30d"  # one character beyond U+FFFF makes Python store a text 4 bytes a char

# --- building .xlsx files ------------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


class S(int):
    """A cell referring to shared string number n."""


def _column(n: int) -> str:
    name = ""
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def row_xml(number: int, values) -> str:
    cells = []
    for index, value in enumerate(values, start=1):
        ref = f"{_column(index)}{number}"
        if value is None:
            continue
        if isinstance(value, S):
            cells.append(f'<c r="{ref}" t="s"><v>{int(value)}</v></c>')
        elif isinstance(value, int | float):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def write_xlsx(path: Path, sheets, strings=()) -> None:
    """A minimal .xlsx: `sheets` is [(title, iterable of rows)], `strings` shared strings."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{SHEET_CT}"/>'
            for n in range(1, len(sheets) + 1)
        )
        package.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT_NS}">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            f'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>{overrides}'
            "</Types>",
        )
        package.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        package.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            + "".join(
                f'<sheet name="{title}" sheetId="{n}" r:id="rId{n}"/>'
                for n, (title, _) in enumerate(sheets, start=1)
            )
            + "</sheets></workbook>",
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PKG_REL}">'
            + "".join(
                f'<Relationship Id="rId{n}" Type="{REL}/worksheet" '
                f'Target="worksheets/sheet{n}.xml"/>'
                for n in range(1, len(sheets) + 1)
            )
            + f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        with package.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{MAIN}">'.encode())
            for text in strings:
                part.write(f'<si><t xml:space="preserve">{escape(text)}</t></si>'.encode())
            part.write(b"</sst>")
        for n, (_title, rows) in enumerate(sheets, start=1):
            with package.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                part.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
                for number, values in enumerate(rows, start=1):
                    part.write(row_xml(number, values).encode())
                part.write(b"</sheetData></worksheet>")


def _headers(name: str) -> list[str]:
    from profiles.sheets import SHEETS_BY_NAME

    return SHEETS_BY_NAME[name].headers


def shared_string_bomb(path: Path) -> None:
    """Attack (1): one 32,767-character shared string referenced by the body of every row
    of a Sections sheet filled to the row limit (~1 MB)."""

    def rows():
        yield ["mechanism", "topic", "body"]
        for _ in range(MAX_ROWS):
            yield ["almaty-process", "evolution", S(0)]

    write_xlsx(path, [("Sections", rows())], ["x" * MAX_CELL_CHARS])


def bomb_on_every_sheet(path: Path) -> None:
    """Every registered sheet filled to the row limit (300,000 rows), every text cell
    referring to the one long shared string."""
    sheets = []
    for name in ("Organisations", "Mechanisms", "Sections", "Participants", "Links", "Documents"):
        headers = _headers(name)

        def rows(headers=headers):
            yield headers
            for _ in range(MAX_ROWS):
                yield [S(0)] * len(headers)

        sheets.append((name, rows()))
    write_xlsx(path, sheets, ["x" * MAX_CELL_CHARS])


def sheet_rows(name: str, rows) -> tuple:
    """(name, rows) with the sheet's full header row; `rows` yields dicts by column."""
    headers = _headers(name)

    def generate():
        yield headers
        for values in rows:
            yield [values.get(header) for header in headers]

    return name, generate()


def with_required(sheets: list) -> list:
    """`sheets` plus the required sheets they lack, with their headers only."""
    present = {title for title, _rows in sheets}
    for name in ("Mechanisms", "Sections", "Participants", "Links", "Documents"):
        if name not in present:
            sheets.append((name, iter([_headers(name)])))
    return sheets


def _long_body(n: int, length: int) -> str:
    words = f"The mechanism {n} supports regional dialogue on migration {WIDE}. "
    text = (words * (length // len(words) + 1))[: length - 1]
    return text + "."


def _table_body(n: int, length: int) -> str:
    """Markdown whose HTML is longest: a table of "&" cells (7.4 times its length)."""
    text = (
        f"|{WIDE}{n}|"
        + "b|" * 15
        + "\n|"
        + "-|" * 16
        + "\n"
        + ("|" + "&|" * 16 + "\n") * (length // 34)
    )
    return text[:length]


def text_at_the_budget(path: Path, body=_long_body) -> None:
    """As much text as the budget allows, in distinct 32,767-character section bodies that
    each hold one character beyond U+FFFF (Python then stores 4 bytes a character)."""
    count = (MAX_TEXT_CHARS - 50_000) // MAX_CELL_CHARS
    mechanisms = (count + len(TOPICS) - 1) // len(TOPICS)
    strings = (body(n, MAX_CELL_CHARS) for n in range(count))

    mechanism_rows = (
        {"slug": f"budget-{n:04d}", "name": f"Budget Mechanism {n}", "kind": "rcp"}
        for n in range(mechanisms)
    )
    section_rows = (
        {"mechanism": f"budget-{n // len(TOPICS):04d}", "topic": TOPICS[n % 5], "body": S(n)}
        for n in range(count)
    )
    sheets = [sheet_rows("Mechanisms", mechanism_rows), sheet_rows("Sections", section_rows)]
    write_xlsx(path, with_required(sheets), strings)


def shared_strings_at_the_limit(path: Path) -> None:
    """MAX_SHARED_STRINGS distinct texts (each with a character beyond U+FFFF) holding the
    budget's worth of characters; an Organisations sheet at the row limit uses some."""
    length = MAX_TEXT_CHARS // MAX_SHARED_STRINGS - 1
    strings = (f"{WIDE}{n:07d}".ljust(length, "x") for n in range(MAX_SHARED_STRINGS))

    rows = ({"acronym": f"ORG{n}", "name": S(n), "kind": "igo"} for n in range(MAX_ROWS))
    write_xlsx(path, with_required([sheet_rows("Organisations", rows)]), strings)


def rows_at_the_limit(path: Path) -> int:
    """A valid workbook in bench/workbook.py's shape with MAX_TOTAL_ROWS data rows: 3,750
    mechanisms with 5 sections of 100 characters (the text budget allows no more), 8
    participants, a link and a document each."""
    from bench import workbook as shape

    return shape.generate(path, MAX_TOTAL_ROWS // 16, participants=8, body_length=100)


def invalid_rows_at_the_limit(path: Path) -> None:
    """MAX_TOTAL_ROWS rows in which every cell is wrong (a distinct number such as 12.5 is
    neither a slug, a choice, a year, a flag, a country nor an address), each one a
    problem: every cell costs a check and a message, but no text from the budget."""
    per_sheet = MAX_TOTAL_ROWS // 2
    sheets = []
    for name in ("Mechanisms", "Participants"):
        headers = _headers(name)

        def rows(headers=headers):
            yield headers
            for n in range(per_sheet):
                yield [n + 0.5] * len(headers)

        sheets.append((name, rows()))
    write_xlsx(path, sheets)


def everything_at_once(path: Path) -> None:
    """Every workbook limit reached in one file, imported for real: a shared strings table
    at MAX_SHARED_STRINGS texts holding its full budget of characters (each with a
    character beyond U+FFFF); MAX_TOTAL_ROWS valid rows (9,000 mechanisms, participants
    up to the row limit of their sheet, and sections); section bodies of Markdown tables
    of "&" (the longest HTML) using what the rows leave of the text budget; and a styles
    part at the element limit."""
    length = MAX_TEXT_CHARS // MAX_SHARED_STRINGS - 1
    strings = (f"{WIDE}{n:07d}".ljust(length, "x") for n in range(MAX_SHARED_STRINGS))
    mechanisms = 9_000
    participants = min(MAX_ROWS, MAX_TOTAL_ROWS - mechanisms)
    rows_text = mechanisms * 31 + participants * 17
    sections = (MAX_TEXT_CHARS * 97 // 100 - rows_text) // (MAX_CELL_CHARS + 25)
    participants = min(participants, MAX_TOTAL_ROWS - mechanisms - sections)
    codes = ["KZ", "KG", "TJ", "TM", "UZ", "AF", "AZ", "AM", "GE", "IR"]
    mechanism_rows = (
        {
            "slug": f"all-{n}",
            "name": f"All {n}",
            "kind": "rcp",
            "status": "active",
            "regions": "africa",
        }
        for n in range(mechanisms)
    )
    participant_rows = (
        {"mechanism": f"all-{n % mechanisms}", "country": codes[n // mechanisms], "role": "member"}
        for n in range(participants)
    )
    section_rows = (
        {
            "mechanism": f"all-{n // 5}",
            "topic": TOPICS[n % 5],
            "body": _table_body(n, MAX_CELL_CHARS),
        }
        for n in range(sections)
    )
    sheets = [
        sheet_rows("Mechanisms", mechanism_rows),
        sheet_rows("Sections", section_rows),
        sheet_rows("Participants", participant_rows),
    ]
    write_xlsx(path, with_required(sheets), strings)
    _add_styles(path)


def many_styles(path: Path) -> None:
    """A valid small workbook whose styles part holds MAX_XML_ELEMENTS elements (parsed
    whole by openpyxl)."""
    organisation = {"acronym": "STY", "name": "Styles", "kind": "igo"}
    write_xlsx(path, with_required([sheet_rows("Organisations", [organisation])]))
    _add_styles(path)


def _add_styles(path: Path) -> None:
    count = MAX_XML_ELEMENTS // 2 - 100
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as package,
        package.open("xl/styles.xml", "w", force_zip64=True) as part,
    ):
        part.write(f'<styleSheet xmlns="{MAIN}"><cellXfs count="{count}">'.encode())
        for n in range(count):
            part.write(f'<xf numFmtId="0" fontId="0"><alignment indent="{n % 9}"/></xf>'.encode())
        part.write(b"</cellXfs></styleSheet>")
    _add_relationship(path, "xl/_rels/workbook.xml.rels", f"{REL}/styles", "styles.xml")


def _add_relationship(path: Path, rels: str, kind: str, target: str) -> None:
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == rels:
                data = data.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdX" Type="{kind}" Target="{target}"/>'
                    "</Relationships>".encode(),
                )
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/styles.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
                )
            out.writestr(item, data)
    tmp.replace(path)


# --- building .docx files ------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCUMENT_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def write_docx(path: Path, body) -> None:
    """A minimal .docx whose document part's body is the XML strings `body` yields."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{CT_NS}">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{DOCUMENT_CT}"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/'
            'officeDocument" Target="word/document.xml"/></Relationships>',
        )
        with package.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(f'<w:document xmlns:w="{W}"><w:body>'.encode())
            for chunk in body:
                part.write(chunk.encode())
            part.write(b"</w:body></w:document>")


def paragraph_xml(text: str, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:p><w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def empty_paragraphs(path: Path, count: int = 600_000) -> None:
    """Attack (2): 600,000 empty paragraphs (94 KB compressed, 20 MB of XML)."""
    write_docx(path, ("<w:p/>" for _ in range(count)))


def _seed_paragraphs():
    """The seed Summary of Findings as (text, bold) paragraphs."""
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line:
            heading = line.lstrip("#").strip()
            bold = line.startswith("#")
            yield heading.replace("**", ""), bold


def findings_at(path: Path, paragraphs: int, runs: int, characters: int) -> None:
    """The seed, its sections padded with paragraphs of `runs` runs (alternately bold) until
    the document has `paragraphs` paragraphs and about `characters` characters of text."""
    seed = list(_seed_paragraphs())
    padding = paragraphs - len(seed)
    per_paragraph = max(20, (characters - sum(len(t) for t, _ in seed)) // max(1, padding))
    per_run = max(1, per_paragraph // runs)
    sentence = "Member States exchanged experience on labour migration and return. "
    text = (sentence * (per_run // len(sentence) + 1))[:per_run]

    def padded():
        yield "".join(_p(t, b) for t, b in seed[:2])
        rest = seed[2:]
        headings = [n for n, (_t, b) in enumerate(rest) if b]
        share, extra = divmod(padding, max(1, len(headings)))
        for n, (t, b) in enumerate(rest):
            yield _p(t, b)
            if n in headings:
                for _ in range(share + (1 if n == headings[0] else 0) * extra):
                    yield _runs(text, runs)

    write_docx(path, padded())


def _p(text: str, bold: bool) -> str:
    return paragraph_xml(text, bold)


def _runs(text: str, runs: int) -> str:
    out = []
    for n in range(runs):
        props = "<w:rPr><w:b/></w:rPr>" if n % 2 else ""
        out.append(f'<w:r>{props}<w:t xml:space="preserve">{text} </w:t></w:r>')
    return "<w:p>" + "".join(out) + "</w:p>"


# --- running the imports -----------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_mb: float
    status: int
    output: str


# Runs manage.py and, at exit, prints its peak resident memory (VmHWM). Linux counts the
# parent's size in a child's ru_maxrss (the memory map it had before exec), so wait4 and
# getrusage would report this benchmark's own size for every child.
CHILD = """
import atexit, runpy, sys

def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write("\\nPEAK_KB " + line.split()[1] + "\\n")

atexit.register(peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_command(args: list[str], env: dict) -> Run:
    """`manage.py ARGS` in a child process: its wall time, peak memory, status, output."""
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    output = child.stdout + child.stderr
    peak = [line for line in output.splitlines() if line.startswith("PEAK_KB ")]
    text = "\n".join(line for line in output.splitlines() if not line.startswith("PEAK_KB "))
    return Run(seconds, int(peak[-1].split()[1]) / 1024 if peak else 0.0, child.returncode, text)


def last_line(text: str, status: int = 0) -> str:
    """What the command said: its last line, or (refused) the first problem it printed."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if status == 0 or not lines:
        return lines[-1] if lines else ""
    problems = [line for line in lines if not line.startswith("The sheet “")]
    first = (problems or lines)[0]
    return first.split(": ", 1)[1] if first.startswith("/") else first  # no temporary path


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from profiles import demo

    only = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
    tmp = Path(tempfile.mkdtemp(prefix="iscm-bench-adversarial-"))
    vendor = connection.vendor
    if vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(tmp / "bench.sqlite3")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        demo.load()
        env = dict(os.environ)
        settings = connection.settings_dict
        if vendor == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{settings['NAME']}"
        else:
            env["DATABASE_URL"] = (
                f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@"
                f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
            )
        connection.close()
        results = run_cases(tmp, env, only)
        web = web_limits(tmp) if not only or "web" in only else None
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(tmp, ignore_errors=True)
    report(vendor, results, web)


CASES = [
    # (name, command, builder, description)
    ("baseline-workbook", "import_workbook", None, "start-up: an empty workbook, refused"),
    ("bomb", "import_workbook", shared_string_bomb, "shared-string bomb at the row limit"),
    ("bomb-all-sheets", "import_workbook", bomb_on_every_sheet, "bomb on six sheets × row limit"),
    ("text-budget", "import_workbook", text_at_the_budget, "text at the budget, imported"),
    (
        "markdown-budget",
        "import_workbook",
        lambda path: text_at_the_budget(path, _table_body),
        "text at the budget, as Markdown tables of “&”",
    ),
    ("shared-strings", "import_workbook", shared_strings_at_the_limit, "shared strings at limit"),
    ("rows", "import_workbook", rows_at_the_limit, "valid rows at the total-rows limit"),
    ("invalid-rows", "import_workbook", invalid_rows_at_the_limit, "wrong cells at row limit"),
    ("styles", "import_workbook", many_styles, "styles part at the element limit"),
    ("everything", "import_workbook", everything_at_once, "every workbook limit at once"),
    ("baseline-findings", "import_findings", None, "start-up: the seed as Markdown"),
    ("paragraphs-600k", "import_findings", empty_paragraphs, "600,000 empty paragraphs"),
    (
        "paragraph-limit",
        "import_findings",
        lambda path: findings_at(path, MAX_DOCUMENT_PARAGRAPHS, 1, 300_000),
        "paragraphs at the limit",
    ),
    (
        "element-limit",
        "import_findings",
        lambda path: findings_at(path, MAX_DOCUMENT_ELEMENTS // 40, 12, MAX_DOCUMENT_CHARS // 2),
        "elements at the limit",
    ),
    (
        "text-limit",
        "import_findings",
        lambda path: findings_at(path, 200, 1, MAX_DOCUMENT_CHARS - 10_000),
        "text at the limit",
    ),
    (
        "space-runs",
        "import_findings",
        lambda path: write_docx(path, _seed_with(paragraph_xml(_spaced_heading()))),
        "a heading-like line of 900,000 characters, spaces in runs of the limit",
    ),
    (
        "markdown-brackets",
        "import_findings",
        lambda path: write_docx(path, _seed_with(paragraph_xml("[" * 10_000))),
        "one paragraph of 10,000 “[” (Markdown)",
    ),
]


def _spaced_heading() -> str:
    """ "1. a" then runs of MAX_DOCUMENT_SPACE_RUN spaces (the parser's heading pattern is
    quadratic in each run), 900,000 characters in all."""
    unit = " " * MAX_DOCUMENT_SPACE_RUN + "x"
    return "1. a" + unit * (900_000 // len(unit))


def _seed_with(extra: str):
    """The seed's paragraphs, `extra` after the first topic heading."""
    seed = list(_seed_paragraphs())
    first = next(n for n, (_t, bold) in enumerate(seed) if bold and _t[:1].isdigit())
    for n, (text, bold) in enumerate(seed):
        yield _p(text, bold)
        if n == first:
            yield extra


def _restore(kept: dict) -> None:
    """Delete what an import added, so that every case starts from the demo data."""
    from django.db import connection

    for model, pks in kept.items():
        model.objects.exclude(pk__in=pks).delete()
    connection.close()


def run_cases(tmp: Path, env: dict, only: set[str]) -> list:
    from profiles.models import Mechanism, Organisation, Section

    kept = {
        model: set(model.objects.values_list("pk", flat=True))
        for model in (Mechanism, Organisation, Section)
    }
    results = []
    for name, command, build, description in CASES:
        if only and name not in only:
            continue
        if build is None:
            if command == "import_findings":
                path = tmp / "seed.md"
                shutil.copy(SEED, path)
            else:
                path = tmp / "empty.xlsx"
                write_xlsx(path, [])
        else:
            path = tmp / f"{name}.{'docx' if command == 'import_findings' else 'xlsx'}"
            build(path)
        size = path.stat().st_size
        unpacked = size
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as package:
                unpacked = sum(item.file_size for item in package.infolist())
        args = [command, str(path)]
        if command == "import_findings":
            args.append("--dry-run")
        else:
            args += ["--verbosity", "0"]  # no progress lines: the report only
        run = run_command(args, env)
        results.append((name, description, size, unpacked, run))
        print(
            f"{name}: {run.seconds:.2f} s, {run.peak_mb:.0f} MB, exit {run.status}: "
            f"{last_line(run.output, run.status)[:160]}",
            file=sys.stderr,
        )
        path.unlink()
        _restore(kept)
    return results


def _sections_workbook(path: Path, count: int, body) -> int:
    """Mechanisms with `count` sections whose bodies are `body(n)`; returns the rows."""
    mechanisms = (count + len(TOPICS) - 1) // len(TOPICS)
    mechanism_rows = (
        {"slug": f"web-{n:05d}", "name": f"Web Mechanism {n}", "kind": "rcp"}
        for n in range(mechanisms)
    )
    section_rows = (
        {"mechanism": f"web-{n // 5:05d}", "topic": TOPICS[n % 5], "body": body(n)}
        for n in range(count)
    )
    sheets = [sheet_rows("Mechanisms", mechanism_rows), sheet_rows("Sections", section_rows)]
    write_xlsx(path, with_required(sheets))
    return mechanisms + count


def web_limits(tmp: Path) -> list:
    """The workbook import at WEB_LIMITS, in this process: preview (dry run), then import,
    as the admin runs them; each case into the demo data only."""
    from bench import workbook as shape
    from profiles.models import Mechanism
    from workbook.engine import import_workbook

    rows, markdown = WEB_LIMITS.max_total_rows, WEB_LIMITS.max_markdown_chars
    prose = shape.BODY.format(n=0)[:500]
    table_length = 30_000
    cases = [
        (
            "bench-shaped workbook (mechanisms, sections of 200 characters, participants…)",
            lambda path: shape.generate(path, rows // 28, body_length=200),
        ),
        (
            "sections of 500 characters of prose, filling the Markdown budget",
            lambda path: _sections_workbook(path, markdown // 560, lambda n: f"{n} {prose}"),
        ),
        (
            "sections of Markdown tables of “&” (HTML 7.4× as long), filling the Markdown budget",
            lambda path: _sections_workbook(
                path, (markdown - 10_000) // table_length, lambda n: _table_body(n, table_length)
            ),
        ),
    ]
    demo = set(Mechanism.objects.values_list("pk", flat=True))
    results = []
    for label, build in cases:
        path = tmp / "web.xlsx"
        count = build(path)
        timings = []
        for dry_run in (True, False):
            with path.open("rb") as source:
                start = time.perf_counter()
                result = import_workbook(source=source, dry_run=dry_run, limits=WEB_LIMITS)
                timings.append(time.perf_counter() - start)
            assert result.ok, result.problems[:3]
        results.append((label, count, *timings))
        Mechanism.objects.exclude(pk__in=demo).delete()
        print(
            f"web: {label}: {count:,} rows, {timings[0]:.2f} s, {timings[1]:.2f} s", file=sys.stderr
        )
    return results


def report(vendor: str, results: list, web) -> None:
    print(f"Database: {vendor}. Limits: {MAX_ROWS:,} rows per sheet, {MAX_TOTAL_ROWS:,} rows")
    print(
        f"per workbook, {MAX_TEXT_CHARS:,} characters, {MAX_SHARED_STRINGS:,} shared strings, "
        f"{MAX_XML_ELEMENTS:,} elements; documents: {MAX_DOCUMENT_PARAGRAPHS:,} paragraphs, "
        f"{MAX_DOCUMENT_ELEMENTS:,} elements, {MAX_DOCUMENT_CHARS:,} characters."
    )
    print()
    print("| file | size | unpacked | seconds | peak MB | outcome |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    worst = 0.0
    for _name, description, size, unpacked, run in results:
        worst = max(worst, run.peak_mb)
        if run.status == 0:
            outcome = "imported" if "Dry run" not in run.output else "read (dry run)"
        else:
            outcome = "refused: " + last_line(run.output, run.status)
        print(
            f"| {description} | {size / 1024:,.0f} KB | {unpacked / 2**20:,.1f} MB | "
            f"{run.seconds:.2f} | {run.peak_mb:.0f} | {outcome[:140]} |"
        )
    print()
    print(f"Highest peak: {worst:.0f} MB (target < {TARGET_MB} MB).")
    if web:
        print()
        print(
            f"At WEB_LIMITS ({WEB_LIMITS.max_total_rows:,} rows, "
            f"{WEB_LIMITS.max_text_chars:,} characters), in-process, as the admin runs them:"
        )
        print()
        print("| workbook | rows | preview (dry run) s | import s |")
        print("| --- | ---: | ---: | ---: |")
        for label, count, preview, imported in web:
            print(f"| {label} | {count:,} | {preview:.2f} | {imported:.2f} |")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"This process's own peak: {own:.0f} MB.")


if __name__ == "__main__":
    main()
