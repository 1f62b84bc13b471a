"""Restoring an earlier version of a profile: the working rows become that version again.

`restore(mechanism, version)` rebuilds the version (`profiles.versions`), compares it with
the working rows by their natural keys (the workbook's: topic, participant × role ×
period, other mechanism × kind, document title) and writes only the difference through
the gateway (`save_object` / `delete_object`, regions and thematic areas with `touch`), in
one change set: via "restore", source "version N". So a restore is itself a new,
attributed version. It does not publish (nor unpublish): the public sees it once a
publisher publishes. Restoring a version equal to the working copy writes nothing.

What a version names must still exist (organisations, the other end of each link, regions,
themes, topics), and its name and slug must not have been taken by another mechanism
since: otherwise the restore is refused with a `RestoreError` saying what is missing, and
nothing is written.
"""

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from ..models import Mechanism, Organisation, Region, ThematicArea, Topic
from ..sheets import MECHANISMS, SHEETS_BY_NAME
from ..versions import (
    CHILD_MODELS,
    FACTS_NOT_COMPARED,
    HistoricalMechanism,
    Rebuilt,
    rebuild,
    version_record,
)
from .changes import (
    Actor,
    ChangeSet,
    StaleEdit,
    delete_object,
    editing,
    expect_version,
    save_object,
    touch,
)


class RestoreError(ValueError):
    """The version cannot be restored as it is; the message says why, for the editor."""


@dataclass(frozen=True)
class RestoreResult:
    restored: int  # the version restored
    changed: bool  # False: the working copy already was that version
    version: int  # the mechanism's version now
    change_set: ChangeSet | None


def restore(
    mechanism: Mechanism,
    version: "int | HistoricalMechanism",
    *,
    user=None,
    expected_version: int | None = None,
) -> RestoreResult:
    """Make `mechanism`'s working rows equal to its version `version` (a number or record).

    `user` is who restores (None: the command line). With `expected_version`, the restore
    is refused (`StaleEdit`) if the mechanism has moved on from the version the editor
    looked at. A version of another mechanism raises ValueError; a missing one,
    `profiles.versions.VersionNotFound` (a ValueError too).
    """
    if isinstance(version, HistoricalMechanism):
        record = version
        if record.id != mechanism.pk:
            raise ValueError(
                f"Version {record.version} belongs to another mechanism, not to {mechanism}."
            )
    else:
        record = version_record(mechanism, version)
    rebuilt = rebuild(record)
    actor = Actor(user=user, via=ChangeSet.Via.RESTORE, source=f"version {record.version}")
    with editing(actor) as rec:
        current = Mechanism.objects.get(pk=mechanism.pk)
        if expected_version is not None and current.version != expected_version:
            raise StaleEdit(current.pk, expected_version)
        expect_version(current.pk, current.version)
        writer = _Writer(current, rebuilt)
        changed = writer.run()
        if changed:
            rec.add_summary(f"Restored {current.name} to version {record.version}.")
            change_set = rec.ensure()
        else:
            change_set = None
    now = Mechanism.objects.values_list("version", flat=True).get(pk=mechanism.pk)
    return RestoreResult(record.version, changed, now, change_set)


def restore_problems(mechanism: Mechanism, rebuilt: Rebuilt) -> list[str]:
    """What would make restoring `rebuilt` (`profiles.versions.rebuild`) fail; writes nothing."""
    return _Writer(mechanism, rebuilt).plan()


def _attname(model: type[models.Model], column) -> str:
    return model._meta.get_field(column.field_name).attname


