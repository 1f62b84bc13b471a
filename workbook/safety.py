"""Opening untrusted Office files (.xlsx, .docx) without letting them exhaust memory or time.

openpyxl and python-docx trust what a file says about itself (its `<dimension>`, its
sizes) and build what it describes. Before either sees a byte, `check_xlsx` and
`check_docx` look at the package (the zip) with one shared scan:

- it is a zip archive of at most `MAX_MEMBERS` members whose *declared* uncompressed sizes
  add up to at most `MAX_UNCOMPRESSED_BYTES` (Python's zipfile never inflates a member
  beyond its declared size: a member that lies fails its CRC check instead), and it holds
  no macros (`vbaProject.bin`, a macro-enabled content type);
- every part that a reader will parse as XML is found the way the readers find it: through
  `[Content_Types].xml` (a `Default` content type by extension or an `Override` by part
  name, whenever the content type ends in "xml") and through the relationships
  (`_rels/.rels` and every `*.rels` part, whose internal targets are followed whatever
  their names; a target of a binary kind, such as an image, is scanned too when its bytes
  look like XML), and also every member named `*.xml`, `*.rels` or `*.vml`;
- each of those parts is streamed once with expat, which refuses any DOCTYPE or ENTITY
  declaration and counts what the part really holds, whatever it claims:
  - workbook: the rows of every sheet (`MAX_ROWS` per sheet, `MAX_TOTAL_ROWS` for all
    sheets together) and the cells of every row (`MAX_COLUMNS`); the shared strings
    (`MAX_SHARED_STRINGS` of them, `max_text_chars` characters in all); the text that
    reading the cells will materialise, each shared-string reference counted at the
    length of the string it refers to (`max_text_chars`); and the XML elements of the
    parts that openpyxl parses whole rather than streams (`MAX_XML_ELEMENTS`);
  - document: its XML elements (`MAX_DOCUMENT_ELEMENTS`), paragraphs
    (`MAX_DOCUMENT_PARAGRAPHS`) and characters of text (`MAX_DOCUMENT_CHARS`), in all
    the parts together, before python-docx builds a tree of any of them.

A file beyond any limit is refused with a message saying which limit, before it is read.
Then `iter_sheet_rows` streams the rows of one sheet as (Excel row number, cells), reading
every real row whatever the sheet's declared dimension says, and charging every text it
materialises to a `TextBudget` (a second guard: the scan has already counted them).

Memory: with these limits `manage.py import_workbook` stays under 500 MB on any file
(figures for the adversarial files at the limits: docs/performance.md, bench/adversarial.py).
"""

import posixpath
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pyexpat import ExpatError, ParserCreate
from typing import IO
from urllib.parse import unquote

import openpyxl
import openpyxl.xml

# openpyxl only parses with defusedxml when defusedxml is importable: make sure it is.
assert openpyxl.xml.DEFUSEDXML, "defusedxml must be installed: openpyxl relies on it"

# --- limits ------------------------------------------------------------------------------
# Every file, workbook or document.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # an upload (or file) larger than this is refused unread
MAX_UNCOMPRESSED_BYTES = 96 * 1024 * 1024  # declared, all members together (zip bombs)
MAX_MEMBERS = 500  # zip members

# Workbooks (.xlsx).
MAX_ROWS = 50_000  # data rows per sheet, after the header row
# Data rows of all the sheets together (rows after the first of each sheet; every sheet
# of the file counts, read or not). Each row read is kept until the import is applied, so
# this, with MAX_COLUMNS, bounds the memory that rows take whatever they hold: six sheets
# of MAX_ROWS would be 300,000 rows. The benchmark's 1,000 mechanisms are 28,000 rows.
MAX_TOTAL_ROWS = 60_000
MAX_COLUMNS = 40  # cells per row
# Distinct texts (shared strings). openpyxl loads them all before the first row, and each
# costs ~250 bytes besides its characters (its parsed element stays in the tree): 1,000,000
# short ones took 320 MB and 10 s. Excel saves a workbook at the row limits, in the
# benchmark's shape, with ~75,000.
MAX_SHARED_STRINGS = 100_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
# Characters of text materialised by one import, counted by the scan before anything is
# read (a shared string counts once per cell that refers to it, at its full length) and
# charged again cell by cell as rows are read (`TextBudget`). The shared strings table
# itself, which openpyxl loads whole, is held to the same number of characters.
# What bounds it is memory: Python may store a text at 4 bytes a character, and the
# profiles import renders every section body it writes and keeps all the HTML until it
# writes them, 500 rows to a query; Markdown can render to 7.4 times its length (a table
# of "&"). With every other limit reached too, each million characters of such Markdown
# cost ~60 MB on SQLite and ~80 MB on PostgreSQL (6 M took the import to 552 MB there).
# 4.5 M keeps it near 430 MB. The benchmark's 1,000 mechanisms (28,000 rows) hold 3.9 M.
MAX_TEXT_CHARS = 4_500_000
# XML elements of the parts that openpyxl parses into a whole tree (styles, workbook,
# relationships, properties, …: everything but the sheets and the shared strings, which
# it streams). A workbook written by Excel has a few thousand; each costs ~0.8 KB (a
# styles part of 200,000 elements took 160 MB).
MAX_XML_ELEMENTS = 50_000

