"""Recording writes as change sets: the part of the write gateway every app shares.

A gateway (e.g. `profiles.services`) opens `recording(actor)` around a write. Inside it:

- single saves and deletes of models with `HistoricalRecords` are recorded by
  django-simple-history's signals, and `attribute_record` stamps them with the open
  change set, its user and source;
- bulk writes go through `bulk_create` / `bulk_update` below, which call
  django-simple-history's `bulk_create_with_history` / `bulk_update_with_history` with
  the same attribution;
- the `ChangeSet` row is created only when the first record is written, so that a save
  that changes nothing leaves no trace at all.

Recordings nest: an inner `recording()` joins the outer one (a findings import run by the
demo loader is part of the demo's change set).
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import ChangeSet

BATCH = 500


@dataclass(frozen=True)
class Actor:
    """Who writes (a user, or nobody for the command line), through what and from where."""

    user: object | None
    via: str
    source: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest, via: str, source: str = "") -> "Actor":
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, via=via, source=source or request.path)

    @classmethod
    def command(cls, source: str, via: str = ChangeSet.Via.COMMAND) -> "Actor":
        return cls(user=None, via=via, source=source)

    @property
    def username(self) -> str:
        return self.user.get_username() if self.user is not None else ""


@dataclass
class Recording:
    actor: Actor
    date: datetime = field(default_factory=timezone.now)
    change_set: ChangeSet | None = None
    # What a gateway wants to finish before the change set closes, e.g. "mechanism" → ids
    # whose version must be bumped. Keys are the gateway's own.
    touched: dict[str, set] = field(default_factory=dict)
    _closing: list[Callable[["Recording"], None]] = field(default_factory=list)

    def ensure(self) -> ChangeSet:
        """The change set, created on first use."""
        if self.change_set is None:
            self.change_set = ChangeSet.objects.create(
                user=self.actor.user,
                username=self.actor.username,
                via=self.actor.via,
                source=self.actor.source[:500],
            )
        return self.change_set

    @property
    def wrote(self) -> bool:
        return self.change_set is not None

    def touch(self, key: str, *ids) -> None:
        self.touched.setdefault(key, set()).update(ids)

    def on_close(self, callback: Callable[["Recording"], None]) -> None:
        """Run `callback` once, just before the change set closes (inside its transaction)."""
        if callback not in self._closing:
            self._closing.append(callback)

    def add_summary(self, text: str) -> None:
        change_set = self.ensure()
        change_set.summary = f"{change_set.summary}\n{text}".strip()
        change_set.save(update_fields=["summary"])

    def history_attrs(self) -> dict:
        return {
            "default_user": self.actor.user,
            "default_change_reason": ChangeSet.Via(self.actor.via).label,
            "default_date": self.date,
            "custom_historical_attrs": {"change_set": self.ensure()},
        }


class Conflict(Exception):
    """Someone else changed the rows meanwhile: the change set is refused and rolled back."""


_current: ContextVar[Recording | None] = ContextVar("history_recording", default=None)


def current() -> Recording | None:
    return _current.get()


@contextmanager
def recording(actor: Actor) -> Iterator[Recording]:
    """Everything written inside is one change set, attributed to `actor`, all or nothing."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    rec = Recording(actor=actor)
    token = _current.set(rec)
    try:
        with transaction.atomic():
            yield rec
            # Callbacks may register others or touch more rows: run until none is left
            # (none at all when the writes are being rolled back, e.g. a failed import).
            done = 0
            while done < len(rec._closing) and not transaction.get_rollback():
                rec._closing[done](rec)
                done += 1
    finally:
        _current.reset(token)


def _open() -> Recording:
    rec = _current.get()
    if rec is None:
        raise RuntimeError("Bulk writes to versioned models must happen inside recording().")
    return rec


def bulk_create(model: type[models.Model], objs: Sequence[models.Model]) -> list:
    """`bulk_create` plus one history record per row, in the open change set."""
    if not objs:
        return []
    return bulk_create_with_history(list(objs), model, batch_size=BATCH, **_open().history_attrs())


def bulk_update(model: type[models.Model], objs: Sequence[models.Model], fields: list[str]) -> None:
    """`bulk_update` plus one history record per row, in the open change set."""
    if not objs:
        return
    bulk_update_with_history(
        list(objs), model, sorted(fields), batch_size=BATCH, **_open().history_attrs()
    )


def attribute_record(sender, instance, history_instance, **kwargs) -> None:
    """Stamp a history record written by a signal with the open change set, if any."""
    rec = _current.get()
    if rec is None:
        return
    history_instance.change_set = rec.ensure()
    history_instance.history_user = rec.actor.user
    history_instance.history_change_reason = ChangeSet.Via(rec.actor.via).label
