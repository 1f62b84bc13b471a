"""The ISCM Profiles workbook: one format for export, template and import (DESIGN.md §4).

- `import_workbook(source=…, dry_run=…, replace=…, can_publish=…)` validates every sheet,
  then applies everything in one transaction (see importer.py);
- `write_workbook(target, mechanisms)`, `write_template(target)`, `write_profile_csv(…)`
  export (see exporter.py);
- safety.py holds the limits and the checks run before openpyxl reads a byte.
"""

from .exporter import workbook_rows, write_profile_csv, write_template, write_workbook
from .importer import ImportReport, Problem, RowOutcome, SheetReport, import_workbook
from .safety import (
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_UPLOAD_BYTES,
    Limits,
    UnsafeFileError,
    check_xlsx,
)
from .spec import SHEETS, neutralise, unneutralise

__all__ = [
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_UPLOAD_BYTES",
    "SHEETS",
    "ImportReport",
    "Limits",
    "Problem",
    "RowOutcome",
    "SheetReport",
    "UnsafeFileError",
    "check_xlsx",
    "import_workbook",
    "neutralise",
    "unneutralise",
    "workbook_rows",
    "write_profile_csv",
    "write_template",
    "write_workbook",
]
