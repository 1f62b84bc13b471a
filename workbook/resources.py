"""django-import-export resources generated from the workbook's sheets, and safe formats.

The admin's per-model import/export pages (django-import-export's UI) use resources built
here from the same `Sheet` that the workbook engine reads: same column names, same key
columns, same renames (`unconfirmed` → `uncertain`), same defaults, same cell rules
(`columns.parse_cell`), headers in any case. There is no second list of columns to keep
in step.

What django-import-export does not do by itself, and these add:
- the file is read by the workbook's reader: .xlsx through the same safety checks (zip,
  sizes, DTDs, macros, real row count, text budget), CSV decoded strictly; both within
  `MAX_MODEL_IMPORT_ROWS` rows and `MAX_MODEL_IMPORT_TEXT` characters, because this path
  runs row by row (a message points to the workbook import for more);
- headers are checked before any row (unknown, missing, duplicated, wrong delimiter);
- every text is checked for NUL and control characters, and formula neutralisation is
  undone (`'=x` → `=x`); every exported text is neutralised against formulas.
"""

import csv
import io

import tablib
from django.db import models
from import_export import fields, resources, widgets
from import_export.formats.base_formats import CSV, XLSX

from . import columns as spec
from .columns import Column, Sheet
from .safety import Limits, TextBudget, UnsafeFileError, iter_sheet_rows, open_workbook

# The per-model import runs row by row (about five queries a row, twice: preview and
# confirm); these keep one request within a few seconds. The workbook import is bulk.
MAX_MODEL_IMPORT_ROWS = 500
MAX_MODEL_IMPORT_TEXT = 2_000_000
MODEL_IMPORT_LIMITS = Limits(
    max_rows=MAX_MODEL_IMPORT_ROWS,
    max_total_rows=MAX_MODEL_IMPORT_ROWS,
    max_text_chars=MAX_MODEL_IMPORT_TEXT,
)
TOO_MANY_ROWS = (
    f"The file has more than {MAX_MODEL_IMPORT_ROWS:,} rows: the per-model import handles "
    "up to that many. Use “Import workbook” on the Mechanisms page (or `manage.py "
    "import_workbook`) for larger files: it imports in bulk."
)


class ImportFileError(ValueError):
    """A file or its headers cannot be imported; the message says why, for the user."""


def header_name(value: object) -> str:
    """A header cell as a column name: any case, spaces as underscores (as the workbook)."""
    try:
        text = spec.cell_text(value)
    except spec.CellProblem:
        text = repr(value)
    return "_".join(text.strip().lower().split())


# --- formats -------------------------------------------------------------------------------


class SafeXLSX(XLSX):
    """.xlsx import through the workbook's safety checks; reads the first sheet, every row."""

    def create_dataset(self, in_stream):
        source = io.BytesIO(in_stream)
        limits = MODEL_IMPORT_LIMITS
        try:
            book = open_workbook(source, limits)
        except UnsafeFileError as error:
            raise ImportFileError(_rows_message(str(error))) from None
        try:
            rows = iter_sheet_rows(
                book, book.sheetnames[0], limits, TextBudget(limits.max_text_chars)
            )
            dataset = tablib.Dataset()
            header = next(rows, None)
            if header is None or header[0] != 1 or not header[1]:
                raise ImportFileError("The first sheet is empty: row 1 must hold the headers.")
            width = max(cell.column for cell in header[1])
            dataset.headers = _padded(header[1], width)
            for number, cells in rows:
                if cells:
                    if any(cell.is_formula for cell in cells):
                        raise ImportFileError(
                            f"Row {number} holds a formula; only values are imported."
                        )
                    dataset.append(_padded(cells, width))
        except UnsafeFileError as error:
            raise ImportFileError(_rows_message(str(error))) from None
        finally:
            book.close()
        return dataset


def _rows_message(message: str) -> str:
    return TOO_MANY_ROWS if "data rows" in message else message


def _padded(cells, width: int) -> list:
    values = [None] * width
    for cell in cells:
        if cell.column > width:
            raise ImportFileError(f"A value in column {cell.column}, which has no header.")
        values[cell.column - 1] = cell.value
    return values


class StrictCSV(CSV):
    """CSV import within the per-model limits, explaining a wrong encoding or delimiter."""

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            try:
                in_stream = in_stream.decode(self.encoding or "utf-8-sig")
            except UnicodeDecodeError:
                raise ImportFileError(
                    "The file is not UTF-8 text: in Excel, save it as “CSV UTF-8 (Comma "
                    "delimited)”."
                ) from None
        if len(in_stream) > MAX_MODEL_IMPORT_TEXT:
            raise ImportFileError(
                f"The file holds more than {MAX_MODEL_IMPORT_TEXT:,} characters: the per-model "
                "import handles up to that much. Use “Import workbook” on the Mechanisms page "
                "for larger files."
            )
        try:
            rows = list(csv.reader(io.StringIO(in_stream, newline="")))
        except csv.Error as error:
            raise ImportFileError(f"The CSV file could not be read ({error}).") from None
        data = [row for row in rows[1:] if any(cell.strip() for cell in row)]
        if len(data) > MAX_MODEL_IMPORT_ROWS:
            raise ImportFileError(TOO_MANY_ROWS)
        dataset = tablib.Dataset()
        if rows:
            width = len(rows[0])
            dataset.headers = rows[0]
            for number, row in enumerate(rows[1:], start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) > width and any(cell.strip() for cell in row[width:]):
                    raise ImportFileError(f"Row {number} has more values than there are headers.")
                for header, cell in zip(rows[0], row, strict=False):
                    try:
                        spec.cell_text(cell)
                    except spec.CellProblem as problem:
                        raise ImportFileError(
                            f"Row {number}: {header_name(header)}: {problem}."
                        ) from None
                dataset.append((row + [""] * width)[:width])
        return dataset


