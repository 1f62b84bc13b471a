"""Writing workbooks: the registered sheets with styled headers, then an About sheet.

Rows are written with openpyxl's write-only mode; every text cell goes through
`columns.cell_value`, which neutralises formulas. Each app builds its rows (see
`profiles/exporter.py`); this module only knows sheets and columns.
"""

from collections.abc import Iterable
from typing import IO

from django.utils.module_loading import import_string
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import columns
from .columns import ABOUT_SHEET, Sheet
from .registry import sheet_sets

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def _write_sheet(book: Workbook, sheet: Sheet, rows: Iterable[dict]) -> None:
    ws = book.create_sheet(sheet.name)
    ws.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    header = []
    for column in sheet.columns:
        cell = WriteOnlyCell(ws, value=column.name)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        header.append(cell)
    ws.append(header)
    wrapped = [column.wrap for column in sheet.columns]
    names = sheet.headers
    any_wrap = any(wrapped)
    cell_value = columns.cell_value
    for row in rows:
        values = [cell_value(row[name]) for name in names]
        if any_wrap:
            for index, value in enumerate(values):
                if wrapped[index] and isinstance(value, str) and ("\n" in value or len(value) > 60):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.alignment = WRAP
                    values[index] = cell
        ws.append(values)


def _write_about(
    book: Workbook, sheet_list: list[Sheet], intro: list[tuple[str, str]] | None = None
) -> None:
    ws = book.create_sheet(ABOUT_SHEET)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 90
    bold = Font(bold=True)
    lines = [
        ("ISCM Profiles workbook", "", ""),
        (
            "",
            "",
            "Edit the sheets and import the file again (admin, or "
            "`manage.py import_workbook`). Lists inside a cell are separated by “;”. Keys are "
            "natural: mechanism slug, topic key, ISO country code, organisation short name. "
            "A leading apostrophe (') is added to texts that start with = + - @ or ' so that "
            "no cell is ever run as a formula; it is removed again on import.",
        ),
        ("", "", ""),
        ("sheet", "column", "meaning"),
    ]
    if intro is not None:  # e.g. a download of aggregates, which is not for import
        lines = [*((heading, "", text) for heading, text in intro), *lines[-2:]]
    for sheet in sheet_list:
        lines.append((sheet.name, "", sheet.help))
        for column in sheet.columns:
            meaning = column.help
            if column.choices is not None:
                meaning += (
                    " One of: "
                    + ", ".join(f"{value} ({label})" for value, label in column.choices.choices)
                    + "."
                )
            if not column.required:
                meaning += " (Optional column.)"
            lines.append(("", column.name, meaning))
        if sheet.more is not None:
            lines.append(("", f"<{sheet.more.name}>", sheet.more.help))
    lines.append(("", "", ""))
    for sheet_set in sheet_sets():
        if sheet_set.about is not None and set(sheet_set.sheets) & set(sheet_list):
            lines += [(heading, "", text) for heading, text in sheet_set.about()]
    for a, b, c in lines:
        cells = []
        for value in (a, b, c):
            cell = WriteOnlyCell(ws, value=columns.neutralise(value) if value else None)
            if value in ("sheet", "column", "meaning") or (a and not b and value == a):
                cell.font = bold
            cell.alignment = WRAP
            cells.append(cell)
        ws.append(cells)


def write_sheets(
    target: IO[bytes],
    rows: dict[str, Iterable[dict]],
    sheet_list: list[Sheet],
    *,
    intro: list[tuple[str, str]] | None = None,
) -> None:
    """Write `sheet_list` (each with its rows from `rows`, or empty), then the About sheet.

    `intro` (heading, text) lines replace the About sheet's import instructions.
    """
    book = Workbook(write_only=True)
    for sheet in sheet_list:
        _write_sheet(book, sheet, rows.get(sheet.name, ()))
    _write_about(book, sheet_list, intro)
    book.save(target)


def write_staff_workbook(
    target: IO[bytes], rows: dict[str, Iterable[dict]], sheet_list: list[Sheet]
) -> None:
    """`write_sheets`, plus the sheets of every other registered app that exports rows.

    For staff exports only (`manage.py export_workbook`, the admin's export): an app's
    `staff_rows` may hold what the public never sees (e.g. individual survey answers).
    """
    rows = dict(rows)
    sheet_list = list(sheet_list)
    for sheet_set in sheet_sets():
        if not sheet_set.staff_rows or set(sheet_set.sheets) & set(sheet_list):
            continue
        extra = import_string(sheet_set.staff_rows)()
        rows.update(extra)
        sheet_list += [sheet for sheet in sheet_set.sheets if sheet.name in extra]
    write_sheets(target, rows, sheet_list)