class _Writer:
    """Works out the rows a version needs, then writes the difference."""

    def __init__(self, mechanism: Mechanism, rebuilt: Rebuilt):
        self.mechanism = mechanism
        self.rebuilt = rebuilt
        self.content = rebuilt.content
        self.problems: list[str] = []
        self.topics = dict(Topic.objects.values_list("key", "pk"))
        wanted_orgs = set(rebuilt.organisation_ids.values())
        existing = set(Organisation.objects.filter(pk__in=wanted_orgs).values_list("pk", flat=True))
        self.organisations = {
            acronym: pk for acronym, pk in rebuilt.organisation_ids.items() if pk in existing
        }
        wanted = set(rebuilt.mechanism_ids.values())
        existing = set(Mechanism.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        self.mechanisms = {slug: pk for slug, pk in rebuilt.mechanism_ids.items() if pk in existing}

    def _ref(self, column, value):
        """The id a reference cell stands for (None if empty; a problem if it is gone)."""
        if not value:
            return None
        lookups = {
            "organisations": (self.organisations, "organisation"),
            "topics": (self.topics, "topic"),
            "mechanisms": (self.mechanisms, "mechanism"),
        }
        found, noun = lookups[column.vocabulary]
        if value not in found:
            self.problems.append(f"The {noun} “{value}” of this version no longer exists.")
        return found.get(value)

    def _values(self, model: type[models.Model], sheet, row: dict) -> dict:
        values = {}
        for column in sheet.columns:
            if (
                column.name not in row
                or column.name in FACTS_NOT_COMPARED
                or column.name == "mechanism"
                or column.type == "keys"
            ):
                continue
            value = row[column.name]
            if column.type == "ref":
                value = self._ref(column, value)
            values[_attname(model, column)] = value
        return values

    def _vocabulary(self, model, slugs: list[str], noun: str) -> list[int]:
        found = dict(model.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        for slug in slugs:
            if slug not in found:
                self.problems.append(f"The {noun} “{slug}” of this version no longer exists.")
        return sorted(found.values())

    def plan(self) -> list[str]:
        """Work out the rows the version needs; return what stands in the way (if anything)."""
        mechanism = self.mechanism
        facts = self.content["Mechanisms"][0]
        self.fields = self._values(Mechanism, MECHANISMS, facts)
        self.regions = self._vocabulary(Region, facts["regions"], "region")
        self.themes = self._vocabulary(ThematicArea, facts["thematic_areas"], "thematic area")
        self.children = {}
        for sheet_name, model in CHILD_MODELS.items():
            sheet = SHEETS_BY_NAME[sheet_name]
            keys = [_attname(model, sheet.column_map[n]) for n in sheet.key if n != "mechanism"]
            wanted = {}
            for row in self.content[sheet_name]:
                values = self._values(model, sheet, row)
                wanted[tuple(values[k] for k in keys)] = values
            self.children[model] = (keys, wanted)
        taken = Mechanism.objects.exclude(pk=mechanism.pk).filter(
            Q(slug=self.fields["slug"]) | Q(name=self.fields["name"])
        )
        for other in taken:
            same = "slug" if other.slug == self.fields["slug"] else "name"
            self.problems.append(f"Another mechanism, {other}, now has this version's {same}.")
        return self.problems

    def run(self) -> bool:
        """Write the difference (through the gateway); say whether anything was written."""
        if self.plan():
            raise RestoreError(" ".join(self.problems))
        mechanism, fields = self.mechanism, self.fields
        regions, themes, children = self.regions, self.themes, self.children
        changed = False
        # Deletions first: a row that comes back under the same natural key is updated.
        plans = []
        for model, (keys, wanted) in children.items():
            current = {}
            for obj in model.objects.filter(mechanism=mechanism).order_by("pk"):
                current[tuple(_plain(getattr(obj, k)) for k in keys)] = obj
            for key, obj in current.items():
                if key not in wanted:
                    delete_object(obj)
                    changed = True
            plans.append((model, wanted, current))
        for name, value in fields.items():
            setattr(mechanism, name, value)
        changed |= save_object(mechanism)
        for relation, ids in (("regions", regions), ("thematic_areas", themes)):
            manager = getattr(mechanism, relation)
            if sorted(manager.values_list("pk", flat=True)) != ids:
                manager.set(ids)
                touch(mechanism.pk)
                changed = True
        for model, wanted, current in plans:
            for key, values in wanted.items():
                obj = current.get(key)
                if obj is not None and all(
                    _plain(getattr(obj, name)) == value for name, value in values.items()
                ):
                    continue  # as the version has it: not even a query
                obj = obj or model(mechanism=mechanism)
                for name, value in values.items():
                    setattr(obj, name, value)
                changed |= save_object(obj)
        return changed


def _plain(value):
    """A model attribute as the workbook compares it (a country as its code)."""
    return value if value is None or isinstance(value, int | str) else str(value)
