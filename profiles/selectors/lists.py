"""Lists of published mechanisms: the home page, and the search results of /mechanisms/
(one page of them, or every matching row as a downloadable table)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.db.models.fields.json import KeyTransform
from django.urls import reverse
from django.utils.safestring import SafeString

from ..models import PublishedProfile, Region, ThematicArea
from ..tables import Table
from . import search
from .common import KIND_LABELS, STATUS_LABELS, Labelled

if TYPE_CHECKING:
    from ..filters import MechanismFilterSet

PER_PAGE = 20
# A download holds every matching row, up to this many (far more than are published).
MAX_DOWNLOAD_ROWS = 5000


@dataclass(frozen=True)
class MechanismSummary(Labelled):
    """One published mechanism as the list pages show it."""

    pk: int
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


@dataclass(frozen=True)
class Vocabulary:
    """Regions and thematic areas by key, in their order (two queries)."""

    regions: dict[str, Region]
    themes: dict[str, ThematicArea]


def vocabulary() -> Vocabulary:
    return Vocabulary(
        regions={r.slug: r for r in Region.objects.all()},
        themes={t.slug: t for t in ThematicArea.objects.all()},
    )


SUMMARY_FIELDS = ("pk", "slug", "name", "short_name", "kind", "status", "established")


def _facts(queryset: QuerySet) -> QuerySet:
    """Rows of SUMMARY_FIELDS, member count and the facts row of `content`."""
    return queryset.values_list(*SUMMARY_FIELDS, "member_count").annotate(
        facts=KeyTransform("0", KeyTransform("Mechanisms", "content"))
    )


def _summary(row: tuple, regions: dict[str, Region]) -> MechanismSummary:
    pk, slug, name, short_name, kind, status, established, member_count, facts = row
    order = {key: index for index, key in enumerate(regions)}
    return MechanismSummary(
        pk=pk,
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


def mechanism_list() -> list[MechanismSummary]:
    """Every published mechanism, by name (two queries): the home page."""
    regions = {r.slug: r for r in Region.objects.all()}
    return [_summary(row, regions) for row in _facts(PublishedProfile.objects.order_by("name"))]


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


# Search results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One search result: the mechanism, where the words matched, which countries matched."""

    mechanism: MechanismSummary
    snippet: SafeString | None = None
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResultPage:
    page: Page
    results: list[Result]

    @property
    def total(self) -> int:
        return self.page.paginator.count


def ordered(filterset: MechanismFilterSet) -> QuerySet:
    """The filter set's results in the order asked for (each mechanism once)."""
    results = filterset.qs
    match filterset.sort_order:
        case "relevance" if filterset.search:
            return search.by_relevance(results, filterset.search)
        case "year":
            return results.order_by(F("established").asc(nulls_last=True), "name")
        case "-year":
            return results.order_by(F("established").desc(nulls_last=True), "name")
    return results.order_by("name")


def result_page(filterset: MechanismFilterSet, number: str | int | None) -> ResultPage:
    """One page of results with their snippets and matched members (a fixed number of
    queries: count, the page's ids, their facts, and with a search, snippets and members)."""
    # The page's ids first, then their facts: sorting by rank carries every selected column
    # through the sort, and reading the facts of every match (not 20) cost 200 ms at 5,000.
    paginator = Paginator(ordered(filterset).values_list("pk", flat=True), PER_PAGE)
    page = paginator.get_page(number)
    ids = list(page.object_list)
    rows = {row[0]: row for row in _facts(PublishedProfile.objects.filter(pk__in=ids))}
    regions = filterset.vocabulary.regions
    mechanisms = [_summary(rows[pk], regions) for pk in ids if pk in rows]
    pks = [m.pk for m in mechanisms]
    q = filterset.search
    found = search.snippets(pks, q)
    members = search.matched_members(pks, q)
    results = [Result(m, found.get(m.pk), tuple(members.get(m.pk, ()))) for m in mechanisms]
    return ResultPage(page, results)


TABLE_COLUMNS = (
    ("Name", "The mechanism's full name"),
    ("Short name", "The name or acronym it is usually known by"),
    ("Kind", "Regional consultative process, interregional forum or global process"),
    ("Status", "Active, dormant or closed"),
    ("Established", "Year established"),
    ("Regions", "World regions it covers"),
    ("Thematic areas", "Migration themes it works on"),
    ("Members (count)", "Number of member States recorded"),
    ("Profile", "Address of its profile on this site"),
)


def result_table(
    filterset: MechanismFilterSet, absolute: Callable[[str], str], title: str
) -> Table:
    """Every result (not one page; at most MAX_DOWNLOAD_ROWS), in the page's order, with
    names and labels: what `?download=xlsx|csv` gives."""
    rows = ordered(filterset).values_list(
        "slug", "name", "short_name", "kind", "status", "established", "member_count"
    )
    rows = rows.annotate(
        facts=KeyTransform("0", KeyTransform("Mechanisms", "content")),
        published=F("published_at"),
    )[:MAX_DOWNLOAD_ROWS]
    vocab = filterset.vocabulary
    table_rows, latest = [], None
    for slug, name, short, kind, status, established, members, facts, published in rows:
        latest = published if latest is None else max(latest, published)
        table_rows.append(
            {
                "Name": name,
                "Short name": short,
                "Kind": KIND_LABELS.get(kind, kind),
                "Status": STATUS_LABELS.get(status, status),
                "Established": established,
                "Regions": "; ".join(
                    r.name for key, r in vocab.regions.items() if key in facts["regions"]
                ),
                "Thematic areas": "; ".join(
                    t.name
                    for key, t in vocab.themes.items()
                    if key in facts.get("thematic_areas", ())
                ),
                "Members (count)": members,
                "Profile": absolute(reverse("profiles:mechanism_detail", kwargs={"slug": slug})),
            }
        )
    return Table(
        title=title,
        columns=TABLE_COLUMNS,
        rows=table_rows,
        data_as_of=latest,
        filename="iscm-mechanisms",
    )
