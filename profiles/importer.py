"""Importing the profiles app's sheets: check references, compare with the database, apply.

The engine (`workbook.engine`) has already read and parsed every cell; `ProfilesPlanner`
resolves vocabularies, organisations and mechanisms, compares each row with what is in
the database (loaded with a fixed number of queries), and applies the changes with bulk
writes (`profiles/applier.py`).
"""

from collections import defaultdict

from django.db.models import Max
from django.utils import timezone

from workbook.columns import Sheet, norm_text
from workbook.engine import DELETED, RowOutcome, SheetPlanner
from workbook.engine import changed_columns as diff_columns

from . import sheets
from .applier import Applier
from .models import (
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
from .rendering import (
    MAX_IMPORT_MARKDOWN_COST,
    markdown_cost,
    markdown_problem,
)

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
        return sheets.mechanism_row(
            mechanism,
            frozenset(self.region_through.get(mechanism.pk, {})),
            frozenset(self.theme_through.get(mechanism.pk, {})),
            self.org_acronym.get(mechanism.regional_organisation_id, ""),
        )


class ProfilesPlanner(SheetPlanner):
    """Plans and applies the profiles app's sheets (registered in `ProfilesConfig.ready`)."""

    apply_order = sheets.APPLY_ORDER

    def __init__(self, parsed, problems, report, options):
        super().__init__(parsed, problems, report, options)
        self.replace = options.replace
        self.db = _Database()
        # Mechanisms whose file version matched the database's: mechanism id → version,
        # checked again when the change set closes (`expect_version`, in the applier).
        self.expected_versions: dict[int, int] = {}
        # Slug → why its Mechanisms row was refused for its version (its other rows are too).
        self.version_refused: dict[str, str] = {}
        self.deletions: dict[str, list] = {}
        self.markdown_cost = 0  # of the section bodies, which the import renders
        self.markdown_chars = 0
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

    def after_sheet(self, sheet: Sheet, parsed) -> None:
        if self.replace and sheet.name not in ("Mechanisms", "Organisations"):
            self._plan_deletions(
                sheet, {tuple(r.values.get(name) for name in sheet.key) for r in parsed.rows}
            )

    def apply(self) -> None:
        Applier(self).run()

    # Each plan_<sheet> validates references and returns (existing object, changed fields).

    def plan_organisations(self, sheet, parsed, row):
        existing = self.db.organisations.get(row.values.get("acronym"))
        if existing is None:
            return None, []
        return existing, diff_columns(row.values, sheets.organisation_row(existing), parsed.columns)

    def plan_mechanisms(self, sheet, parsed, row):
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
        if existing is None:
            return None, []
        self._check_version(sheet, parsed, row, existing)
        current = self.db.mechanism_values(existing)
        compared = [
            c for c in parsed.columns if c != "slug" and c not in sheets.MECHANISM_READ_ONLY
        ]
        return existing, diff_columns(values, current, compared)

    def _check_version(self, sheet, parsed, row, existing: Mechanism) -> None:
        """No lost edits: a row exported from an older (or unknown) version is refused."""
        version = row.values.get("version")
        if version is None:
            return  # a hand-made file: no check
        slug = existing.slug
        if version == existing.version:
            self.expected_versions[existing.pk] = version
            return
        if version < existing.version:
            message = (
                f"“{slug}” was changed after this file was exported (file: version {version}, "
                f"now version {existing.version}{self._last_change(parsed, existing)}); "
                "export again and redo your edits"
            )
            self.version_refused[slug] = (
                f"“{slug}” was changed after this file was exported (Mechanisms!{row.number} "
                "is refused); export again and redo your edits"
            )
        else:
            message = (
                f"version {version} of “{slug}” is not a version this database has given out "
                f"(it is at version {existing.version}): export again from this site"
            )
            self.version_refused[slug] = (
                f"the version of “{slug}” on Mechanisms!{row.number} is not one this database "
                "has given out, so its other rows are refused too"
            )
        self.refuse(sheet, row, "version", message)

    def _last_change(self, parsed, mechanism: Mechanism) -> str:
        """“, last by alice on 2026-11-29 09:46 UTC via Workbook import x.xlsx”, or ""."""
        if not hasattr(self, "_last_changes"):
            # One query for every mechanism on the sheet that the file is behind.
            behind = []
            for r in parsed.rows:
                known = self.db.mechanisms.get(r.values.get("slug"))
                version = r.values.get("version")
                if known is not None and version is not None and version < known.version:
                    behind.append(known.pk)
            history = Mechanism.history
            latest = (
                history.filter(id__in=behind)
                .order_by()
                .values("id")
                .annotate(last=Max("history_id"))
                .values("last")
            )
            self._last_changes = {
                record.id: record
                for record in history.filter(history_id__in=latest).select_related(
                    "change_set", "history_user"
                )
            }
        record = self._last_changes.get(mechanism.pk)
        if record is None:
            return ""
        change_set = record.change_set
        who = (change_set.username if change_set else "") or (
            record.history_user.get_username() if record.history_user else "the command line"
        )
        when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M %Z")
        if change_set is not None:
            via = " ".join(filter(None, [change_set.get_via_display(), change_set.source]))
        else:
            via = record.history_change_reason or ""
        return f", last by {who} on {when}" + (f" via {via}" if via else "")

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
        if column == "mechanism" and slug in self.version_refused:
            self.refuse(sheet, row, column, self.version_refused[slug])
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
                    (db.mech_slug[d.mechanism_id], norm_text(d.title)): d
                    for d in Document.objects.all()
                }
        return cache[name]

    def plan_sections(self, sheet, parsed, row):
        slug = self._check_mechanism(sheet, row)
        topic = row.values.get("topic")
        if topic and topic not in self.db.topics:
            self.refuse(
                sheet,
                row,
                "topic",
                f"unknown topic “{topic}”; use one of " + ", ".join(self.db.topics),
            )
        body = row.values.get("body") or ""
        problem = markdown_problem(body)
        if problem:
            self.refuse(sheet, row, "body", problem)
        else:
            self.markdown_cost += markdown_cost(body)
            self.markdown_chars += len(body)
            limit = self.options.limits.max_markdown_chars
            if self.markdown_chars > limit:
                self.refuse(
                    sheet,
                    row,
                    "body",
                    f"the sections of this file hold more than {limit:,} characters in all, "
                    "more than one import here renders: split the file, or use `manage.py "
                    "import_workbook`",
                )
            elif self.markdown_cost > MAX_IMPORT_MARKDOWN_COST:
                self.refuse(
                    sheet,
                    row,
                    "body",
                    "the sections of this file hold too many “[” characters (links) in all "
                    "to be rendered in one import: split the file",
                )
        existing = self._existing_children(sheet.name).get((slug, topic))
        if existing is None:
            return None, []
        current = sheets.section_row(existing, slug, topic)
        return existing, diff_columns(row.values, current, ["body"])

    def plan_participants(self, sheet, parsed, row):
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
        current = sheets.participant_row(existing, slug, org or "")
        return existing, diff_columns(values, current, ["unconfirmed", "note"])

    def plan_links(self, sheet, parsed, row):
        slug = self._check_mechanism(sheet, row)
        other = self._check_mechanism(sheet, row, "other_mechanism")
        if slug and slug == other:
            self.refuse(sheet, row, "other_mechanism", "a mechanism cannot be linked to itself")
        key = (slug, other, row.values.get("kind"))
        existing = self._existing_children(sheet.name).get(key)
        if existing is None:
            return None, []
        current = sheets.link_row(existing, slug, other)
        return existing, diff_columns(row.values, current, ["note"])

    def plan_documents(self, sheet, parsed, row):
        slug = self._check_mechanism(sheet, row)
        existing = self._existing_children(sheet.name).get((slug, row.values.get("title")))
        if existing is None:
            return None, []
        current = sheets.document_row(existing, slug)
        return existing, diff_columns(row.values, current, ["kind", "year", "publisher", "url"])

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
