"""A mechanism's version records: finding them, and who wrote each one, from where, when."""

from datetime import datetime

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.dateformat import format as date_format

from history.models import ChangeSet

from ..models import Mechanism

HistoricalMechanism = Mechanism.history.model


class VersionNotFound(ValueError):
    """No such version of this mechanism."""


# --- versions ----------------------------------------------------------------------------


def version_records(mechanism_id: int) -> QuerySet:
    """The mechanism's versions, newest first: one record per version number.

    Writes that bypassed the gateway may have left several records with one number; the
    latest of them stands for the version.
    """
    latest = (
        HistoricalMechanism.objects.filter(id=mechanism_id)
        .exclude(history_type="-")
        .order_by()
        .values("version")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    return (
        HistoricalMechanism.objects.filter(history_id__in=latest)
        .select_related("change_set", "history_user")
        .order_by("-version", "-history_id")
    )


def version_record(mechanism: Mechanism, number: int):
    """Version `number` of `mechanism` (a `HistoricalMechanism` record)."""
    record = version_records(mechanism.pk).filter(version=number).first()
    if record is None:
        raise VersionNotFound(f"{mechanism} has no version {number}.")
    return record


def previous_version_number(mechanism: Mechanism, number: int) -> int | None:
    return (
        version_records(mechanism.pk)
        .filter(version__lt=number)
        .values_list("version", flat=True)
        .first()
    )


# --- who, from where, when ---------------------------------------------------------------


def who(record, change_set: ChangeSet | None) -> str:
    if change_set is not None:
        return change_set.username or "the command line"
    user = record.history_user
    return user.get_username() if user is not None else "someone"


def origin(change_set: ChangeSet | None) -> str:
    """Where a change came from: "Workbook import iscm.xlsx", "Admin change page"…"""
    if change_set is None:
        return "outside the history"
    label = change_set.get_via_display()
    source = change_set.source
    # A page's own address says nothing the label does not.
    return f"{label} {source}" if source and not source.startswith("/") else label


def when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return date_format(local, "H:i")
    return date_format(local, "j M Y, H:i")
