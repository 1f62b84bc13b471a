"""Reads that serve the public pages (and, later, exports).

Public views only ever read through this module, so that where published content comes
from (today: mechanisms flagged as published; later: published versions of drafts) can
change here without touching views or templates. Every function returns data with its
relations prefetched: query counts do not grow with the number of rows shown.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from .models import (
    Document,
    Mechanism,
    MechanismLink,
    Participation,
    Region,
    Section,
    ThematicArea,
)


def published_mechanisms() -> QuerySet[Mechanism]:
    """Every mechanism the public may see."""
    return Mechanism.objects.filter(is_published=True)


def mechanism_list(
    *,
    kind: str = "",
    region: Region | None = None,
    theme: ThematicArea | None = None,
    status: str = "",
    q: str = "",
) -> QuerySet[Mechanism]:
    """Published mechanisms for the list page, filtered, with what the list shows."""
    mechanisms = published_mechanisms()
    if kind:
        mechanisms = mechanisms.filter(kind=kind)
    if region is not None:
        mechanisms = mechanisms.filter(regions=region)
    if theme is not None:
        mechanisms = mechanisms.filter(thematic_areas=theme)
    if status:
        mechanisms = mechanisms.filter(status=status)
    for word in q.split():
        # A simple search that behaves the same on SQLite and PostgreSQL: every word must
        # appear in the name, short name, aliases or summary.
        mechanisms = mechanisms.filter(
            Q(name__icontains=word)
            | Q(short_name__icontains=word)
            | Q(aliases__icontains=word)
            | Q(summary__icontains=word)
        )
    return (
        mechanisms.annotate(
            member_count=Count(
                "participations", filter=Q(participations__role=Participation.Role.MEMBER)
            )
        )
        .prefetch_related("regions")
        .order_by("name")
    )


@dataclass
class RegionGroup:
    region: Region | None
    mechanisms: list[Mechanism] = field(default_factory=list)


def group_by_region(mechanisms: QuerySet[Mechanism]) -> list[RegionGroup]:
    """Group mechanisms under each of their regions (a mechanism may appear twice)."""
    groups: dict[int | None, RegionGroup] = {}
    for mechanism in mechanisms:
        regions = list(mechanism.regions.all()) or [None]
        for region in regions:
            key = region.pk if region else None
            groups.setdefault(key, RegionGroup(region)).mechanisms.append(mechanism)
    return sorted(
        groups.values(),
        key=lambda g: (g.region is None, g.region.order if g.region else 0, str(g.region)),
    )


@dataclass
class RoleGroup:
    role: str
    label: str
    participations: list[Participation]


@dataclass
class RelatedMechanism:
    mechanism: Mechanism
    kind_label: str
    note: str
    described_by_other: bool


@dataclass
class Profile:
    """Everything a public profile page shows about one mechanism."""

    mechanism: Mechanism
    sections: list[Section]
    participant_groups: list[RoleGroup]
    related: list[RelatedMechanism]
    documents: list[Document]

    @property
    def last_updated(self):
        stamps = [self.mechanism.updated_at, *(s.updated_at for s in self.sections)]
        return max(stamps)


def get_profile(slug: str) -> Profile:
    """The published profile for `slug`, or Http404."""
    mechanism = (
        published_mechanisms()
        .select_related("regional_organisation")
        .prefetch_related(
            "regions",
            "thematic_areas",
            Prefetch(
                "sections",
                queryset=Section.objects.select_related("topic").order_by("topic__order"),
            ),
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related("organisation"),
            ),
            Prefetch(
                "links_from",
                queryset=MechanismLink.objects.filter(
                    other_mechanism__is_published=True
                ).select_related("other_mechanism"),
            ),
            Prefetch(
                "links_to",
                queryset=MechanismLink.objects.filter(mechanism__is_published=True).select_related(
                    "mechanism"
                ),
            ),
            Prefetch("documents", queryset=Document.objects.order_by("-year", "title")),
        )
        .filter(slug=slug)
        .first()
    )
    if mechanism is None:
        raise Http404("No published mechanism has this address.")
    return Profile(
        mechanism=mechanism,
        sections=list(mechanism.sections.all()),
        participant_groups=_group_participations(mechanism.participations.all()),
        related=_related_links(mechanism),
        documents=list(mechanism.documents.all()),
    )


def _group_participations(participations) -> list[RoleGroup]:
    by_role: dict[str, list[Participation]] = defaultdict(list)
    for participation in participations:
        by_role[participation.role].append(participation)
    groups = []
    for role in Participation.Role:
        members = by_role.get(role.value)
        if members:
            # Countries first, by their English name, then organisations.
            members.sort(key=lambda p: (p.organisation_id is not None, p.participant_name))
            groups.append(RoleGroup(role.value, str(role.label), members))
    return groups


def _related_links(mechanism: Mechanism) -> list[RelatedMechanism]:
    related = [
        RelatedMechanism(link.other_mechanism, link.get_kind_display(), link.note, False)
        for link in mechanism.links_from.all()
    ]
    related += [
        RelatedMechanism(link.mechanism, link.get_kind_display(), link.note, True)
        for link in mechanism.links_to.all()
    ]
    related.sort(key=lambda r: (r.kind_label, r.mechanism.name))
    return related


def published_for_export(*, slug: str | None = None) -> QuerySet[Mechanism]:
    """Published mechanisms for a public download: all of them, or the one with `slug`.

    Raises Http404 when `slug` names no published mechanism. Drafts are never included.
    """
    mechanisms = published_mechanisms()
    if slug is None:
        return mechanisms
    mechanisms = mechanisms.filter(slug=slug)
    if not mechanisms.exists():
        raise Http404("No published mechanism has this address.")
    return mechanisms