# Word documents (.docx): python-docx parses every part into a tree, and converting a
# paragraph costs far more than parsing it. A Summary of Findings is a few pages: the
# seed (data/demo/summary-of-findings-almaty-process.md) has 20 paragraphs and 6,000
# characters; the parts python-docx writes around them (styles, numbering, theme…) hold
# 18,700 elements. At these limits `manage.py import_findings` takes at most ~1.6 s.
MAX_DOCUMENT_PARAGRAPHS = 5_000  # paragraphs (`w:p`) in all the parts together
MAX_DOCUMENT_ELEMENTS = 100_000  # XML elements in all the parts together
MAX_DOCUMENT_CHARS = 1_000_000  # characters of text (also the limit for .md/.txt)
# White space characters in a row inside a line of a findings document. The parser's
# heading pattern takes time quadratic in such runs on a line that starts like a numbered
# heading ("1. a", 40,000 spaces, "b" took 3.9 s; a million would take ~40 minutes);
# 200 bounds a document at the limits to ~0.2 s. Nobody types 200 spaces in a row.
MAX_DOCUMENT_SPACE_RUN = 200

WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
}
WORD_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
}
# Content types are compared in lower case.
SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedstrings+xml"
)
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
RELATIONSHIPS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
CONTENT_TYPES = "[Content_Types].xml"
# Relationship kinds whose targets are binary (their readers never parse them as XML).
BINARY_RELATIONSHIPS = {
    "activeXControlBinary",
    "audio",
    "font",
    "hdphoto",
    "image",
    "media",
    "oleObject",
    "package",
    "printerSettings",
    "thumbnail",
    "vbaProject",
    "video",
}
# The first bytes of anything an XML parser could read (after ASCII white space): `<` in
# UTF-8, UTF-16 or UTF-32, a byte order mark, or `<?xm` in EBCDIC.
XML_STARTS = (
    b"<",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\x00<",
    b"\x00\x00\x00<",
    b"\x00\x00\xfe\xff",
    b"\x4c\x6f\xa7\x94",
)
CHUNK = 64 * 1024


class UnsafeFileError(ValueError):
    """The file is not one we are willing to read; the message says why."""


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES
    max_members: int = MAX_MEMBERS
    max_rows: int = MAX_ROWS
    max_total_rows: int = MAX_TOTAL_ROWS
    max_columns: int = MAX_COLUMNS
    max_shared_strings: int = MAX_SHARED_STRINGS
    max_text_chars: int = MAX_TEXT_CHARS
    max_xml_elements: int = MAX_XML_ELEMENTS
    max_document_paragraphs: int = MAX_DOCUMENT_PARAGRAPHS
    max_document_elements: int = MAX_DOCUMENT_ELEMENTS
    max_document_chars: int = MAX_DOCUMENT_CHARS


