"""Applying the profiles app's planned rows: bulk writes, inside the engine's transaction.

`ProfilesPlanner.apply()` (profiles/importer.py) hands its plan here; the number of queries
does not grow with the number of rows (apart from batching in chunks of `BATCH`).
"""

from collections.abc import Iterable

from django.utils import timezone

from history.recording import bulk_create, bulk_update

from .models import (
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    Section,
)
from .services.changes import expect_version, prepare_section, touch
from .sheets import MECHANISM_ATTRIBUTES, MECHANISM_READ_ONLY

BATCH = 500


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Applier:
    def __init__(self, planner):
        self.planner = planner
        self.db = planner.db
        self.now = timezone.now()
        self.org_ids = {acronym: org.pk for acronym, org in self.db.organisations.items()}
        self.mech_ids = {slug: m.pk for slug, m in self.db.mechanisms.items()}

    def run(self) -> None:
        """Write the plan inside the engine's change set (`touch` marks what changed)."""
        plan = self.planner.plan
        # The versions the file's rows were checked against: a mechanism changed by
        # someone else since the check is refused when the change set closes (StaleEdit).
        for mechanism_id, version in self.planner.expected_versions.items():
            expect_version(mechanism_id, version)
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
            doomed = self.planner.deletions.get(name, [])
            touch(*{obj.mechanism_id for obj in doomed})
            for chunk in _chunks([obj.pk for obj in doomed]):
                # One history record per row, through django-simple-history's signals.
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
        bulk_create(Organisation, new)
        bulk_update(Organisation, changed, fields)
        self.org_ids.update({org.acronym: org.pk for org in new})

    def _set_mechanism(self, mechanism: Mechanism, values: dict, columns: Iterable[str]) -> set:
        fields = set()
        for name in columns:
            if name in ("regions", "thematic_areas", "slug") or name in MECHANISM_READ_ONLY:
                continue
            value = values[name]
            if name == "regional_organisation":
                mechanism.regional_organisation_id = self.org_ids[value] if value else None
                fields.add("regional_organisation")
                continue
            attribute = MECHANISM_ATTRIBUTES.get(name, name)
            setattr(mechanism, attribute, value)
            fields.add(attribute)
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
        # No history here: each touched mechanism gets one record when the change set closes.
        Mechanism.objects.bulk_create(new, batch_size=BATCH)
        self.mech_ids.update({m.slug: m.pk for m in new})
        if changed:
            Mechanism.objects.bulk_update(changed, sorted(fields), batch_size=BATCH)
        touch(*(m.pk for m in new), created=True)
        touch(*(m.pk for m in changed))
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
            touch(*(row.mechanism_id for row in add))

    def _sections(self, entries) -> None:
        new, changed = [], []
        for row, existing, _changed_columns in entries:
            body = row.values["body"]
            if existing is None:
                section = Section(
                    mechanism_id=self.mech_ids[row.values["mechanism"]],
                    topic_id=self.db.topics[row.values["topic"]].pk,
                    body=body,
                )
                prepare_section(section)
                new.append(section)
            else:
                existing.body = body
                prepare_section(existing)
                existing.updated_at = self.now
                changed.append(existing)
        bulk_create(Section, new)
        bulk_update(Section, changed, ["body", "body_html", "updated_at"])
        touch(*(s.mechanism_id for s in new + changed))

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
        bulk_create(model, new)
        bulk_update(model, changed, fields)
        touch(*(obj.mechanism_id for obj in new + changed))

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
