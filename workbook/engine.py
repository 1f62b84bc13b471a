"""The import engine: read every registered sheet, validate every row, then apply all or nothing.

Reading and validation never write. Every problem found is collected as
`Sheet!row: column: message`; if there is any, nothing is written. Otherwise every app's
planner applies its sheets in one transaction, with bulk writes.

What is generic lives here (opening the file safely, headers, cells, reports, the
transaction); what an app's sheets mean (references, comparison with the database,
writes) lives in that app's `SheetPlanner` subclass, registered with its sheets in
`workbook.registry`.
"""

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO

from django.db import IntegrityError
from django.utils.module_loading import import_string

from history.models import ChangeSet
from history.recording import Actor, Conflict, recording
from iscm_site.audit import audit

from . import columns as spec
from .columns import ABOUT_SHEET, CellProblem, Sheet
from .registry import sheet_sets
from .safety import (
    DEFAULT_LIMITS,
    Limits,
    TextBudget,
    UnsafeFileError,
    iter_sheet_rows,
    open_workbook,
)

BATCH = 500
MAX_PROBLEMS = 1000
# What a row refused beyond MAX_PROBLEMS keeps as its reason: one shared text, so that a
# file whose every cell is wrong costs no memory per problem (only a count).
REASONS_LEFT_OFF = f"(more than {MAX_PROBLEMS:,} problems: the others are not listed)"

NEW, CHANGED, UNCHANGED, REFUSED, DELETED = "new", "changed", "unchanged", "refused", "deleted"


@dataclass
class Problem:
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.sheet is None:
            return self.message
        where = self.sheet if self.row is None else f"{self.sheet}!{self.row}"
        return (
            f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


@dataclass
class RowOutcome:
    row: int | None
    key: str
    status: str
    changed: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


@dataclass
class SheetReport:
    name: str
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.rows if outcome.status == status)

    @property
    def created(self) -> int:
        return self.count(NEW)

    @property
    def updated(self) -> int:
        return self.count(CHANGED)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def deleted(self) -> int:
        return self.count(DELETED)

    @property
    def refused(self) -> int:
        return self.count(REFUSED)


@dataclass
class ImportReport:
    sheets: dict[str, SheetReport] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False
    replace: bool = False
    problems_left_off: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes(self) -> int:
        return sum(s.created + s.updated + s.deleted for s in self.sheets.values())

    def summary_lines(self) -> list[str]:
        lines = []
        order = [sheet.name for sheet_set in sheet_sets() for sheet in sheet_set.sheets]
        for report in sorted(self.sheets.values(), key=lambda r: order.index(r.name)):
            line = (
                f"{report.name}: {report.created} created, {report.updated} updated, "
                f"{report.unchanged} unchanged"
            )
            if self.replace:
                line += f", {report.deleted} deleted"
            lines.append(line)
        return lines


class _Problems:
    def __init__(self, report: ImportReport):
        self.report = report

    def add(self, sheet: str | None, row: int | None, column: str | None, message: str) -> bool:
        """Record a problem; False once MAX_PROBLEMS are listed (it is only counted)."""
        if len(self.report.problems) >= MAX_PROBLEMS:
            self.report.problems_left_off += 1
            return False
        self.report.problems.append(Problem(sheet, row, column, message))
        return True


@dataclass
class ParsedRow:
    number: int
    values: dict
    ok: bool = True
    reasons: list[str] = field(default_factory=list)


@dataclass
class ParsedSheet:
    sheet: Sheet
    columns: list[str]  # the columns present in the file, in the sheet's order
    rows: list[ParsedRow]


# --- reading ---------------------------------------------------------------------------


def _header_name(value: object) -> str:
    try:
        text = spec.cell_text(value)
    except CellProblem:
        text = repr(value)
    return "_".join(text.strip().lower().split())


def _find_sheet(workbook, name: str) -> str | None:
    if name in workbook.sheetnames:
        return name
    for title in workbook.sheetnames:
        if title.strip().lower() == name.lower():
            return title
    return None


