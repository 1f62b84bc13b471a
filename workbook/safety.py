"""Opening untrusted .xlsx files without letting them exhaust memory or time.

openpyxl trusts what a file says about itself (its `<dimension>`, its sizes) and parses
XML with whatever the file declares. Before openpyxl sees a byte, `check_xlsx` makes
sure that the upload

- is a zip archive holding a spreadsheet (its `[Content_Types].xml` names a workbook),
- is not macro-enabled (no `vbaProject.bin`, no macro-enabled content type),
- has at most `MAX_MEMBERS` members whose *declared* uncompressed sizes add up to at
  most `MAX_UNCOMPRESSED_BYTES` (Python's zipfile never inflates a member beyond its
  declared size: a member that lies fails its CRC check instead),
- declares no DOCTYPE or ENTITY in any XML part (defusedxml would also refuse entities;
  a DOCTYPE is refused outright), and
- has no worksheet with more than `MAX_ROWS` data rows or `MAX_COLUMNS` cells in a row,
  and no more than `MAX_SHARED_STRINGS` strings: counted while streaming the XML with
  expat, so that a sheet whose `<dimension>` understates or overstates its size is judged
  by what it really holds.

Then `iter_sheet_rows` streams the rows of one sheet as (Excel row number, cells), reading
every real row whatever the sheet's declared dimension says.
"""

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pyexpat import ExpatError, ParserCreate
from typing import IO

import openpyxl
import openpyxl.xml
from defusedxml import ElementTree as SafeET

# openpyxl only parses with defusedxml when defusedxml is importable: make sure it is.
assert openpyxl.xml.DEFUSEDXML, "defusedxml must be installed: openpyxl relies on it"

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # an upload (or file) larger than this is refused unread
MAX_UNCOMPRESSED_BYTES = 96 * 1024 * 1024  # declared, all members together
MAX_MEMBERS = 500
MAX_ROWS = 50_000  # data rows per sheet, after the header row
MAX_COLUMNS = 40  # cells per row
MAX_SHARED_STRINGS = 1_000_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
# Characters of text materialised by one import, counted cell by cell as rows are read:
# a shared string referenced by many cells counts once per reference.
MAX_TEXT_CHARS = 20_000_000

WORKBOOK_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
}
CHUNK = 64 * 1024


class UnsafeFileError(ValueError):
    """The file is not a workbook we are willing to read; the message says why."""


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_uncompressed_bytes: int = MAX_UNCOMPRESSED_BYTES
    max_members: int = MAX_MEMBERS
    max_rows: int = MAX_ROWS
    max_columns: int = MAX_COLUMNS
    max_text_chars: int = MAX_TEXT_CHARS


DEFAULT_LIMITS = Limits()
# Imports run inside a web request (the admin) must finish within a few seconds; larger
# files go through `manage.py import_workbook`. (Figures: docs/performance.md.)
WEB_LIMITS = Limits(max_rows=10_000)


