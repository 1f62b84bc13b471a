"""The profiles write gateway: every write to a mechanism and what it holds passes here.

Open `editing(actor)` around a write (the admin, the per-model import, the workbook
import, a findings document, the demo loader, a restore, a publication). Inside it:

- `save_object` / `delete_object` write one row, normalised the way the workbook
  normalises text; a row whose normalised values equal the database's is not written,
  so a save that changes nothing writes nothing (and records nothing);
- bulk writers (`profiles.applier`) use `history.recording.bulk_create` / `bulk_update`
  and call `touch()` for the mechanisms they change;
- when the change set closes, every touched mechanism's `version` goes up by one (checked
  against the version the editor started from, see `expect_version`: a stale form or
  workbook row is refused, and the whole change rolls back) and gets exactly one history
  record, which carries the version and its regions and thematic areas. A profile's
  versions are these records.

Section HTML is rendered in `prepare_section` only.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import models
from django.db.models import F

from history.models import ChangeSet
from history.recording import BATCH, Actor, Conflict, Recording, current, recording
from workbook.columns import norm_aliases, norm_text

from ..models import Mechanism, Section
from ..rendering import render_markdown

__all__ = [
    "Actor",
    "ChangeSet",
    "StaleEdit",
    "delete_object",
    "editing",
    "expect_version",
    "prepare_section",
    "save_object",
    "touch",
]


class StaleEdit(Conflict):
    """The mechanism changed since the editor's copy was made; nothing was written."""

    def __init__(self, mechanism_id: int, expected: int):
        self.mechanism_id = mechanism_id
        self.expected = expected
        super().__init__(
            f"Mechanism {mechanism_id} is no longer at version {expected}: someone else "
            "changed it meanwhile."
        )


@contextmanager
def editing(actor: Actor) -> Iterator[Recording]:
    """One attributed, all-or-nothing change set over profiles (joins an open one)."""
    with recording(actor) as rec:
        rec.on_close(_close)
        yield rec


def _open() -> Recording:
    rec = current()
    if rec is None:
        raise RuntimeError("Profiles are written inside profiles.services.editing() only.")
    rec.on_close(_close)
    return rec


def touch(*mechanism_ids: int, created: bool = False) -> None:
    """Mark mechanisms as changed in the open change set (their version goes up once)."""
    rec = _open()
    rec.touch("mechanism", *mechanism_ids)
    if created:
        rec.touch("mechanism_created", *mechanism_ids)


def expect_version(mechanism_id: int, version: int) -> None:
    """The write is based on `version` of the mechanism: refuse it if that is no longer so."""
    _open().touch("expected", (mechanism_id, version))


def normalise(obj: models.Model) -> None:
    """Text as the workbook stores it: `\\n` line ends, no surrounding blanks."""
    for field in obj._meta.concrete_fields:
        if isinstance(field, models.CharField | models.TextField) and field.editable:
            value = getattr(obj, field.attname)
            if isinstance(value, str):
                setattr(obj, field.attname, norm_text(value))
    if isinstance(obj, Mechanism):
        obj.aliases = norm_aliases(obj.aliases)


def _changed_fields(obj: models.Model) -> list[str]:
    names = [
        f.attname
        for f in obj._meta.concrete_fields
        if f.editable and not f.primary_key and not getattr(f, "auto_now", False)
    ]
    stored = type(obj)._default_manager.filter(pk=obj.pk).values(*names).first()
    if stored is None:
        return names
    return [name for name in names if stored[name] != getattr(obj, name)]


def prepare_section(section: Section) -> None:
    """The one place a section's HTML is rendered (and sanitised) from its Markdown."""
    section.body_html = render_markdown(section.body)


def mechanism_id_of(obj: models.Model) -> int | None:
    if isinstance(obj, Mechanism):
        return obj.pk
    return getattr(obj, "mechanism_id", None)