def _read_sheet(
    workbook,
    sheet: Sheet,
    problems: _Problems,
    limits: Limits,
    budget: TextBudget,
    *,
    required: bool,
    all: list[Sheet],
):
    title = _find_sheet(workbook, sheet.name)
    if title is None:
        if sheet.required and required:
            problems.add(
                sheet.name,
                None,
                None,
                "the sheet is missing; the workbook needs the sheets "
                + ", ".join(s.name for s in all if s.required),
            )
        return None
    rows = iter_sheet_rows(workbook, title, limits, budget)
    first = next(rows, None)
    if first is None or first[0] != 1 or not first[1]:
        problems.add(
            sheet.name,
            None,
            None,
            "the sheet is empty: row 1 must hold the column headers ("
            + ", ".join(sheet.headers)
            + ")",
        )
        return None

    by_index: dict[int, str] = {}
    seen: dict[str, int] = {}
    header_ok = True
    for cell in first[1]:
        name = _header_name(cell.value)
        if not name:
            continue
        if name in seen:
            problems.add(sheet.name, 1, name, "duplicate column header")
            header_ok = False
        elif sheet.column(name) is None:
            problems.add(
                sheet.name,
                1,
                name,
                "unknown column header; the columns are " + ", ".join(sheet.headers),
            )
            header_ok = False
        seen[name] = cell.column
        by_index[cell.column] = name
    for column in sheet.columns:
        if column.required and column.name not in seen:
            problems.add(sheet.name, 1, column.name, "missing column header")
            header_ok = False
    if not header_ok:
        return None

    present = [sheet.column(name) for name in by_index.values()]
    listed = [c.name for c in sheet.columns if c in present]
    parsed = ParsedSheet(sheet, listed + [c.name for c in present if c.name not in listed], [])
    for number, cells in rows:
        values_by_column = {}
        row = ParsedRow(number, {})
        refused: set[str] = set()
        empty = True
        for cell in cells:
            name = by_index.get(cell.column)
            if isinstance(cell.value, str) and not cell.value.strip():
                continue
            empty = False
            if name is None:
                problems.add(
                    sheet.name,
                    number,
                    f"column {cell.column}",
                    "a value in a column without a header",
                )
                row.ok = False
                continue
            if cell.is_formula:
                problems.add(
                    sheet.name,
                    number,
                    name,
                    "is a formula; only values are imported (type the value)",
                )
                row.ok = False
                refused.add(name)
                continue
            values_by_column[name] = cell.value
        if empty:
            continue
        for column in present:
            if column.name in refused:
                continue
            try:
                row.values[column.name] = spec.parse_cell(column, values_by_column.get(column.name))
            except CellProblem as problem:
                if problems.add(sheet.name, number, column.name, str(problem)):
                    row.reasons.append(f"{column.name}: {problem}")
                elif REASONS_LEFT_OFF not in row.reasons:
                    row.reasons.append(REASONS_LEFT_OFF)
                row.ok = False
        parsed.rows.append(row)
    return parsed


# --- validation and comparison ---------------------------------------------------------


def _label(values: dict, key: tuple[str, ...]) -> str:
    parts = []
    for name in key:
        value = values.get(name)
        if value not in (None, ""):
            parts.append(str(value))
    return " / ".join(parts)


def changed_columns(values: dict, current: dict, columns: Iterable[str]) -> list[str]:
    return [name for name in columns if name in values and values[name] != current[name]]


class SheetPlanner:
    """Plans (and later applies) one app's sheets; subclassed by each app.

    `run()` goes through the app's sheets in `apply_order`, refuses duplicate keys, and
    asks `plan_<sheet name>(sheet, parsed, row)` for each row (the name in lower case, each
    run of other characters than letters and digits as one "_": "Answers (wide)" →
    `plan_answers_wide`): it checks the row's references (calling `refuse` for each
    problem) and returns the existing object (or None) and the names of the columns that
    change. `apply()` then writes, inside the engine's transaction.
    """

    apply_order: tuple[Sheet, ...] = ()

    def __init__(self, parsed: dict, problems: "_Problems", report: ImportReport, options):
        self.parsed = parsed
        self.problems = problems
        self.report = report
        self.options = options
        self.plan: dict[str, list] = {}  # sheet name → [(ParsedRow, existing, changed)]

    def refuse(self, sheet: Sheet, row: ParsedRow, column: str | None, message: str) -> None:
        if self.problems.add(sheet.name, row.number, column, message):
            row.reasons.append(f"{column}: {message}" if column else message)
        elif REASONS_LEFT_OFF not in row.reasons:
            row.reasons.append(REASONS_LEFT_OFF)
        row.ok = False

    def run(self) -> None:
        for sheet in self.apply_order:
            parsed = self.parsed.get(sheet.name)
            report = self.report.sheets.setdefault(sheet.name, SheetReport(sheet.name))
            if parsed is None:
                continue
            words = re.findall(r"[a-z0-9]+", sheet.name.lower())
            method = getattr(self, "plan_" + "_".join(words))
            entries = []
            seen: dict[tuple, int] = {}
            for row in parsed.rows:
                key = tuple(row.values.get(name) for name in sheet.key)
                if row.ok and key in seen:
                    self.refuse(
                        sheet,
                        row,
                        None,
                        f"duplicate of row {seen[key]} (same {', '.join(sheet.key)})",
                    )
                elif row.ok:
                    seen[key] = row.number
                existing, changed = method(sheet, parsed, row)
                label = _label(row.values, sheet.key)
                if not row.ok:
                    report.rows.append(RowOutcome(row.number, label, REFUSED, [], row.reasons))
                    continue
                status = NEW if existing is None else CHANGED if changed else UNCHANGED
                report.rows.append(RowOutcome(row.number, label, status, changed))
                if status != UNCHANGED:
                    entries.append((row, existing, changed))
            self.plan[sheet.name] = entries
            self.after_sheet(sheet, parsed)

    def after_sheet(self, sheet: Sheet, parsed: ParsedSheet) -> None:
        """Called once a sheet is planned (e.g. to plan deletions in replace mode)."""

    def apply(self) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    # Also delete the children of the listed parents that the workbook does not list.
    replace: bool = False
    limits: Limits = DEFAULT_LIMITS
    # The importing user's `has_perms` (None: the command line, which may import anything).
    has_perms: Callable[[Iterable[str]], bool] | None = None