IMPORT_FORMATS = [StrictCSV, SafeXLSX]
EXPORT_FORMATS = [CSV, XLSX]


# --- widgets: each reads a cell exactly as the workbook does -------------------------------


class CellWidget(widgets.Widget):
    """Reads a cell with `columns.parse_cell`; renders it as the workbook writes it."""

    def __init__(self, column: Column):
        super().__init__()
        self.column = column

    def clean(self, value, row=None, **kwargs):
        try:
            return spec.parse_cell(self.column, value)
        except spec.CellProblem as problem:
            raise ValueError(str(problem)) from None

    def render(self, value, obj=None, **kwargs):
        if self.column.type == "flag":
            return "yes" if value else "no"
        if self.column.type == "year":
            return value
        return "" if value is None else str(value)


class KeysWidget(widgets.ManyToManyWidget):
    """A list of vocabulary items by key or name, separated by “;”; exported as keys."""

    def __init__(self, model: type[models.Model], key: str):
        super().__init__(model, separator=";", field=key)

    def clean(self, value, row=None, **kwargs):
        items = [part.strip() for part in spec.cell_text(value).split(";") if part.strip()]
        lookup = {}
        for item in self.model.objects.all():
            lookup[str(getattr(item, self.field)).lower()] = item
            lookup[str(item).lower()] = item
        unknown = [item for item in items if item.lower() not in lookup]
        if unknown:
            raise ValueError("unknown: " + ", ".join(unknown))
        return [lookup[item.lower()] for item in items]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "; ".join(sorted(str(getattr(item, self.field)) for item in value.all()))


class NaturalKeyWidget(widgets.CachedForeignKeyWidget):
    """A reference by natural key (slug, acronym, topic key)."""

    def clean(self, value, row=None, **kwargs):
        text = spec.cell_text(value).strip()
        if not text:
            return None
        try:
            return super().clean(text, row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"unknown {self.model._meta.verbose_name} “{text}”") from None


# --- resources -----------------------------------------------------------------------------


class SheetResource(resources.ModelResource):
    """Checks headers and texts before any row is imported; neutralises exports."""

    sheet: Sheet  # set by resource_for

    def get_import_fields(self):
        # Read-only columns (e.g. `published`) are accepted in a file but never imported,
        # so the import page does not list them.
        return [field for field in super().get_import_fields() if not field.readonly]

    def before_import(self, dataset, **kwargs):
        expected = [field.column_name for field in self.get_import_fields()]
        allowed = set(self.sheet.headers)
        headers = [header_name(h) for h in (dataset.headers or [])]
        problems = []
        for header in headers:
            if header and headers.count(header) > 1 and f"duplicate {header}" not in problems:
                problems.append(f"duplicate column header “{header}”")
        unknown = [h for h in headers if h and h not in allowed]
        missing = [name for name in self.sheet.key if name not in headers]
        if unknown:
            hint = ""
            if any(";" in h or "\t" in h for h in unknown):
                hint = (
                    " The file seems to use “;” or tabs between columns: save it as CSV "
                    "with commas (“CSV UTF-8 (Comma delimited)”)."
                )
            problems.append(
                "unknown column headers: " + ", ".join(f"“{h}”" for h in unknown) + hint
            )
        if missing:
            problems.append("missing column headers: " + ", ".join(missing))
        if problems:
            raise ImportFileError(
                "; ".join(problems) + ". The columns are: " + ", ".join(expected) + "."
            )
        dataset.headers = headers
        for index, row in enumerate(dataset):
            for header, value in zip(headers, row, strict=False):
                if isinstance(value, str):
                    try:
                        spec.cell_text(value)
                    except spec.CellProblem as problem:
                        raise ImportFileError(f"Row {index + 2}: {header}: {problem}.") from None

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        return spec.neutralise(value) if isinstance(value, str) else value

    class Meta:
        abstract = True


def resource_for(
    sheet: Sheet,
    *,
    natural_keys: dict[type[models.Model], str],
    read_only: tuple[str, ...] = (),
    name: str | None = None,
    base: type[SheetResource] = SheetResource,
) -> type[SheetResource]:
    """A ModelResource for `sheet.model` whose fields are the sheet's columns.

    `natural_keys` names the key field of each related model (Mechanism → slug…);
    `read_only` columns are exported but neither imported nor listed as importable.
    """
    model = sheet.model
    attrs: dict = {"sheet": sheet}
    for column in sheet.columns:
        model_field = model._meta.get_field(column.field_name)
        readonly = column.name in read_only
        if column.type == "keys":
            related = model_field.related_model
            widget = KeysWidget(related, natural_keys[related])
        elif column.type == "ref":
            related = model_field.related_model
            widget = NaturalKeyWidget(related, natural_keys[related])
        else:
            widget = CellWidget(column)
        attrs[column.name] = fields.Field(
            attribute=column.field_name,
            column_name=column.name,
            widget=widget,
            readonly=readonly,
        )
    attrs["Meta"] = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": tuple(sheet.headers),
            "import_id_fields": sheet.key,
            "clean_model_instances": True,
            "skip_unchanged": True,
            "report_skipped": True,
        },
    )
    resource = type(name or f"{model.__name__}Resource", (base,), attrs)
    resource.read_only_columns = read_only
    return resource