def save_object(obj: models.Model) -> bool:
    """Save one mechanism or child row if it differs from the database; say whether it did."""
    _open()
    normalise(obj)
    adding = obj._state.adding or obj.pk is None
    changed = [] if adding else _changed_fields(obj)
    if not adding and not changed:
        return False
    if isinstance(obj, Section):
        prepare_section(obj)
        changed.append("body_html")
    if isinstance(obj, Mechanism):
        # Its one history record per change set is written when the change set closes.
        obj.skip_history_when_saving = True
    if adding:
        obj.save()
    else:
        # Only what changed: never a stale `version` or another writer's columns.
        auto_now = [f.name for f in obj._meta.concrete_fields if getattr(f, "auto_now", False)]
        obj.save(update_fields=changed + auto_now)
    if isinstance(obj, Mechanism):
        del obj.skip_history_when_saving
    mechanism_id = mechanism_id_of(obj)
    if mechanism_id is not None:
        touch(mechanism_id, created=adding and isinstance(obj, Mechanism))
    return True


def delete_object(obj: models.Model) -> None:
    _open()
    mechanism_id = mechanism_id_of(obj)
    obj.delete()
    if mechanism_id is not None and not isinstance(obj, Mechanism):
        touch(mechanism_id)


def _chunks(ids: Iterable, size: int = BATCH):
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _close(rec: Recording) -> None:
    ids = rec.touched.get("mechanism", set())
    if not ids:
        return
    existing: set[int] = set()
    for chunk in _chunks(ids):
        existing.update(Mechanism.objects.filter(pk__in=chunk).values_list("pk", flat=True))
    expected = dict(rec.touched.get("expected", ()))
    by_version: dict[int, list[int]] = defaultdict(list)
    for pk, version in expected.items():
        if pk in existing:
            by_version[version].append(pk)
    for version, pks in by_version.items():
        for chunk in _chunks(pks):
            # Conditional UPDATEs, one per version and chunk (not per mechanism): atomic
            # against a concurrent writer on both databases.
            moved = Mechanism.objects.filter(pk__in=chunk, version=version).update(
                version=version + 1, updated_at=rec.date
            )
            if moved != len(chunk):
                stale = Mechanism.objects.filter(pk__in=chunk).exclude(version=version + 1)
                raise StaleEdit(stale.values_list("pk", flat=True).first() or chunk[0], version)
    # A mechanism created in this change set starts at version 1.
    created = rec.touched.get("mechanism_created", set())
    for chunk in _chunks(existing - expected.keys() - created):
        Mechanism.objects.filter(pk__in=chunk).update(version=F("version") + 1, updated_at=rec.date)
    record_versions(rec, existing)
    rec.touched["mechanism"] = set()  # recorded: a later callback may touch others
    rec.touched["mechanism_created"] = set()


def record_versions(rec: Recording, ids: Iterable[int]) -> None:
    """One history record per mechanism: its state (and vocabularies) as the set closes."""
    history = Mechanism.history.model
    created = rec.touched.get("mechanism_created", set())
    change_set = rec.ensure()
    reason = ChangeSet.Via(rec.actor.via).label
    tracked = [f.attname for f in history.tracked_fields]
    records = []
    for chunk in _chunks(ids):
        for mechanism in Mechanism.objects.filter(pk__in=chunk).prefetch_related(
            "regions", "thematic_areas"
        ):
            records.append(
                history(
                    history_date=rec.date,
                    history_user=rec.actor.user,
                    history_change_reason=reason,
                    history_type="+" if mechanism.pk in created else "~",
                    change_set=change_set,
                    region_keys="; ".join(sorted(r.slug for r in mechanism.regions.all())),
                    theme_keys="; ".join(sorted(t.slug for t in mechanism.thematic_areas.all())),
                    **{name: getattr(mechanism, name) for name in tracked},
                )
            )
    history.objects.bulk_create(records, batch_size=BATCH)
