"""What changed since a version: the versions after it, and one sentence for a stale edit."""

from collections.abc import Sequence

from history.models import ChangeSet

from ..models import Mechanism
from .diff import diff_contents
from .rebuild import rebuild
from .records import origin, version_records, when, who

# --- what changed since a version ------------------------------------------------------------


def changes_since(mechanism: Mechanism, version: int) -> list[tuple[object, ChangeSet | None]]:
    """(version record, its change set) of every version after `version`, oldest first."""
    records = version_records(mechanism.pk).filter(version__gt=version).order_by("version")
    return [(record, record.change_set) for record in records]


MAX_NAMED_CHANGES = 3


def describe_changes_since(mechanism: Mechanism, version: int) -> str:
    """One sentence for a stale edit: who changed the profile since `version`, and what.

    "Changed meanwhile by alice at 10:02 (Workbook import iscm.xlsx): summary, section 2,
    participants". Empty if nothing changed since.
    """
    changes = changes_since(mechanism, version)
    if not changes:
        return ""
    named = [f"{who(r, cs)} at {when(r.history_date)} ({origin(cs)})" for r, cs in changes]
    if len(named) > MAX_NAMED_CHANGES:
        named = [*named[: MAX_NAMED_CHANGES - 1], f"{len(named) - MAX_NAMED_CHANGES + 1} more"]
    text = "Changed meanwhile by " + _and(named)
    old = version_records(mechanism.pk).filter(version=version).first()
    if old is None:
        return text
    parts = diff_contents(rebuild(old).content, rebuild(changes[-1][0]).content).parts()
    return f"{text}: {', '.join(parts)}" if parts else text


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