DEFAULT_LIMITS = Limits()
# Imports run inside a web request (the admin's preview, then its confirmation) must
# finish within a few seconds on a 2-core server: 10,000 data rows (all sheets together)
# took 0.9 s to preview and 1.7 s to import (docs/performance.md, bench/adversarial.py).
# Rendering Markdown on confirmation costs 0.1-0.2 µs a character of prose but ~7 µs in
# tables of "&": 2 M characters keep prose to ~1.3 s, such tables take 16 s (and runs of
# "[" are quadratic in Python-Markdown whatever the limit: a rendering matter, see
# docs/performance.md). Larger files go through `manage.py import_workbook`.
WEB_MAX_ROWS = 10_000
WEB_MAX_TEXT_CHARS = 2_000_000
WEB_LIMITS = Limits(
    max_rows=WEB_MAX_ROWS, max_total_rows=WEB_MAX_ROWS, max_text_chars=WEB_MAX_TEXT_CHARS
)


class TextBudget:
    """Counts the characters an import materialises and refuses past its limit.

    Declared sizes do not bound expanded text: one long shared string referenced by every
    cell of a small file expands to gigabytes. Every text cell read is charged here, as it
    is read, so that the import stops before it holds more than the budget. (`check_xlsx`
    counts the same characters before reading; this guards any reader that skips it.)
    """

    def __init__(self, limit: int = MAX_TEXT_CHARS):
        self.limit = limit
        self.spent = 0

    def charge(self, characters: int, where: str) -> None:
        self.spent += characters
        if self.spent > self.limit:
            raise UnsafeFileError(
                f"{where}: the file holds more than {self.limit:,} characters of text in "
                "all (a text repeated in many cells counts every time): refused. Split it "
                "into smaller files."
            )


def _size_of(source: IO[bytes]) -> int:
    position = source.tell()
    source.seek(0, 2)
    size = source.tell()
    source.seek(position)
    return size


# --- the package: which parts will be parsed as XML ----------------------------------------


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Scan:
    """Streams one XML part with expat: refuses DTDs and entities, and counts.

    Subclasses add what they count (`start` for each element, `text` for character
    data); the counts themselves live in the package-wide `tally`.
    """

    def __init__(self, member: str, tally: "_Tally"):
        self.member = member
        self.tally = tally
        self.parser = ParserCreate()
        self.parser.buffer_text = True
        self.parser.buffer_size = CHUNK
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.parser.ExternalEntityRefHandler = self._external
        self.parser.StartElementHandler = self.start
        self.parser.CharacterDataHandler = self.text

    def _doctype(self, *args) -> None:
        raise UnsafeFileError(
            f"The {self.tally.label} part {self.member} declares a DOCTYPE: files with XML "
            "DTDs or entity declarations are refused."
        )

    def _entity(self, *args) -> None:
        raise UnsafeFileError(
            f"The {self.tally.label} part {self.member} declares an XML entity: refused."
        )

    def _external(self, *args) -> int:
        raise UnsafeFileError(
            f"The {self.tally.label} part {self.member} refers to an external entity."
        )

    def start(self, name: str, attrs: dict) -> None:
        self.tally.element(self.member)

    def text(self, data: str) -> None:
        pass

    def finish(self) -> None:
        pass

    def feed(self, archive: zipfile.ZipFile, name: str) -> None:
        try:
            with archive.open(name) as stream:
                while chunk := stream.read(CHUNK):
                    self.parser.Parse(chunk, False)
            self.parser.Parse(b"", True)
        except ExpatError as error:
            raise UnsafeFileError(
                f"The {self.tally.label} part {self.member} is not well-formed XML ({error})."
            ) from None
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise UnsafeFileError(f"The {self.tally.label} is damaged ({error}).") from None
        self.finish()


class _Tally:
    """What the scan counts for the whole package; refuses as soon as a limit is passed."""

    def __init__(self, limits: Limits, label: str, max_elements: int):
        self.limits = limits
        self.label = label
        self.max_elements = max_elements
        self.elements = 0

    def element(self, member: str) -> None:
        self.elements += 1
        if self.elements > self.max_elements:
            raise UnsafeFileError(self.too_many_elements(member))

    def too_many_elements(self, member: str) -> str:
        return (
            f"The {self.label}'s parts hold more than {self.max_elements:,} XML elements "
            f"(reached in {member}): refused."
        )


class _TypesScan(_Scan):
    """`[Content_Types].xml`: the content type of each part, by extension or by name."""

    def __init__(self, member, tally):
        super().__init__(member, tally)
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}

    def start(self, name, attrs):
        super().start(name, attrs)
        local = _local(name)
        kind = attrs.get("ContentType", "").strip().lower()
        if local == "Default":
            self.defaults[attrs.get("Extension", "").lower()] = kind
        elif local == "Override":
            for part in _part_names(attrs.get("PartName", "")):
                self.overrides[part.lower()] = kind