def import_workbook(
    *,
    source: IO[bytes],
    dry_run: bool = False,
    replace: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    only: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
    actor: Actor | None = None,
    file_name: str = "",
    has_perms: Callable[[Iterable[str]], bool] | None = None,
) -> ImportReport:
    """Validate the workbook in `source`, then (unless `dry_run`) apply it in one transaction.

    Nothing is written when any problem is found. `replace` also deletes, for every
    mechanism listed on the Mechanisms sheet, the sections, participants, links and
    documents that the workbook does not list. `only` restricts the import to the named
    sheets (the per-model import reads one sheet), which are then all optional.
    `progress`, if given, is told what is being done (the command line prints it).
    The whole import is one change set (`history`), attributed to `actor` (default: the
    command line) with `file_name` as its source. `has_perms` (the importing user's) refuses
    the sheets of an app whose `sheet_permissions` the user lacks.
    """
    say = progress or (lambda message: None)
    options = ImportOptions(
        dry_run=dry_run,
        replace=replace,
        limits=limits,
        has_perms=has_perms,
    )
    report = ImportReport(dry_run=dry_run, replace=replace)
    problems = _Problems(report)
    sets = sheet_sets()
    every_sheet = [sheet for sheet_set in sets for sheet in sheet_set.sheets]
    wanted = every_sheet if only is None else [s for s in every_sheet if s.name in set(only)]
    try:
        workbook = open_workbook(source, limits)
    except UnsafeFileError as error:
        problems.add(None, None, None, str(error))
        return report
    budget = TextBudget(limits.max_text_chars)
    try:
        # An app's required sheets are required when the file holds any sheet of that app,
        # or no registered sheet at all (a file of survey sheets needs no profile sheets).
        titles = {title.strip().lower() for title in workbook.sheetnames}
        holds = [titles & {s.name.lower() for s in sheet_set.sheets} for sheet_set in sets]
        needed = {
            sheet.name
            for sheet_set, held in zip(sets, holds, strict=True)
            if held or not any(holds)
            for sheet in sheet_set.sheets
        }
        parsed = {}
        for sheet in wanted:
            required = only is None and sheet.name in needed
            result = _read_sheet(
                workbook, sheet, problems, limits, budget, required=required, all=wanted
            )
            if result is not None:
                parsed[sheet.name] = result
                say(f"{sheet.name}: {len(result.rows):,} rows read")
        known = {s.name.lower() for s in every_sheet} | {ABOUT_SHEET.lower()}
        for title in workbook.sheetnames:
            if title.strip().lower() not in known:
                report.notes.append(f"The sheet “{title}” is not part of the format: ignored.")
    except UnsafeFileError as error:
        problems.add(None, None, None, str(error))
        return report
    except Exception as error:  # damaged XML inside a sheet, and the like
        problems.add(None, None, None, f"The workbook could not be read ({error}).")
        return report
    finally:
        workbook.close()

    planners = []
    for sheet_set in sets:
        if not any(sheet.name in parsed for sheet in sheet_set.sheets):
            continue
        if has_perms is not None and not has_perms(sheet_set.sheet_permissions):
            for sheet in sheet_set.sheets:
                if sheet.name in parsed:
                    problems.add(
                        sheet.name,
                        None,
                        None,
                        "you may not import this sheet (it needs the permissions "
                        + ", ".join(sheet_set.sheet_permissions)
                        + "); remove it from the file",
                    )
            continue
        say(f"Checking the {sheet_set.app_label} sheets against the database…")
        planner = import_string(sheet_set.planner)(parsed, problems, report, options)
        planner.run()
        planners.append(planner)
    order = {sheet.name: index for index, sheet in enumerate(every_sheet)}
    report.problems.sort(key=lambda p: (order.get(p.sheet, -1), p.row or 0))
    if report.problems or dry_run:
        return report
    say(f"Writing {report.changes:,} changes in one transaction…")
    if actor is None:
        actor = Actor.command(file_name, via=ChangeSet.Via.WORKBOOK_IMPORT)
    else:
        actor = dataclasses.replace(actor, source=file_name or actor.source)
    try:
        with recording(actor) as rec:
            for planner in planners:
                planner.apply()
            if rec.wrote:
                rec.add_summary("\n".join(report.summary_lines()))
    except Conflict as error:
        problems.add(None, None, None, f"{error} Nothing was written: export again and redo.")
        return report
    except IntegrityError as error:
        problems.add(
            None, None, None, f"The database refused the changes, so nothing was written ({error})."
        )
        return report
    report.applied = True
    audit(
        "import.applied",
        user=actor.user,
        kind="workbook",
        source=file_name,
        changes=report.changes,
    )
    return report
