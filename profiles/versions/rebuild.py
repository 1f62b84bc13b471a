"""A profile as of a version, as it is now (the working copy), and as the public sees it.

Version N's profile is rebuilt as of its change set: see the package's docstring
(`profiles.versions`). Each rebuild costs a constant number of queries (about a dozen),
whatever the number of rows or versions.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, Max, Model, OuterRef, Q, QuerySet
from django.utils import timezone

from history.models import ChangeSet

from .. import sheets as spec
from ..exporter import participant_order
from ..models import (
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    PublishedProfile,
    Section,
    Topic,
)
from .records import version_record

CHILD_MODELS: dict[str, type[Model]] = {
    "Sections": Section,
    "Participants": Participation,
    "Links": MechanismLink,
    "Documents": Document,
}
CHILD_SHEETS = tuple(CHILD_MODELS)


def empty_contents() -> dict[str, list]:
    """A profile with nothing in it: what the first version is compared with."""
    return {"Mechanisms": [], **{sheet: [] for sheet in CHILD_SHEETS}, "Organisations": []}


# --- rebuilding a version ------------------------------------------------------------------


@dataclass(frozen=True)
class Cutoff:
    """Which history records a version includes."""

    change_set_id: int  # records of this change set and of every earlier one
    moment: datetime  # records written outside any change set up to this moment

    def q(self) -> Q:
        return Q(change_set_id__lte=self.change_set_id) | Q(
            change_set__isnull=True, history_date__lte=self.moment
        )


def cutoff_of(record) -> Cutoff:
    if record.change_set_id is not None:
        return Cutoff(record.change_set_id, record.change_set.created_at)
    # A version written outside any change set: everything recorded until then.
    before = ChangeSet.objects.filter(created_at__lte=record.history_date)
    return Cutoff(before.aggregate(last=Max("pk"))["last"] or 0, record.history_date)


@dataclass
class Rebuilt:
    """A version's profile, and the rows its natural keys stand for (for a restore)."""

    record: object
    content: dict[str, list]
    organisation_ids: dict[str, int] = field(default_factory=dict)  # acronym → id
    mechanism_ids: dict[str, int] = field(default_factory=dict)  # link target slug → id


def _latest_per_row(history: type[Model], cutoff: Cutoff, rows: QuerySet) -> QuerySet:
    """History records: the latest of each row among `rows` (a queryset of `id`s)."""
    latest = (
        history.objects.filter(cutoff.q(), id__in=rows)
        .order_by()
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    return history.objects.filter(history_id__in=latest).order_by()


def _children_as_of(model: type[Model], mechanism_id: int, cutoff: Cutoff) -> list:
    """The mechanism's rows of `model` as of `cutoff`: two queries."""
    history = model.history.model
    ever = history.objects.filter(mechanism_id=mechanism_id).values("id")
    records = list(
        _latest_per_row(history, cutoff, ever)
        .filter(mechanism_id=mechanism_id)
        .exclude(history_type="-")
    )
    untracked = model.objects.filter(mechanism_id=mechanism_id).filter(
        ~Exists(history.objects.filter(id=OuterRef("pk")))
    )
    return records + list(untracked.order_by())


def _rows_as_of(model: type[Model], ids: set[int], cutoff: Cutoff) -> dict[int, object]:
    """Id → the row (history record, or the row itself if it has none) as of `cutoff`."""
    if not ids:
        return {}
    history = model.history.model
    found = {r.id: r for r in _latest_per_row(history, cutoff, sorted(ids))}
    missing = ids - found.keys()
    if missing:  # older than the history: as they are now
        found.update({row.pk: row for row in model.objects.filter(pk__in=sorted(missing))})
    missing = ids - found.keys()
    if missing:  # gone since, and recorded only later: their last record
        everything = Cutoff(change_set_id=2**62, moment=timezone.now())
        found.update({r.id: r for r in _latest_per_row(history, everything, sorted(missing))})
    return found


def rebuild(record) -> Rebuilt:
    """The profile as of the version `record` (a `HistoricalMechanism` record)."""
    cutoff = cutoff_of(record)
    rows = {
        sheet: _children_as_of(model, record.id, cutoff) for sheet, model in CHILD_MODELS.items()
    }
    organisations = _rows_as_of(
        Organisation,
        ({record.regional_organisation_id} | {p.organisation_id for p in rows["Participants"]})
        - {None},
        cutoff,
    )
    targets = _rows_as_of(Mechanism, {k.other_mechanism_id for k in rows["Links"]}, cutoff)
    # As in the working copy, a link is listed only while its other end exists.
    rows["Links"] = [k for k in rows["Links"] if k.other_mechanism_id in targets]
    topics = {t.pk: t for t in Topic.objects.all()}

    def acronym(pk: int | None) -> str:
        return organisations[pk].acronym if pk else ""

    slug = record.slug
    facts = spec.mechanism_row(
        record,
        _keys(record.region_keys),
        _keys(record.theme_keys),
        acronym(record.regional_organisation_id),
    )
    del facts["published"]
    sections = sorted(rows["Sections"], key=lambda s: topics[s.topic_id].order)
    participants = sorted(rows["Participants"], key=lambda p: participant_order(p, acronym))
    links = sorted(rows["Links"], key=lambda k: (targets[k.other_mechanism_id].slug, k.kind))
    documents = sorted(rows["Documents"], key=lambda d: d.title)
    content = {
        "Mechanisms": [{k: sorted(v) if isinstance(v, frozenset) else v for k, v in facts.items()}],
        "Sections": [spec.section_row(s, slug, topics[s.topic_id].key) for s in sections],
        "Participants": [
            spec.participant_row(p, slug, acronym(p.organisation_id)) for p in participants
        ],
        "Links": [spec.link_row(k, slug, targets[k.other_mechanism_id].slug) for k in links],
        "Documents": [spec.document_row(d, slug) for d in documents],
        "Organisations": [
            spec.organisation_row(o)
            for o in sorted(organisations.values(), key=lambda o: o.acronym)
        ],
    }
    return Rebuilt(
        record=record,
        content=content,
        organisation_ids={o.acronym: pk for pk, o in organisations.items()},
        mechanism_ids={m.slug: pk for pk, m in targets.items()},
    )


def _keys(text: str) -> frozenset:
    return frozenset(part.strip() for part in (text or "").split(";") if part.strip())


def version_contents(mechanism: Mechanism, number: int) -> dict[str, list]:
    return rebuild(version_record(mechanism, number)).content


def working_contents(mechanism: Mechanism) -> dict[str, list]:
    """The working copy: the editable rows as they are now."""
    from ..services.publishing import profile_contents  # the gateway imports this module

    return profile_contents(Mechanism.objects.filter(pk=mechanism.pk))[mechanism.slug]


def published_contents(mechanism: Mechanism) -> tuple[int, dict] | None:
    """(version, content) of what the public sees, or None if it is not published."""
    return (
        PublishedProfile.objects.filter(mechanism=mechanism)
        .values_list("version", "content")
        .first()
    )
