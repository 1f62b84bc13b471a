"""Countries as the public sees them: who takes part in which published mechanism.

Read from `PublishedParticipant` (snapshots only). Counts are computed in the database;
names come from django-countries (`profiles.countries`), so sorting by name and matching
a search against every name a reader may type ("Turkey", "Ivory Coast", "Cote d'Ivoire")
happen over the ~250 ISO codes in Python. Each function runs a fixed number of queries.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max, Q
from django.urls import reverse
from django_countries import countries as all_countries

from .. import countries
from ..models import Mechanism, Participation, PublishedParticipant, PublishedProfile
from .common import KIND_LABELS, ROLE_LABELS, Labelled, country_url

MEMBER, OBSERVER = Participation.Role.MEMBER, Participation.Role.OBSERVER
ROLE_ORDER = {role: index for index, role in enumerate(Participation.Role.values)}

# Search compares words, ignoring case, accents and punctuation ("cote d ivoire").
_NOT_WORD = re.compile(r"[\W_]+")


def _words(text: str) -> str:
    return _NOT_WORD.sub(" ", countries.fold(text).casefold()).strip()


def _sort_key(name: str) -> str:
    # "Åland Islands" among the A's, "Côte d'Ivoire" among the C's.
    return countries.fold(name).casefold()


def matching_codes(q: str) -> set[str]:
    """Alpha-2 codes of the countries `q` names: every word of it in one of the country's
    names (English, common others, unaccented), or `q` is its alpha-2 or alpha-3 code."""
    wanted = _words(q).split()
    code = q.strip().upper()
    found = set()
    for alpha2, _name in all_countries:
        if code in (alpha2, countries.alpha3(alpha2)):
            found.add(alpha2)
            continue
        names = [_words(n) for n in countries.search_names(alpha2)]
        if wanted and any(all(w in n for w in wanted) for n in names):
            found.add(alpha2)
    return found


@dataclass(frozen=True)
class CountrySummary:
    """A country on /countries/: how many published mechanisms it takes part in."""

    code: str  # alpha-2, as stored
    iso3: str
    name: str
    member: int
    observer: int
    total: int  # in any role

    @property
    def url(self) -> str:
        return country_url(self.iso3)


def country_list(q: str = "") -> list[CountrySummary]:
    """Every country taking part in a published mechanism, by English name, with counts of
    mechanisms (as member, as observer, in any role); only those `q` names if given.
    One query."""
    participants = PublishedParticipant.objects.exclude(country="")
    if q.strip():
        participants = participants.filter(country__in=matching_codes(q))
    rows = (
        participants.values("country")
        .annotate(
            member=Count("profile", filter=Q(role=MEMBER), distinct=True),
            observer=Count("profile", filter=Q(role=OBSERVER), distinct=True),
            total=Count("profile", distinct=True),
        )
        .order_by()
        .values_list("country", "member", "observer", "total")
    )
    summaries = [
        CountrySummary(code, countries.alpha3(code), countries.name(code), *counts)
        for code, *counts in rows
    ]
    return sorted(summaries, key=lambda c: _sort_key(c.name))


def published_count() -> int:
    return PublishedProfile.objects.count()


def data_as_of() -> datetime | None:
    """The latest publication: the date of everything a country list shows."""
    return PublishedProfile.objects.aggregate(latest=Max("published_at"))["latest"]


@dataclass(frozen=True)
class Role:
    """How a country takes part in a mechanism: one dated role."""

    role: str
    since: int | None
    until: int | None
    unconfirmed: bool

    # The model's wording ("1990–2005", "since 2015", "until 2010").
    period = property(Participation.period.fget)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def label(self) -> str:
        """ "Member", "Observer since 2016", "Member 2009–2015 (unconfirmed)"."""
        text = " ".join(part for part in (self.role_label, self.period) if part)
        return f"{text} (unconfirmed)" if self.unconfirmed else text


def _ordered(roles: list[Role]) -> tuple[Role, ...]:
    """In `Participation.Role` order (member first), then by year."""
    return tuple(sorted(roles, key=lambda r: (ROLE_ORDER.get(r.role, 99), r.since or 0)))


def roles_label(roles: tuple[Role, ...] | list[Role]) -> str:
    return "; ".join(role.label for role in roles)


@dataclass(frozen=True)
class CountryMechanism(Labelled):
    """A published mechanism on a country's page, with the country's roles in it."""

    slug: str
    name: str
    short_name: str
    kind: str
    status: str
    established: int | None
    roles: tuple[Role, ...]

    @property
    def url(self) -> str:
        return reverse("profiles:mechanism_detail", kwargs={"slug": self.slug})

    @property
    def roles_label(self) -> str:
        return roles_label(self.roles)


# A page lists at most this many mechanisms of one kind (the rest are a link to the list
# filtered by the country and kind, and in the download).
SHOWN_PER_KIND = 100


@dataclass
class KindGroup:
    kind: str
    label: str
    mechanisms: list[CountryMechanism] = field(default_factory=list)

    @property
    def shown(self) -> list[CountryMechanism]:
        return self.mechanisms[:SHOWN_PER_KIND]

    @property
    def not_shown(self) -> int:
        return max(0, len(self.mechanisms) - SHOWN_PER_KIND)

    @property
    def heading(self) -> str:
        """The kind in the plural: "Regional consultative processes", "Interregional forums"."""
        return self.label + ("es" if self.label.endswith("s") else "s")


@dataclass(frozen=True)
class CountryPage:
    """What /countries/<iso3>/ shows. `groups` is empty when the country takes part in
    no published mechanism."""

    code: str
    iso3: str
    name: str
    groups: list[KindGroup]
    data_as_of: datetime | None

    @property
    def mechanisms(self) -> list[CountryMechanism]:
        return [m for group in self.groups for m in group.mechanisms]

    def _count(self, role: str) -> int:
        return sum(any(r.role == role for r in m.roles) for m in self.mechanisms)

    @property
    def member_count(self) -> int:
        return self._count(MEMBER)

    @property
    def observer_count(self) -> int:
        return self._count(OBSERVER)


def country_page(code: str) -> CountryPage:
    """The published mechanisms the country `code` (alpha-2) takes part in, grouped by
    kind (in `Mechanism.Kind` order), by name within a kind, each with the country's roles
    and years. One query."""
    rows = (
        PublishedParticipant.objects.filter(country=code)
        .order_by("profile__name", "profile_id", "since", "pk")
        .values_list(
            "profile__slug",
            "profile__name",
            "profile__short_name",
            "profile__kind",
            "profile__status",
            "profile__established",
            "profile__published_at",
            "role",
            "since",
            "until",
            "unconfirmed",
        )
    )
    facts: dict[str, tuple] = {}
    roles: dict[str, list[Role]] = {}
    latest = None
    for slug, *mechanism, published_at, role, since, until, unconfirmed in rows:
        facts[slug] = tuple(mechanism)
        roles.setdefault(slug, []).append(Role(role, since, until, unconfirmed))
        latest = published_at if latest is None else max(latest, published_at)
    groups = {kind: KindGroup(kind, KIND_LABELS[kind]) for kind in Mechanism.Kind.values}
    for slug, (name, short_name, kind, status, established) in facts.items():
        mechanism = CountryMechanism(
            slug, name, short_name, kind, status, established, _ordered(roles[slug])
        )
        groups.setdefault(kind, KindGroup(kind, KIND_LABELS.get(kind, kind)))
        groups[kind].mechanisms.append(mechanism)
    return CountryPage(
        code=code,
        iso3=countries.alpha3(code),
        name=countries.name(code),
        groups=[group for group in groups.values() if group.mechanisms],
        data_as_of=latest,
    )


@dataclass(frozen=True)
class MembershipColumn:
    slug: str
    name: str
    label: str  # the short name, or the name where short names repeat


@dataclass(frozen=True)
class MembershipTable:
    """Every country × every published mechanism: the country's roles in each."""

    columns: list[MembershipColumn]
    rows: list[tuple[CountrySummary, dict[str, str]]]  # country, slug → roles label
    data_as_of: datetime | None


