"""Importing the workbook: read every sheet, validate every row, then apply all or nothing.

Reading and validation never write. Every problem found is collected as
`Sheet!row: column: message`; if there is any, nothing is written. Otherwise everything
is applied in one transaction with bulk writes: the number of queries does not grow with
the number of rows (apart from batching in chunks of `BATCH`).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import (
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    Region,
    Section,
    ThematicArea,
    Topic,
)
from ..rendering import render_markdown
from . import spec
from .safety import DEFAULT_LIMITS, Limits, UnsafeFileError, iter_sheet_rows, open_workbook
from .spec import (
    MECHANISM_ATTRIBUTES,
    CellProblem,
    Sheet,
)

BATCH = 500
MAX_PROBLEMS = 1000

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
        order = [sheet.name for sheet in spec.SHEETS]
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

    def add(self, sheet: str | None, row: int | None, column: str | None, message: str) -> None:
        if len(self.report.problems) >= MAX_PROBLEMS:
            self.report.problems_left_off += 1
            return
        self.report.problems.append(Problem(sheet, row, column, message))


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


def _read_sheet(workbook, sheet: Sheet, problems: _Problems, limits: Limits):
    title = _find_sheet(workbook, sheet.name)
    if title is None:
        if sheet.required:
            problems.add(
                sheet.name,
                None,
                None,
                "the sheet is missing; the workbook needs the sheets "
                + ", ".join(s.name for s in spec.SHEETS if s.required),
            )
        return None
    rows = iter_sheet_rows(workbook, title, limits)
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
        elif name not in sheet.column_map:
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

    present = [sheet.column_map[name] for name in by_index.values()]
    parsed = ParsedSheet(sheet, [c.name for c in sheet.columns if c in present], [])
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
                problems.add(sheet.name, number, column.name, str(problem))
                row.reasons.append(f"{column.name}: {problem}")
                row.ok = False
        parsed.rows.append(row)
    return parsed


# --- what is in the database -----------------------------------------------------------


class _Database:
    """Everything the comparison needs, loaded with a fixed number of queries."""

    def __init__(self):
        self.regions = list(Region.objects.all())
        self.themes = list(ThematicArea.objects.all())
        self.topics = {t.key: t for t in Topic.objects.all()}
        self.organisations = {o.acronym: o for o in Organisation.objects.all()}
        self.org_acronym = {o.pk: o.acronym for o in self.organisations.values()}
        self.mechanisms = {m.slug: m for m in Mechanism.objects.all()}
        self.mech_slug = {m.pk: m.slug for m in self.mechanisms.values()}
        self.mech_by_name = {m.name: m.slug for m in self.mechanisms.values()}
        self.region_slug = {r.pk: r.slug for r in self.regions}
        self.theme_slug = {t.pk: t.slug for t in self.themes}
        self.region_through: dict[int, dict[str, int]] = defaultdict(dict)
        for pk, mech, region in Mechanism.regions.through.objects.values_list(
            "pk", "mechanism_id", "region_id"
        ):
            self.region_through[mech][self.region_slug[region]] = pk
        self.theme_through: dict[int, dict[str, int]] = defaultdict(dict)
        for pk, mech, theme in Mechanism.thematic_areas.through.objects.values_list(
            "pk", "mechanism_id", "thematicarea_id"
        ):
            self.theme_through[mech][self.theme_slug[theme]] = pk

    @staticmethod
    def vocabulary(items) -> dict[str, str]:
        lookup = {}
        for item in items:
            lookup[item.name.strip().lower()] = item.slug
            lookup[item.slug.lower()] = item.slug
        return lookup

    def mechanism_values(self, mechanism: Mechanism) -> dict:
        return spec.mechanism_row(
            mechanism,
            frozenset(self.region_through.get(mechanism.pk, {})),
            frozenset(self.theme_through.get(mechanism.pk, {})),
            self.org_acronym.get(mechanism.regional_organisation_id, ""),
        )


# --- validation and comparison ---------------------------------------------------------


def _label(values: dict, key: tuple[str, ...]) -> str:
    parts = []
    for name in key:
        value = values.get(name)
        if value not in (None, ""):
            parts.append(str(value))
    return " / ".join(parts)


def _changed(values: dict, current: dict, columns: Iterable[str]) -> list[str]:
    return [name for name in columns if name in values and values[name] != current[name]]


class _Planner:
    def __init__(
        self,
        parsed: dict,
        problems: _Problems,
        report: ImportReport,
        *,
        can_publish: bool,
        replace: bool,
    ):
        self.parsed = parsed
        self.problems = problems
        self.report = report
        self.can_publish = can_publish
        self.replace = replace
        self.db = _Database()
        # Sheet name → list of (ParsedRow, existing object or None, changed fields)
        self.plan: dict[str, list] = {}
        self.deletions: dict[str, list] = {}
        self.known_orgs = set(self.db.organisations)
        self.known_mechanisms = set(self.db.mechanisms)
        for name, target in (
            ("Organisations", self.known_orgs),
            ("Mechanisms", self.known_mechanisms),
        ):
            sheet = parsed.get(name)
            if sheet:
                key = sheet.sheet.key[0]
                target.update(r.values[key] for r in sheet.rows if r.values.get(key))

    def refuse(self, sheet: Sheet, row: ParsedRow, column: str | None, message: str) -> None:
        self.problems.add(sheet.name, row.number, column, message)
        row.reasons.append(f"{column}: {message}" if column else message)
        row.ok = False

    def run(self) -> None:
        for sheet in spec.APPLY_ORDER:
            parsed = self.parsed.get(sheet.name)
            report = self.report.sheets.setdefault(sheet.name, SheetReport(sheet.name))
            if parsed is None:
                continue
            method = getattr(self, f"_plan_{sheet.name.lower()}")
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
            if self.replace and sheet.name != "Mechanisms" and sheet.name != "Organisations":
                self._plan_deletions(
                    sheet, {tuple(r.values.get(name) for name in sheet.key) for r in parsed.rows}
                )

    # Each _plan_<sheet> validates references and returns (existing object, changed fields).

    def _plan_organisations(self, sheet, parsed, row):
        existing = self.db.organisations.get(row.values.get("acronym"))
        if existing is None:
            return None, []
        return existing, _changed(row.values, spec.organisation_row(existing), parsed.columns)

    def _plan_mechanisms(self, sheet, parsed, row):
        values = row.values
        if not hasattr(self, "_vocabularies"):
            self._vocabularies = (
                _Database.vocabulary(self.db.regions),
                _Database.vocabulary(self.db.themes),
            )
        regions, themes = self._vocabularies
        for column, vocabulary, what in (
            ("regions", regions, "region"),
            ("thematic_areas", themes, "thematic area"),
        ):
            if column not in values:
                continue
            resolved = set()
            for item in values[column]:
                slug = vocabulary.get(item.lower())
                if slug is None:
                    self.refuse(
                        sheet,
                        row,
                        column,
                        f"unknown {what} “{item}”; use one of "
                        + ", ".join(sorted(set(vocabulary.values()))),
                    )
                else:
                    resolved.add(slug)
            values[column] = frozenset(resolved)
        org = values.get("regional_organisation")
        if org and org not in self.known_orgs:
            self.refuse(
                sheet,
                row,
                "regional_organisation",
                f"unknown organisation “{org}” (add it to the Organisations sheet)",
            )
        slug = values.get("slug")
        existing = self.db.mechanisms.get(slug) if slug else None
        name = values.get("name")
        owner = self.db.mech_by_name.get(name) if name else None
        if owner and owner != slug:
            renamed = any(
                r.values.get("slug") == owner and r.values.get("name") != name for r in parsed.rows
            )
            if not renamed:
                self.refuse(
                    sheet, row, "name", f"another mechanism ({owner}) already has the name “{name}”"
                )
        names = self.__dict__.setdefault("_file_names", {})
        if name and row.ok:
            if name in names and names[name] != row.number:
                self.refuse(sheet, row, "name", f"the same name as row {names[name]}")
            names.setdefault(name, row.number)
        if "published" in values and not self.can_publish:
            current = existing.is_published if existing else False
            if values["published"] != current:
                self.refuse(
                    sheet,
                    row,
                    "published",
                    "you may not publish or unpublish mechanisms; leave this column "
                    "as it was exported",
                )
        if existing is None:
            return None, []
        current = self.db.mechanism_values(existing)
        return existing, _changed(values, current, [c for c in parsed.columns if c != "slug"])

    def _check_mechanism(self, sheet, row, column="mechanism") -> str | None:
        slug = row.values.get(column)
        if slug and slug not in self.known_mechanisms:
            self.refuse(
                sheet,
                row,
                column,
                f"unknown mechanism “{slug}” (not in the database nor on the Mechanisms sheet)",
            )
            return None
        return slug

    def _existing_children(self, name: str) -> dict:
        cache = self.__dict__.setdefault("_children", {})
        if name not in cache:
            db = self.db
            if name == "Sections":
                topic_key = {t.pk: t.key for t in db.topics.values()}
                cache[name] = {
                    (db.mech_slug[s.mechanism_id], topic_key[s.topic_id]): s
                    for s in Section.objects.all()
                }
            elif name == "Participants":
                cache[name] = {
                    (
                        db.mech_slug[p.mechanism_id],
                        str(p.country or ""),
                        db.org_acronym.get(p.organisation_id, ""),
                        p.role,
                        p.since,
                        p.until,
                    ): p
                    for p in Participation.objects.all()
                }
            elif name == "Links":
                cache[name] = {
                    (db.mech_slug[k.mechanism_id], db.mech_slug[k.other_mechanism_id], k.kind): k
                    for k in MechanismLink.objects.all()
                }
            elif name == "Documents":
                cache[name] = {
                    (db.mech_slug[d.mechanism_id], spec.norm_text(d.title)): d
                    for d in Document.objects.all()
                }
        return cache[name]

    def _plan_sections(self, sheet, parsed, row):
        slug = self._check_mechanism(sheet, row)
        topic = row.values.get("topic")
        if topic and topic not in self.db.topics:
            self.refuse(
                sheet,
                row,
                "topic",
                f"unknown topic “{topic}”; use one of " + ", ".join(self.db.topics),
            )
        existing = self._existing_children(sheet.name).get((slug, topic))
        if existing is None:
            return None, []
        current = spec.section_row(existing, slug, topic)
        return existing, _changed(row.values, current, ["body"])

    def _plan_participants(self, sheet, parsed, row):
        values = row.values
        slug = self._check_mechanism(sheet, row)
        country, org = values.get("country"), values.get("organisation")
        if bool(country) == bool(org) and row.ok:
            self.refuse(
                sheet, row, "country", "give either a country or an organisation (exactly one)"
            )
        if org and org not in self.known_orgs:
            self.refuse(
                sheet,
                row,
                "organisation",
                f"unknown organisation “{org}” (add it to the Organisations sheet)",
            )
        since, until = values.get("since"), values.get("until")
        if since and until and since > until:
            self.refuse(sheet, row, "until", f"{until} is before “since” ({since})")
        key = (slug, country or "", org or "", values.get("role"), since, until)
        existing = self._existing_children(sheet.name).get(key)
        if existing is None:
            return None, []
        current = spec.participant_row(existing, slug, org or "")
        return existing, _changed(values, current, ["unconfirmed", "note"])

    def _plan_links(self, sheet, parsed, row):
        slug = self._check_mechanism(sheet, row)
        other = self._check_mechanism(sheet, row, "other_mechanism")
        if slug and slug == other:
            self.refuse(sheet, row, "other_mechanism", "a mechanism cannot be linked to itself")
        key = (slug, other, row.values.get("kind"))
        existing = self._existing_children(sheet.name).get(key)
        if existing is None:
            return None, []
        current = spec.link_row(existing, slug, other)
        return existing, _changed(row.values, current, ["note"])

    def _plan_documents(self, sheet, parsed, row):
        slug = self._check_mechanism(sheet, row)
        existing = self._existing_children(sheet.name).get((slug, row.values.get("title")))
        if existing is None:
            return None, []
        current = spec.document_row(existing, slug)
        return existing, _changed(row.values, current, ["kind", "year", "publisher", "url"])

    def _plan_deletions(self, sheet: Sheet, keys_in_file: set) -> None:
        listed = (
            {r.values.get("slug") for r in self.parsed["Mechanisms"].rows}
            if self.parsed.get("Mechanisms")
            else set()
        )
        doomed = [
            (key, obj)
            for key, obj in self._existing_children(sheet.name).items()
            if key[0] in listed and key not in keys_in_file
        ]
        report = self.report.sheets[sheet.name]
        for key, _obj in sorted(doomed, key=lambda item: tuple(str(k) for k in item[0])):
            report.rows.append(
                RowOutcome(None, " / ".join(str(k) for k in key if k not in (None, "")), DELETED)
            )
        self.deletions[sheet.name] = [obj for _key, obj in doomed]


# --- applying --------------------------------------------------------------------------


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Applier:
    def __init__(self, planner: _Planner):
        self.planner = planner
        self.db = planner.db
        self.now = timezone.now()
        self.org_ids = {acronym: org.pk for acronym, org in self.db.organisations.items()}
        self.mech_ids = {slug: m.pk for slug, m in self.db.mechanisms.items()}

    def run(self) -> None:
        plan = self.planner.plan
        self._organisations(plan.get("Organisations", []))
        self._mechanisms(plan.get("Mechanisms", []))
        self._sections(plan.get("Sections", []))
        self._participants(plan.get("Participants", []))
        self._links(plan.get("Links", []))
        self._documents(plan.get("Documents", []))
        for name, model in (
            ("Sections", Section),
            ("Participants", Participation),
            ("Links", MechanismLink),
            ("Documents", Document),
        ):
            doomed = [obj.pk for obj in self.planner.deletions.get(name, [])]
            for chunk in _chunks(doomed):
                model.objects.filter(pk__in=chunk).delete()

    def _organisations(self, entries) -> None:
        new, changed, fields = [], [], set()
        for row, existing, changed_columns in entries:
            values = row.values
            if existing is None:
                new.append(Organisation(**{k: v for k, v in values.items()}))
            else:
                for name in changed_columns:
                    setattr(existing, name, values[name])
                changed.append(existing)
                fields.update(changed_columns)
        Organisation.objects.bulk_create(new, batch_size=BATCH)
        if changed:
            Organisation.objects.bulk_update(changed, sorted(fields), batch_size=BATCH)
        self.org_ids.update({org.acronym: org.pk for org in new})

    def _set_mechanism(self, mechanism: Mechanism, values: dict, columns: Iterable[str]) -> set:
        fields = set()
        for name in columns:
            if name in ("regions", "thematic_areas", "slug"):
                continue
            value = values[name]
            if name == "regional_organisation":
                mechanism.regional_organisation_id = self.org_ids[value] if value else None
                fields.add("regional_organisation")
                continue
            attribute = MECHANISM_ATTRIBUTES.get(name, name)
            setattr(mechanism, attribute, value)
            fields.add(attribute)
            if name == "published" and value and mechanism.published_at is None:
                mechanism.published_at = self.now
                fields.add("published_at")
        return fields

    def _mechanisms(self, entries) -> None:
        new, changed, fields = [], [], {"updated_at"}
        m2m: list[tuple[str, dict]] = []
        for row, existing, changed_columns in entries:
            values = row.values
            if existing is None:
                mechanism = Mechanism(slug=values["slug"])
                self._set_mechanism(mechanism, values, values.keys())
                new.append(mechanism)
            else:
                existing.updated_at = self.now
                fields |= self._set_mechanism(existing, values, changed_columns)
                changed.append(existing)
            m2m.append((values["slug"], values))
        Mechanism.objects.bulk_create(new, batch_size=BATCH)
        self.mech_ids.update({m.slug: m.pk for m in new})
        if changed:
            Mechanism.objects.bulk_update(changed, sorted(fields), batch_size=BATCH)
        for column, through, target, current, vocabulary in (
            (
                "regions",
                Mechanism.regions.through,
                "region_id",
                self.db.region_through,
                self.db.regions,
            ),
            (
                "thematic_areas",
                Mechanism.thematic_areas.through,
                "thematicarea_id",
                self.db.theme_through,
                self.db.themes,
            ),
        ):
            ids = {item.slug: item.pk for item in vocabulary}
            add, remove = [], []
            for slug, values in m2m:
                if column not in values:
                    continue
                mechanism_id = self.mech_ids[slug]
                have = current.get(mechanism_id, {})
                for item in values[column] - set(have):
                    add.append(through(mechanism_id=mechanism_id, **{target: ids[item]}))
                remove += [pk for item, pk in have.items() if item not in values[column]]
            for chunk in _chunks(remove):
                through.objects.filter(pk__in=chunk).delete()
            through.objects.bulk_create(add, batch_size=BATCH)

    def _sections(self, entries) -> None:
        new, changed = [], []
        for row, existing, _changed_columns in entries:
            body = row.values["body"]
            if existing is None:
                new.append(
                    Section(
                        mechanism_id=self.mech_ids[row.values["mechanism"]],
                        topic_id=self.db.topics[row.values["topic"]].pk,
                        body=body,
                        body_html=render_markdown(body),
                    )
                )
            else:
                existing.body = body
                existing.body_html = render_markdown(body)
                existing.updated_at = self.now
                changed.append(existing)
        Section.objects.bulk_create(new, batch_size=BATCH)
        Section.objects.bulk_update(changed, ["body", "body_html", "updated_at"], batch_size=BATCH)

    def _children(self, model, entries, build, value_fields: dict[str, str]) -> None:
        new, changed, fields = [], [], set()
        for row, existing, changed_columns in entries:
            if existing is None:
                new.append(build(row.values))
            else:
                for name in changed_columns:
                    setattr(existing, value_fields[name], row.values[name])
                    fields.add(value_fields[name])
                changed.append(existing)
        model.objects.bulk_create(new, batch_size=BATCH)
        if changed:
            model.objects.bulk_update(changed, sorted(fields), batch_size=BATCH)

    def _participants(self, entries) -> None:
        def build(values):
            return Participation(
                mechanism_id=self.mech_ids[values["mechanism"]],
                country=values.get("country") or "",
                organisation_id=self.org_ids[values["organisation"]]
                if values.get("organisation")
                else None,
                role=values["role"],
                since=values["since"],
                until=values["until"],
                uncertain=values.get("unconfirmed", False),
                note=values.get("note", ""),
            )

        self._children(Participation, entries, build, {"unconfirmed": "uncertain", "note": "note"})

    def _links(self, entries) -> None:
        def build(values):
            return MechanismLink(
                mechanism_id=self.mech_ids[values["mechanism"]],
                other_mechanism_id=self.mech_ids[values["other_mechanism"]],
                kind=values["kind"],
                note=values["note"],
            )

        self._children(MechanismLink, entries, build, {"note": "note"})

    def _documents(self, entries) -> None:
        def build(values):
            return Document(
                mechanism_id=self.mech_ids[values["mechanism"]],
                title=values["title"],
                kind=values.get("kind", Document.Kind.OTHER),
                year=values["year"],
                publisher=values["publisher"],
                url=values["url"],
            )

        self._children(
            Document, entries, build, {n: n for n in ("kind", "year", "publisher", "url")}
        )


# --- entry point -----------------------------------------------------------------------


def import_workbook(
    *,
    source: IO[bytes],
    dry_run: bool = False,
    replace: bool = False,
    can_publish: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> ImportReport:
    """Validate the workbook in `source`, then (unless `dry_run`) apply it in one transaction.

    Nothing is written when any problem is found. `replace` also deletes, for every
    mechanism listed on the Mechanisms sheet, the sections, participants, links and
    documents that the workbook does not list. `can_publish` false refuses rows that
    would publish or unpublish a mechanism.
    """
    report = ImportReport(dry_run=dry_run, replace=replace)
    problems = _Problems(report)
    try:
        workbook = open_workbook(source, limits)
    except UnsafeFileError as error:
        problems.add(None, None, None, str(error))
        return report
    try:
        parsed = {}
        for sheet in spec.SHEETS:
            result = _read_sheet(workbook, sheet, problems, limits)
            if result is not None:
                parsed[sheet.name] = result
        known = {s.name.lower() for s in spec.SHEETS} | {spec.ABOUT_SHEET.lower()}
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

    planner = _Planner(parsed, problems, report, can_publish=can_publish, replace=replace)
    planner.run()
    order = {sheet.name: index for index, sheet in enumerate(spec.SHEETS)}
    report.problems.sort(key=lambda p: (order.get(p.sheet, -1), p.row or 0))
    if report.problems or dry_run:
        return report
    try:
        with transaction.atomic():
            _Applier(planner).run()
    except IntegrityError as error:
        problems.add(
            None, None, None, f"The database refused the changes, so nothing was written ({error})."
        )
        return report
    report.applied = True
    return report
