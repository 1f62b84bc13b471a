"""Lists of published mechanisms: the home page and the simple list."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models.fields.json import KeyTransform
from django.urls import reverse

from ..models import PublishedProfile, Region, ThematicArea
from .common import Labelled


@dataclass(frozen=True)
class MechanismSummary(Labelled):
    """One published mechanism as the list pages show it."""

    slug: str
    url: str
    name: str
    short_name: str
    kind: str
    kind_unconfirmed: bool
    established: int | None
    established_unconfirmed: bool
    status: str
    member_count: int
    regions: tuple[Region, ...]


def mechanism_list(
    *,
    kind: str = "",
    region: Region | None = None,
    theme: ThematicArea | None = None,
    status: str = "",
    q: str = "",
) -> list[MechanismSummary]:
    """Published mechanisms for the list pages, filtered, by name (two queries)."""
    snapshots = PublishedProfile.objects.all()
    if kind:
        snapshots = snapshots.filter(kind=kind)
    if region is not None:
        snapshots = snapshots.filter(regions=region)
    if theme is not None:
        snapshots = snapshots.filter(thematic_areas=theme)
    if status:
        snapshots = snapshots.filter(status=status)
    for word in q.lower().split():
        # The simple search, the same on SQLite and PostgreSQL: every word must appear in
        # the published names, aliases, summary, sections, participants or documents.
        snapshots = snapshots.filter(search_text__contains=word)
    rows = (
        snapshots.order_by("name")
        .values_list("slug", "name", "short_name", "kind", "status", "established", "member_count")
        .annotate(facts=KeyTransform("0", KeyTransform("Mechanisms", "content")))
    )
    regions = {r.slug: r for r in Region.objects.all()}  # in their order
    order = {slug: index for index, slug in enumerate(regions)}
    return [
        MechanismSummary(
            slug=slug,
            url=reverse("profiles:mechanism_detail", kwargs={"slug": slug}),
            name=name,
            short_name=short_name,
            kind=kind,
            kind_unconfirmed=bool(facts.get("kind_unconfirmed")),
            established=established,
            established_unconfirmed=bool(facts.get("established_unconfirmed")),
            status=status,
            member_count=member_count,
            regions=tuple(
                regions[r]
                for r in sorted((r for r in facts["regions"] if r in order), key=order.__getitem__)
            ),
        )
        for slug, name, short_name, kind, status, established, member_count, facts in rows
    ]


@dataclass
class RegionGroup:
    region: Region | None
    mechanisms: list[MechanismSummary] = field(default_factory=list)


def group_by_region(mechanisms: Iterable[MechanismSummary]) -> list[RegionGroup]:
    """Group mechanisms under each of their regions (a mechanism may appear twice)."""
    groups: dict[int | None, RegionGroup] = {}
    for mechanism in mechanisms:
        for region in mechanism.regions or (None,):
            key = region.pk if region else None
            groups.setdefault(key, RegionGroup(region)).mechanisms.append(mechanism)
    return sorted(
        groups.values(),
        key=lambda g: (g.region is None, g.region.order if g.region else 0, str(g.region)),
    )