class _RelationshipsScan(_Scan):
    """A `*.rels` part: the internal targets of its relationships, with their kinds."""

    def __init__(self, member, tally):
        super().__init__(member, tally)
        self.targets: list[tuple[str, str]] = []  # (part name, relationship type)
        folder, _, file = member.rpartition("_rels/")
        self.base = folder + file[: -len(".rels")] if file.lower().endswith(".rels") else ""
        self.base = posixpath.dirname(self.base)

    def start(self, name, attrs):
        super().start(name, attrs)
        if _local(name) != "Relationship" or attrs.get("TargetMode", "") == "External":
            return
        kind = attrs.get("Type", "")
        for part in _part_names(attrs.get("Target", ""), self.base):
            self.targets.append((part, kind))


def _part_names(uri: str, base: str = "") -> set[str]:
    """The zip member names a part name or relationship target may stand for, as written
    and percent-decoded ("/xl/a%20b.xml" → "xl/a%20b.xml", "xl/a b.xml")."""
    names = set()
    for form in (uri, unquote(uri)):
        form = form.split("#", 1)[0].replace("\\", "/")
        if not form.startswith("/"):
            form = posixpath.join("/", base, form)
        path = posixpath.normpath(form).lstrip("/")
        if path and path != ".":
            names.add(path)
    return names


@dataclass
class _Part:
    name: str
    content_type: str
    relationship_types: frozenset[str]


def _open_package(source: IO[bytes], limits: Limits, label: str, not_a_zip: str):
    if _size_of(source) > limits.max_upload_bytes:
        raise UnsafeFileError(
            f"The file is larger than {limits.max_upload_bytes // (1024 * 1024)} MB: refused."
        )
    source.seek(0)
    if not zipfile.is_zipfile(source):
        raise UnsafeFileError(not_a_zip)
    source.seek(0)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnsafeFileError(f"This is not a readable {label} ({error}).") from None
    members = archive.infolist()
    if len(members) > limits.max_members:
        archive.close()
        raise UnsafeFileError(
            f"The {label} has {len(members):,} parts: more than the {limits.max_members} "
            "a file of this kind needs."
        )
    declared = sum(member.file_size for member in members)
    if declared > limits.max_uncompressed_bytes:
        archive.close()
        raise UnsafeFileError(
            f"The {label} unpacks to {declared // (1024 * 1024):,} MB, more than the "
            f"{limits.max_uncompressed_bytes // (1024 * 1024)} MB limit: refused."
        )
    return archive


def _xml_parts(archive: zipfile.ZipFile, tally: _Tally) -> tuple[list[_Part], set[str]]:
    """Every part a reader may parse as XML, found through the content types and the
    relationships (see the module docstring), scanning the content types and the
    relationship parts on the way. Returns the other parts to scan, and every content type
    the package declares."""
    members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    by_lower: dict[str, list[str]] = {}
    for name in members:
        by_lower.setdefault(name.lower(), []).append(name)

    def matching(part: str) -> list[str]:
        return by_lower.get(part.lower(), [])

    types = _TypesScan(CONTENT_TYPES, tally)
    types.feed(archive, CONTENT_TYPES)

    def content_type(name: str) -> str:
        override = types.overrides.get(name.lower())
        if override is not None:
            return override
        return types.defaults.get(name.rpartition(".")[2].lower() if "." in name else "", "")

    relationships = [
        name
        for name in members
        if name.lower().endswith(".rels") or content_type(name) == RELATIONSHIPS_TYPE
    ]
    kinds: dict[str, set[str]] = {}
    for name in relationships:
        scan = _RelationshipsScan(name, tally)
        scan.feed(archive, name)
        for part, kind in scan.targets:
            for member in matching(part):
                kinds.setdefault(member, set()).add(kind)

    parts = []
    for name in members:
        if name == CONTENT_TYPES or name in relationships:
            continue
        kind = content_type(name)
        targeted = name in kinds
        if kind.endswith("xml") or name.lower().endswith((".xml", ".vml")):
            xml = True
        elif targeted and not all(
            k.rpartition("/")[2] in BINARY_RELATIONSHIPS for k in kinds[name]
        ):
            xml = True  # the target of a relationship whose kind is XML
        elif targeted:  # of a binary kind only: scanned anyway if it looks like XML
            with archive.open(name) as stream:
                xml = stream.read(64).lstrip(b" \t\r\n").startswith(XML_STARTS)
        else:
            xml = False  # reached by no relationship and of no XML type: no reader parses it
        if xml:
            parts.append(_Part(name, kind, frozenset(kinds.get(name, ()))))
    declared = set(types.defaults.values()) | set(types.overrides.values())
    return parts, declared