def membership_table(*, reserved: tuple[str, ...] = ()) -> MembershipTable:
    """One row per country taking part in a published mechanism (by name), one column per
    published mechanism (by name), each cell the country's roles there ("" if none).
    Column labels avoid `reserved` (the table's own other column labels). Two queries."""
    profiles = list(
        PublishedProfile.objects.order_by("name").values_list(
            "slug", "name", "short_name", "published_at"
        )
    )
    repeated = Counter(short or name for _slug, name, short, _at in profiles)
    columns, taken = [], set(reserved)
    for slug, name, short, _at in profiles:
        label = short or name
        if repeated[label] > 1 or label in taken:
            label = name if name not in taken else f"{name} ({slug})"
        taken.add(label)
        columns.append(MembershipColumn(slug, name, label))
    participants = (
        PublishedParticipant.objects.exclude(country="")
        .order_by("country", "profile_id", "since", "pk")
        .values_list("country", "profile__slug", "role", "since", "until", "unconfirmed")
    )
    cells: dict[str, dict[str, list[Role]]] = {}
    for code, slug, role, since, until, unconfirmed in participants:
        cells.setdefault(code, {}).setdefault(slug, []).append(
            Role(role, since, until, unconfirmed)
        )
    rows = []
    for code, by_slug in cells.items():
        summary = CountrySummary(
            code,
            countries.alpha3(code),
            countries.name(code),
            member=sum(any(r.role == MEMBER for r in rs) for rs in by_slug.values()),
            observer=sum(any(r.role == OBSERVER for r in rs) for rs in by_slug.values()),
            total=len(by_slug),
        )
        labels = {slug: roles_label(_ordered(rs)) for slug, rs in by_slug.items()}
        rows.append((summary, labels))
    rows.sort(key=lambda row: _sort_key(row[0].name))
    latest = max((at for *_rest, at in profiles), default=None)
    return MembershipTable(columns, rows, latest)
