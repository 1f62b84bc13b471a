"""Which sheets the workbook has: each app registers its own, in its `AppConfig.ready()`.

To add sheets to the workbook (as the surveys app will, with Questions, Respondents and
Answers):

1. describe them with `workbook.columns.Sheet` and `Column` (see `profiles/sheets.py`);
2. write a `workbook.engine.SheetPlanner` subclass that checks references, compares each
   row with the database and applies the changes (see `profiles/importer.py` and
   `profiles/applier.py`);
3. register a `SheetSet` here from the app's `ready()` (see `profiles/apps.py`; the
   surveys app's `surveys/apps.py` shows optional sheets with their own permissions, a
   wide sheet and staff-only export rows).

The engine then reads, validates, previews and applies them with every other sheet, in
one transaction, under the same limits (`workbook.safety`).
"""

from collections.abc import Callable
from dataclasses import dataclass

from .columns import Sheet


@dataclass(frozen=True)
class SheetSet:
    """The sheets one app contributes to the workbook, and how they are imported."""

    app_label: str
    sheets: tuple[Sheet, ...]  # in the order they are written
    planner: str  # dotted path of the app's SheetPlanner subclass
    # Permissions a user needs to open the admin's workbook import (every set's count).
    import_permissions: tuple[str, ...] = ()
    # Extra lines for the About sheet: (heading, text) pairs, e.g. the vocabularies.
    about: Callable[[], list[tuple[str, str]]] | None = None
    # Permissions a user needs to import a file that holds any of these sheets (checked per
    # file, so that optional sheets need not gate the import page).
    sheet_permissions: tuple[str, ...] = ()
    # Dotted path of a function returning the rows of these sheets for a staff export,
    # `() -> {sheet name: [row dict…]}` (see `workbook.writer.write_staff_workbook`).
    staff_rows: str = ""


_registry: dict[str, SheetSet] = {}


def register(sheet_set: SheetSet) -> None:
    taken = {sheet.name.lower() for other in _registry.values() for sheet in other.sheets}
    if sheet_set.app_label not in _registry:
        clash = taken & {sheet.name.lower() for sheet in sheet_set.sheets}
        if clash:
            raise ValueError(f"Sheet names registered twice: {', '.join(sorted(clash))}")
    _registry[sheet_set.app_label] = sheet_set


def sheet_sets() -> list[SheetSet]:
    """Every registered set, in registration (= application) order."""
    return list(_registry.values())


def all_sheets() -> list[Sheet]:
    return [sheet for sheet_set in _registry.values() for sheet in sheet_set.sheets]


def import_permissions() -> list[str]:
    return [perm for sheet_set in _registry.values() for perm in sheet_set.import_permissions]