class TextBudget:
    """Counts the characters an import materialises and refuses past its limit.

    Declared sizes do not bound expanded text: one long shared string referenced by every
    cell of a small file expands to gigabytes. Every text cell read is charged here, as it
    is read, so that the import stops before it holds more than the budget.
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


class _Scan:
    """Expat handlers that refuse DTDs and count what a worksheet really holds."""

    def __init__(
        self, member: str, limits: Limits, worksheet: bool, strings: bool, label: str = "workbook"
    ):
        self.label = label
        self.member = member
        self.limits = limits
        self.rows = 0
        self.cells = 0
        self.strings = 0
        self.parser = ParserCreate()
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.parser.ExternalEntityRefHandler = self._external
        if worksheet:
            self.parser.StartElementHandler = self._sheet_element
        elif strings:
            self.parser.StartElementHandler = self._string_element

    def _doctype(self, *args) -> None:
        raise UnsafeFileError(
            f"The {self.label} part {self.member} declares a DOCTYPE: files with XML DTDs or "
            "entity declarations are refused."
        )

    def _entity(self, *args) -> None:
        raise UnsafeFileError(
            f"The {self.label} part {self.member} declares an XML entity: refused."
        )

    def _external(self, *args) -> int:
        raise UnsafeFileError(f"The {self.label} part {self.member} refers to an external entity.")

    def _sheet_element(self, name: str, attrs: dict) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            self.cells += 1
            if self.cells > self.limits.max_columns:
                raise UnsafeFileError(
                    f"{self._sheet()} has a row with more than {self.limits.max_columns} "
                    f"cells: the limit is {self.limits.max_columns} columns."
                )
        elif local == "row":
            self.cells = 0
            self.rows += 1
            number = attrs.get("r")
            index = self.rows
            if number is not None:
                try:
                    index = int(float(number))
                except ValueError:
                    raise UnsafeFileError(
                        f"{self._sheet()} has a row numbered {number!r}."
                    ) from None
            # The header row plus MAX_ROWS data rows.
            if max(index, self.rows) > self.limits.max_rows + 1:
                raise UnsafeFileError(
                    f"{self._sheet()} has rows beyond row {self.limits.max_rows + 1:,}: the "
                    f"limit is {self.limits.max_rows:,} data rows per sheet (delete empty "
                    "rows at the end, or split the file)."
                )

    def _string_element(self, name: str, attrs: dict) -> None:
        if name.rpartition(":")[2] == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise UnsafeFileError(
                    f"The workbook holds more than {MAX_SHARED_STRINGS:,} distinct texts."
                )

    def _sheet(self) -> str:
        return f"A worksheet ({self.member})"

    def feed(self, stream: IO[bytes]) -> None:
        try:
            while chunk := stream.read(CHUNK):
                self.parser.Parse(chunk, False)
            self.parser.Parse(b"", True)
        except ExpatError as error:
            raise UnsafeFileError(
                f"The {self.label} part {self.member} is not well-formed XML ({error})."
            ) from None


def check_xlsx(source: IO[bytes], limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise UnsafeFileError unless `source` is a plain, reasonably sized .xlsx workbook."""
    if _size_of(source) > limits.max_upload_bytes:
        raise UnsafeFileError(
            f"The file is larger than {limits.max_upload_bytes // (1024 * 1024)} MB: refused."
        )
    source.seek(0)
    if not zipfile.is_zipfile(source):
        raise UnsafeFileError(
            "This is not an Excel workbook (.xlsx): open it in Excel and save it as "
            "“Excel Workbook (.xlsx)”."
        )
    source.seek(0)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise UnsafeFileError(f"This is not a readable .xlsx workbook ({error}).") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise UnsafeFileError(
                f"The workbook has {len(members):,} parts: more than the {limits.max_members} "
                "a spreadsheet needs."
            )
        declared = sum(member.file_size for member in members)
        if declared > limits.max_uncompressed_bytes:
            raise UnsafeFileError(
                f"The workbook unpacks to {declared // (1024 * 1024):,} MB, more than the "
                f"{limits.max_uncompressed_bytes // (1024 * 1024)} MB limit: refused."
            )
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names:
            raise UnsafeFileError("This zip file is not an Excel workbook (.xlsx).")
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise UnsafeFileError(
                "Macro-enabled workbooks (.xlsm) are refused: save the file as “Excel "
                "Workbook (.xlsx)”."
            )
        for member in members:
            name = member.filename
            if member.is_dir() or not name.lower().endswith((".xml", ".rels", ".vml")):
                continue
            worksheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            strings = name == "xl/sharedStrings.xml"
            scan = _Scan(name, limits, worksheet=worksheet, strings=strings)
            try:
                with archive.open(member) as stream:
                    scan.feed(stream)
            except zipfile.BadZipFile as error:
                raise UnsafeFileError(f"The workbook is damaged ({error}).") from None
        with archive.open("[Content_Types].xml") as stream:
            try:
                types = SafeET.parse(stream).getroot()
            except Exception as error:  # defusedxml or expat refusals alike
                raise UnsafeFileError(
                    f"The workbook's content types are unreadable ({error})."
                ) from None
        content_types = {element.get("ContentType", "") for element in types}
        if any("macroenabled" in value.lower() for value in content_types):
            raise UnsafeFileError(
                "Macro-enabled workbooks (.xlsm) are refused: save the file as “Excel "
                "Workbook (.xlsx)”."
            )
        if not content_types & WORKBOOK_TYPES:
            raise UnsafeFileError(
                "This file is an Office document but not an Excel workbook (.xlsx)."
            )
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


WORD_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
}


def check_docx(source: IO[bytes], limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise UnsafeFileError unless `source` is a plain, reasonably sized .docx document."""
    if _size_of(source) > limits.max_upload_bytes:
        raise UnsafeFileError(
            f"The file is larger than {limits.max_upload_bytes // (1024 * 1024)} MB: refused."
        )
    source.seek(0)
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnsafeFileError(
            "This is not a Word document (.docx): open it in Word and save it as “Word "
            "Document (.docx)”."
        ) from None
    with archive:
        members = archive.infolist()
        declared = sum(member.file_size for member in members)
        if len(members) > limits.max_members or declared > limits.max_uncompressed_bytes:
            raise UnsafeFileError(
                f"The document unpacks to {declared // (1024 * 1024):,} MB in "
                f"{len(members):,} parts, more than the limits "
                f"({limits.max_uncompressed_bytes // (1024 * 1024)} MB, {limits.max_members} "
                "parts): refused."
            )
        names = {member.filename for member in members}
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            raise UnsafeFileError("Macro-enabled documents (.docm) are refused.")
        for member in members:
            if member.is_dir() or not member.filename.lower().endswith((".xml", ".rels")):
                continue
            scan = _Scan(member.filename, limits, worksheet=False, strings=False, label="document")
            with archive.open(member) as stream:
                scan.feed(stream)
        if "[Content_Types].xml" not in names:
            raise UnsafeFileError("This zip file is not a Word document (.docx).")
        with archive.open("[Content_Types].xml") as stream:
            try:
                types = SafeET.parse(stream).getroot()
            except Exception as error:
                raise UnsafeFileError(
                    f"The document's content types are unreadable ({error})."
                ) from None
        content_types = {element.get("ContentType", "") for element in types}
        if any("macroenabled" in value.lower() for value in content_types):
            raise UnsafeFileError("Macro-enabled documents (.docm) are refused.")
        if not content_types & WORD_TYPES:
            raise UnsafeFileError("This file is not a Word document (.docx).")
    source.seek(0)