def _has_macros(archive: zipfile.ZipFile, declared: set[str] | None = None) -> bool:
    """A VBA project among the members, or (once known) a macro-enabled content type."""
    if any(name.lower().endswith("vbaproject.bin") for name in archive.namelist()):
        return True
    return any("macroenabled" in value for value in declared or ())


# --- workbooks ---------------------------------------------------------------------------


class _WorkbookTally(_Tally):
    def __init__(self, limits: Limits):
        super().__init__(limits, "workbook", limits.max_xml_elements)
        self.data_rows = 0
        self.text = 0  # characters the cells (and other parts) will materialise
        self.string_lengths = array("L")  # the shared strings' lengths, in order

    def too_many_elements(self, member: str) -> str:
        return (
            f"The workbook's parts other than its sheets (styles, properties…) hold more "
            f"than {self.max_elements:,} XML elements (reached in {member}): refused."
        )

    def data_row(self, sheet: str) -> None:
        self.data_rows += 1
        if self.data_rows > self.limits.max_total_rows:
            raise UnsafeFileError(
                f"The workbook has more than {self.limits.max_total_rows:,} data rows in all "
                f"its sheets together (reached in {sheet}): the limit is "
                f"{self.limits.max_total_rows:,} data rows per workbook. Split it into "
                "several files."
            )

    def add_text(self, characters: int) -> None:
        self.text += characters
        if self.text > self.limits.max_text_chars:
            raise UnsafeFileError(
                f"The workbook's cells hold more than {self.limits.max_text_chars:,} "
                "characters of text in all (a text repeated in many cells counts every "
                f"time): the limit is {self.limits.max_text_chars:,} per workbook. Split it "
                "into smaller files."
            )


class _StringsScan(_Scan):
    """The shared strings table, which openpyxl loads whole: how many, how long each."""

    def __init__(self, member, tally: _WorkbookTally):
        super().__init__(member, tally)
        self.current = -1  # characters of the string being read; -1 before the first
        self.total = 0

    def start(self, name, attrs):
        if _local(name) == "si":
            self._close()
            self.current = 0
            if len(self.tally.string_lengths) >= self.tally.limits.max_shared_strings:
                raise UnsafeFileError(
                    f"The workbook holds more than {self.tally.limits.max_shared_strings:,} "
                    "distinct texts."
                )

    def text(self, data):
        if self.current >= 0:
            self.current += len(data)
            self.total += len(data)
            limit = self.tally.limits.max_text_chars
            if self.total > limit:
                raise UnsafeFileError(
                    f"The workbook's shared strings hold more than {limit:,} characters of "
                    f"text: the limit is {limit:,} per workbook. Split it into smaller files."
                )

    def _close(self):
        if self.current >= 0:
            self.tally.string_lengths.append(self.current)

    def finish(self):
        self._close()
        self.current = -1


