"""Shared member States between published mechanisms (`/overlap/`).

A member State is a `PublishedParticipant` with role "member" and a country. The counts
of shared States are computed in the database, by a self-join of the participants on the
country, grouped by the pair of mechanisms. To stay cheap with thousands of published
mechanisms, both the matrix and the list of pairs read a bounded set: the matrix the
MATRIX_LIMIT mechanisms with the most members (after the filters), the list of pairs the
PAIRS_POOL largest. With the demo's 25 mechanisms nothing is left out.

Each function runs a fixed number of queries, whatever the number of mechanisms.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count
from django.http import Http404
from django.urls import reverse

from .. import countries
from ..models import Participation, PublishedParticipant, PublishedProfile
from ..tables import Table
from .common import NOT_FOUND, country_url, pair_url

MEMBER = Participation.Role.MEMBER
MATRIX_LIMIT = 30
PAIRS_POOL = 200
TOP_PAIRS = 25
SHADES = 5  # cells are shaded shade-0 (none shared) … shade-5 (the most in the matrix)
SORTS = ("members", "name", "overlap")


@dataclass(frozen=True)
class Mechanism:
    pk: int
    slug: str
    name: str
    short_name: str
    members: int  # member States

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def url(self) -> str:
        return reverse("profiles:mechanism_detail", kwargs={"slug": self.slug})


@dataclass(frozen=True)
class Cell:
    other: Mechanism
    shared: int | None  # None: the mechanism itself
    shade: int
    url: str


@dataclass(frozen=True)
class Row:
    mechanism: Mechanism
    cells: list[Cell]

    @property
    def total(self) -> int:
        return sum(c.shared or 0 for c in self.cells)


@dataclass(frozen=True)
class Pair:
    first: Mechanism
    second: Mechanism
    shared: int

    @property
    def url(self) -> str:
        return pair_url(self.first.slug, self.second.slug)


@dataclass(frozen=True)
class Overlap:
    rows: list[Row]  # the matrix, rows and columns in the same order
    pairs: list[Pair]  # the pairs with most shared members, most first
    matching: int  # published mechanisms that match the filters
    pool: int  # how many of them the pairs were computed among
    highest: int  # the most shared members in a cell of the matrix
    data_as_of: datetime | None

    @property
    def mechanisms(self) -> list[Mechanism]:
        return [row.mechanism for row in self.rows]

    @property
    def truncated(self) -> bool:
        return self.matching > len(self.rows)

    @property
    def pool_truncated(self) -> bool:
        return self.matching > self.pool


def _shared_counts(ids: list[int], *, limit: int | None = None) -> list[tuple[int, int, int]]:
    """(profile id, other profile id, member States both have) for the pairs among `ids`
    that share any, the smaller id first; with `limit`, the pairs sharing most."""
    if len(ids) < 2:
        return []
    table = connection.ops.quote_name(PublishedParticipant._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    # The ORM has no join on a non-key column; this is the self-join it cannot write.
    # Only the quoted table name and placeholders are interpolated; values are parameters.
    # Each (mechanism, State) once (a member with two periods is one member), so that the
    # pairs are counted by hashing rather than a sort for COUNT(DISTINCT).
    sql = (
        f"WITH m AS (SELECT DISTINCT profile_id, country FROM {table} "  # noqa: S608
        f"WHERE role = %s AND country <> '' AND profile_id IN ({marks})) "
        f"SELECT a.profile_id, b.profile_id, COUNT(*) AS shared "
        f"FROM m a JOIN m b ON b.country = a.country AND b.profile_id > a.profile_id "
        f"GROUP BY a.profile_id, b.profile_id"
    )
    params: list = [MEMBER, *ids]
    if limit is not None:
        sql += " ORDER BY shared DESC, a.profile_id, b.profile_id LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]


def _shade(shared: int, highest: int) -> int:
    return math.ceil(SHADES * shared / highest) if shared and highest else 0


def _sorted(rows: list[Row], sort: str) -> list[Row]:
    if sort == "name":
        key = lambda r: r.mechanism.label.casefold()  # noqa: E731
    elif sort == "overlap":
        key = lambda r: (-r.total, r.mechanism.label.casefold())  # noqa: E731
    else:
        key = lambda r: (-r.mechanism.members, r.mechanism.label.casefold())  # noqa: E731
    ordered = sorted(rows, key=key)
    position = {r.mechanism.pk: i for i, r in enumerate(ordered)}
    return [Row(r.mechanism, sorted(r.cells, key=lambda c: position[c.other.pk])) for r in ordered]


def overlap(*, kinds: list[str] = (), regions: list[str] = (), sort: str = "members") -> Overlap:
    """The overlap matrix and the pairs sharing most, among the published mechanisms of
    these kinds and regions (any, when empty). Five queries."""
    snapshots = PublishedProfile.objects.all()
    if kinds:
        snapshots = snapshots.filter(kind__in=kinds)
    if regions:
        snapshots = snapshots.filter(
            pk__in=PublishedProfile.regions.through.objects.filter(region__slug__in=regions).values(
                "publishedprofile_id"
            )
        )
    matching = snapshots.count()
    # The largest by the stored count (a column, no join); then their member States counted.
    pool = list(
        snapshots.order_by("-member_count", "name", "pk").values_list(
            "pk", "slug", "name", "short_name", "published_at"
        )[:PAIRS_POOL]
    )
    ids = [row[0] for row in pool]
    states = dict(
        PublishedParticipant.objects.filter(profile_id__in=ids, role=MEMBER)
        .exclude(country="")
        .values("profile_id")
        .annotate(n=Count("country", distinct=True))
        .values_list("profile_id", "n")
    )
    mechanisms = {
        pk: Mechanism(pk, slug, name, short_name, states.get(pk, 0))
        for pk, slug, name, short_name, _at in pool
    }
    shown = sorted(mechanisms.values(), key=lambda m: (-m.members, m.name.casefold(), m.pk))[
        :MATRIX_LIMIT
    ]
    counts = {(a, b): n for a, b, n in _shared_counts([m.pk for m in shown])}
    highest = max(counts.values(), default=0)
    rows = []
    for mechanism in shown:
        cells = []
        for other in shown:
            if other.pk == mechanism.pk:
                cells.append(Cell(other, None, 0, ""))
                continue
            shared = counts.get((min(mechanism.pk, other.pk), max(mechanism.pk, other.pk)), 0)
            url = pair_url(mechanism.slug, other.slug) if shared else ""
            cells.append(Cell(other, shared, _shade(shared, highest), url))
        rows.append(Row(mechanism, cells))
    pairs = [
        Pair(*sorted((mechanisms[a], mechanisms[b]), key=lambda m: m.slug), n)
        for a, b, n in _shared_counts(ids, limit=TOP_PAIRS)
    ]
    pairs.sort(key=lambda p: (-p.shared, p.first.name.casefold(), p.second.name.casefold()))
    return Overlap(
        rows=_sorted(rows, sort),
        pairs=pairs,
        matching=matching,
        pool=len(pool),
        highest=highest,
        data_as_of=max((row[4] for row in pool), default=None),
    )


def _unique(labels: list[str]) -> list[str]:
    """Column labels of a download must differ: a repeated name gets a number."""
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return unique


def matrix_table(result: Overlap, title: str) -> Table:
    """The matrix as shown: a row per mechanism, a column per mechanism, shared counts."""
    names = _unique(["Mechanism", "Member States", *(m.name for m in result.mechanisms)])
    own, members, others = names[0], names[1], names[2:]
    rows = [
        {
            own: row.mechanism.name,
            members: row.mechanism.members,
            **{label: cell.shared for label, cell in zip(others, row.cells, strict=True)},
        }
        for row in result.rows
    ]
    columns = [
        (own, "The mechanism of the row"),
        (members, "Its member States"),
        *((label, f"Member States shared with {label}") for label in others),
    ]
    return Table(
        title=title,
        columns=tuple(columns),
        rows=rows,
        data_as_of=result.data_as_of,
        filename="iscm-overlap",
    )


@dataclass(frozen=True)
class State:
    code: str
    name: str
    iso3: str

    @property
    def url(self) -> str:
        return country_url(self.iso3)


@dataclass(frozen=True)
class PairOverlap:
    first: Mechanism
    second: Mechanism
    shared: list[State]
    only_first: list[State]
    only_second: list[State]
    data_as_of: datetime


def overlap_pair(first: str, second: str) -> PairOverlap:
    """The member States two published mechanisms share, and those of each alone (two
    queries); Http404 unless both are published."""
    snapshots = {
        slug: row
        for slug, *row in PublishedProfile.objects.filter(slug__in=(first, second)).values_list(
            "slug", "pk", "name", "short_name", "published_at"
        )
    }
    if first == second or len(snapshots) != 2:
        raise Http404(NOT_FOUND)
    members: dict[int, set[str]] = {row[0]: set() for row in snapshots.values()}
    rows = PublishedParticipant.objects.filter(profile_id__in=members, role=MEMBER).exclude(
        country=""
    )
    for profile_id, code in rows.values_list("profile_id", "country"):
        members[profile_id].add(code)

    def mechanism(slug: str) -> Mechanism:
        pk, name, short_name, _at = snapshots[slug]
        return Mechanism(pk, slug, name, short_name, len(members[pk]))

    def states(codes: set[str]) -> list[State]:
        found = [State(c, countries.name(c), countries.alpha3(c)) for c in codes]
        return sorted(found, key=lambda s: countries.fold(s.name).casefold())

    a, b = mechanism(first), mechanism(second)
    return PairOverlap(
        first=a,
        second=b,
        shared=states(members[a.pk] & members[b.pk]),
        only_first=states(members[a.pk] - members[b.pk]),
        only_second=states(members[b.pk] - members[a.pk]),
        data_as_of=max(row[3] for row in snapshots.values()),
    )


def pair_table(pair: PairOverlap) -> Table:
    return Table(
        title=f"Member States shared by {pair.first.name} and {pair.second.name}",
        columns=(
            ("Country", "A member State of both mechanisms"),
            ("ISO 3166 alpha-3", "The country's code, for joining with other data"),
        ),
        rows=[{"Country": s.name, "ISO 3166 alpha-3": s.iso3} for s in pair.shared],
        data_as_of=pair.data_as_of,
        filename=f"iscm-overlap-{pair.first.slug}-{pair.second.slug}",
    )
