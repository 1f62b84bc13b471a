"""Workbooks (.xlsx): the pre-scan (`check_xlsx`), opening, and streaming rows."""

from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import openpyxl
import openpyxl.xml
from openpyxl.reader.excel import ExcelReader
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from .limits import (
    DEFAULT_LIMITS,
    Limits,
    TextBudget,
    UnsafeFileError,
)
from .package import (
    CONTENT_TYPES,
    SHARED_STRINGS_TYPE,
    WORKBOOK_TYPES,
    WORKSHEET_TYPE,
    _has_macros,
    _local,
    _open_package,
    _Scan,
    _Tally,
    _xml_parts,
)

# openpyxl only parses with defusedxml when defusedxml is importable: make sure it is.
assert openpyxl.xml.DEFUSEDXML, "defusedxml must be installed: openpyxl relies on it"

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


class _SizelessSheet(ReadOnlyWorksheet):
    """A read-only sheet that skips openpyxl's sizing pass when the workbook opens.

    `ReadOnlyWorksheet` looks for each sheet's `<dimension>` element on opening; a sheet
    without one (openpyxl's own write-only files, ours included) is then parsed from end
    to end just for its size, which we ignore (`iter_sheet_rows` resets it): a third of
    the time of reading such a file. Pinned openpyxl==3.1.5.
    """

    def _get_size(self) -> None:
        self.reset_dimensions()


class _SizelessReader(ExcelReader):
    def read_worksheets(self) -> None:
        # The read-only branch of ExcelReader.read_worksheets; chart sheets hold no data.
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _SizelessSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def open_workbook(source: IO[bytes], limits: Limits = DEFAULT_LIMITS):
    """Check `source`, then open it with openpyxl in read-only mode."""
    check_xlsx(source, limits)
    try:
        reader = _SizelessReader(source, read_only=True, data_only=False, keep_links=False)
        reader.read()
        return reader.wb
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