class _WorkbookScan(_Scan):
    """Any other part: its real rows and cells, and the text that its cells will become.

    Rows and cells are counted in every part (a worksheet is recognised by what it holds,
    not by its name); parts that openpyxl parses whole also count their elements.
    """

    NUMERIC = {"", "n", "b", "d"}  # cell types whose <v> is read as a number or date

    def __init__(self, member, tally: _WorkbookTally, streamed: bool):
        super().__init__(member, tally)
        self.streamed = streamed
        self.rows = 0
        self.cells = 0
        self.cell_type = ""
        # What character data is: "text" (counted), "index" (of a shared string),
        # "number" (not text), "between" (elements: counted unless white space).
        self.reading = "between"
        self.index: list[str] = []

    def start(self, name, attrs):
        if not self.streamed:
            self.tally.element(self.member)
        local = _local(name)
        if self.index:
            self._refer()
        if local == "v":
            if self.cell_type == "s":
                self.reading = "index"
            elif self.cell_type in self.NUMERIC:
                self.reading = "number"
            else:
                self.reading = "text"
            return
        # The text of a <t> (inline or rich text) or <f> (formula) counts whatever it is;
        # elsewhere white space between elements does not.
        self.reading = "text" if local in ("t", "f") else "between"
        if local == "c":
            self.cell_type = attrs.get("t", "")
            self.cells += 1
            if self.cells > self.tally.limits.max_columns:
                limit = self.tally.limits.max_columns
                raise UnsafeFileError(
                    f"{self._sheet()} has a row with more than {limit} cells: the limit is "
                    f"{limit} columns."
                )
        elif local == "row":
            self._row(attrs)

    def _row(self, attrs):
        limits = self.tally.limits
        self.cells = 0
        self.cell_type = ""
        self.rows += 1
        number = attrs.get("r")
        index = self.rows
        if number is not None:
            try:
                index = int(float(number))
            except ValueError:
                raise UnsafeFileError(f"{self._sheet()} has a row numbered {number!r}.") from None
        # The header row plus MAX_ROWS data rows.
        if max(index, self.rows) > limits.max_rows + 1:
            raise UnsafeFileError(
                f"{self._sheet()} has rows beyond row {limits.max_rows + 1:,}: the "
                f"limit is {limits.max_rows:,} data rows per sheet (delete empty "
                "rows at the end, or split the file)."
            )
        if index > 1 or self.rows > 1:
            self.tally.data_row(self.member)

    def text(self, data):
        if self.reading == "text":
            self.tally.add_text(len(data))
        elif self.reading == "index":
            self.index.append(data)
        elif self.reading == "between" and not data.isspace():
            self.tally.add_text(len(data))

    def _refer(self):
        """A cell's shared-string reference: count the string it refers to."""
        text = "".join(self.index)
        self.index = []
        lengths = self.tally.string_lengths
        try:
            number = int(text)
        except ValueError:
            number = -1
        self.tally.add_text(lengths[number] if 0 <= number < len(lengths) else len(text))

    def finish(self):
        if self.index:
            self._refer()

    def _sheet(self) -> str:
        return f"A worksheet ({self.member})"


