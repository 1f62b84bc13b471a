"""Hostile or merely huge files at the documented limits of `workbook.safety`, built for
`bench/adversarial.py`: workbooks (.xlsx) and Summary of Findings documents (.docx), each
streamed into its zip so that building it costs little memory."""

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from workbook.safety import (
    MAX_CELL_CHARS,
    MAX_DOCUMENT_SPACE_RUN,
    MAX_ROWS,
    MAX_SHARED_STRINGS,
    MAX_TEXT_CHARS,
    MAX_TOTAL_ROWS,
    MAX_XML_ELEMENTS,
)

ROOT = Path(__file__).resolve().parents[1]
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