def check_xlsx(source: IO[bytes], limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise UnsafeFileError unless `source` is a plain .xlsx workbook within `limits`."""
    archive = _open_package(
        source,
        limits,
        "workbook",
        "This is not an Excel workbook (.xlsx): open it in Excel and save it as “Excel "
        "Workbook (.xlsx)”.",
    )
    with archive:
        if CONTENT_TYPES not in archive.namelist():
            raise UnsafeFileError("This zip file is not an Excel workbook (.xlsx).")
        macros = (
            "Macro-enabled workbooks (.xlsm) are refused: save the file as “Excel Workbook "
            "(.xlsx)”."
        )
        if _has_macros(archive):
            raise UnsafeFileError(macros)
        tally = _WorkbookTally(limits)
        parts, declared = _xml_parts(archive, tally)
        if _has_macros(archive, declared):
            raise UnsafeFileError(macros)
        if not declared & WORKBOOK_TYPES:
            raise UnsafeFileError(
                "This file is an Office document but not an Excel workbook (.xlsx)."
            )
        strings = [
            part
            for part in parts
            if part.content_type == SHARED_STRINGS_TYPE
            or any(kind.endswith("/sharedStrings") for kind in part.relationship_types)
        ]
        if len(strings) > 1:
            raise UnsafeFileError("The workbook has more than one shared strings table: refused.")
        for part in strings:  # first: the cells refer to it
            _StringsScan(part.name, tally).feed(archive, part.name)
        for part in parts:
            if part in strings:
                continue
            streamed = part.content_type == WORKSHEET_TYPE or any(
                kind.endswith("/worksheet") for kind in part.relationship_types
            )
            _WorkbookScan(part.name, tally, streamed).feed(archive, part.name)
    source.seek(0)


def open_workbook(source: IO[bytes], limits: Limits = DEFAULT_LIMITS):
    """Check `source`, then open it with openpyxl in read-only mode."""
    check_xlsx(source, limits)
    try:
        return openpyxl.load_workbook(source, read_only=True, data_only=False, keep_links=False)
    except UnsafeFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds on damaged files
        raise UnsafeFileError(f"The workbook could not be read ({error}).") from None


@dataclass(frozen=True)
class Cell:
    column: int  # 1-based
    value: object
    is_formula: bool


def iter_sheet_rows(
    workbook, title: str, limits: Limits = DEFAULT_LIMITS, budget: TextBudget | None = None
) -> Iterator[tuple[int, list]]:
    """Every real row of a sheet as (Excel row number, [Cell…]), in order.

    The sheet's declared dimension is ignored (`reset_dimensions`), and rows are read
    straight from the sheet's XML stream: no padding to a claimed size, no row skipped.
    """
    from openpyxl.worksheet._reader import WorkSheetParser  # openpyxl==3.1.5, pinned

    if budget is None:
        budget = TextBudget(limits.max_text_chars)
    sheet = workbook[title]
    sheet.reset_dimensions()
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=False,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        for number, raw_cells in parser.parse():
            if number > limits.max_rows + 1:
                raise UnsafeFileError(
                    f"{title}: rows go beyond row {limits.max_rows + 1:,}; the limit is "
                    f"{limits.max_rows:,} data rows per sheet."
                )
            cells = []
            for raw in raw_cells:
                column = raw["column"]
                if raw["value"] is None:
                    continue
                if column > limits.max_columns:
                    raise UnsafeFileError(
                        f"{title}!{number}: a value in column {column}; the limit is "
                        f"{limits.max_columns} columns."
                    )
                if isinstance(raw["value"], str):
                    budget.charge(len(raw["value"]), f"{title}!{number}")
                cells.append(Cell(column, raw["value"], raw["data_type"] == "f"))
            yield number, cells


# --- Word documents ----------------------------------------------------------------------


class _DocumentTally(_Tally):
    def __init__(self, limits: Limits):
        super().__init__(limits, "document", limits.max_document_elements)
        self.paragraphs = 0
        self.characters = 0

    def too_many_elements(self, member: str) -> str:
        return (
            f"The document has more than {self.max_elements:,} XML elements (reached in "
            f"{member}): the limit is {self.max_elements:,}. A Summary of Findings is a few "
            "pages: save it as a new, plain Word document."
        )


class _DocumentScan(_Scan):
    """Any part of a Word document: its elements, paragraphs and characters."""

    TEXT = {"t", "delText", "instrText"}  # elements whose text counts, white space too
    in_text = False

    def start(self, name, attrs):
        tally = self.tally
        tally.element(self.member)
        local = _local(name)
        self.in_text = local in self.TEXT
        if local == "p":
            tally.paragraphs += 1
            if tally.paragraphs > tally.limits.max_document_paragraphs:
                limit = tally.limits.max_document_paragraphs
                raise UnsafeFileError(
                    f"The document has more than {limit:,} paragraphs: the limit is "
                    f"{limit:,} (a Summary of Findings is a few pages)."
                )

    def text(self, data):
        if not self.in_text and data.isspace():
            return
        tally = self.tally
        tally.characters += len(data)
        if tally.characters > tally.limits.max_document_chars:
            limit = tally.limits.max_document_chars
            raise UnsafeFileError(
                f"The document holds more than {limit:,} characters of text: the limit is "
                f"{limit:,} (a Summary of Findings is a few pages)."
            )


def check_docx(source: IO[bytes], limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise UnsafeFileError unless `source` is a plain .docx document within `limits`."""
    not_word = (
        "This is not a Word document (.docx): open it in Word and save it as “Word "
        "Document (.docx)”."
    )
    archive = _open_package(source, limits, "document", not_word)
    with archive:
        if CONTENT_TYPES not in archive.namelist():
            raise UnsafeFileError("This zip file is not a Word document (.docx).")
        macros = "Macro-enabled documents (.docm) are refused."
        if _has_macros(archive):
            raise UnsafeFileError(macros)
        tally = _DocumentTally(limits)
        parts, declared = _xml_parts(archive, tally)
        if _has_macros(archive, declared):
            raise UnsafeFileError(macros)
        if not declared & WORD_TYPES:
            raise UnsafeFileError("This file is not a Word document (.docx).")
        for part in parts:
            _DocumentScan(part.name, tally).feed(archive, part.name)
    source.seek(0)
