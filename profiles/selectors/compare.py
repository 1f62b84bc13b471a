"""Two to four published mechanisms side by side (`/compare/`).

Built from the snapshots alone: the facts and members from `PublishedProfile.content`, the
sections from `sections_html`. Whatever the number compared, a comparison costs four
queries (the snapshots, then the names of regions, themes and topics) and the picker two.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .. import countries
from ..models import PublishedProfile, Region, ThematicArea, Topic
from ..tables import Table
from .common import Labelled, country_url
from .profile import Organisation

MIN_COMPARED, MAX_COMPARED = 2, 4
# The picker offers at most this many mechanisms (plus those already chosen); a name
# filter finds the others.
PICKER_LIMIT = 50


@dataclass(frozen=True)
class Choice:
    """A published mechanism as the picker and the notices name it."""

    slug: str
    name: str
    short_name: str

    @property
    def label(self) -> str:
        if self.short_name and self.short_name != self.name:
            return f"{self.name} ({self.short_name})"
        return self.name


def published_choices(slugs: list[str]) -> dict[str, Choice]:
    """slug → Choice for those of `slugs` that are published (one query)."""
    if not slugs:
        return {}
    rows = PublishedProfile.objects.filter(slug__in=slugs).values_list("slug", "name", "short_name")
    return {slug: Choice(slug, name, short_name) for slug, name, short_name in rows}


@dataclass(frozen=True)
class Picker:
    choices: list[Choice]
    # How many published mechanisms match the name filter (all of them without one).
    matching: int
    find: str

    @property
    def truncated(self) -> bool:
        return self.matching > PICKER_LIMIT


def picker(find: str, chosen: list[Choice]) -> Picker:
    """The mechanisms a reader may tick: those chosen, then up to PICKER_LIMIT others by
    name, whose names or aliases contain `find` (two queries)."""
    snapshots = PublishedProfile.objects.all()
    if find:
        snapshots = snapshots.filter(Q(name__icontains=find) | Q(search_names__icontains=find))
    matching = snapshots.count()
    rows = snapshots.order_by("name", "slug").values_list("slug", "name", "short_name")
    found = [Choice(*row) for row in rows[:PICKER_LIMIT]]
    taken = {c.slug for c in chosen}
    return Picker([*chosen, *(c for c in found if c.slug not in taken)], matching, find)


@dataclass(frozen=True)
class Member:
    """A member country (linked to its page) or organisation."""

    key: str
    name: str
    iso3: str

    @property
    def url(self) -> str:
        return country_url(self.iso3)


@dataclass(frozen=True)
class Compared(Labelled):
    """One compared mechanism's facts, with names instead of keys."""

    slug: str
    name: str
    short_name: str
    kind: str
    kind_unconfirmed: bool
    established: int | None
    established_unconfirmed: bool
    status: str
    regions: list[str]
    thematic_areas: list[str]
    secretariat: str
    regional_organisation: Organisation | None
    membership_note: str
    website: str
    members: list[Member]
    published_at: datetime

    @property
    def label(self) -> str:
        return self.short_name or self.name

    @property
    def url(self) -> str:
        return reverse("profiles:mechanism_detail", kwargs={"slug": self.slug})


@dataclass(frozen=True)
class TopicRow:
    """One topic of the 2019 findings: each mechanism's section (None: not covered)."""

    order: int
    title: str
    sections: list[tuple[Compared, SafeString | None]]


@dataclass(frozen=True)
class PartlyShared:
    member: Member
    # The compared mechanisms it belongs to (more than one, not all).
    mechanisms: list[Compared]


@dataclass(frozen=True)
class Comparison:
    mechanisms: list[Compared]
    topics: list[TopicRow]
    shared: list[Member]
    partly_shared: list[PartlyShared]
    # (mechanism, members of it alone among those compared), in the compared order.
    distinct: list[tuple[Compared, list[Member]]]

    @property
    def data_as_of(self) -> datetime:
        return max(m.published_at for m in self.mechanisms)


def _members(content: dict) -> list[Member]:
    organisations = {
        o["acronym"]: Organisation(o["acronym"], o["name"], o.get("website") or "")
        for o in content.get("Organisations", ())
    }
    members: dict[str, Member] = {}
    for row in content["Participants"]:
        if row["role"] != "member":
            continue
        if row["country"]:
            code = row["country"]
            member = Member(code, countries.name(code), countries.alpha3(code))
        else:
            acronym = row["organisation"]
            org = organisations.get(acronym)
            member = Member(f"org:{acronym}", str(org) if org else acronym, "")
        members.setdefault(member.key, member)  # a member with two periods counts once
    return _sorted(members.values())


def _sorted(members) -> list[Member]:
    # Countries by name, then organisations, as on the profile pages.
    return sorted(members, key=lambda m: (not m.iso3, countries.fold(m.name).casefold()))


def compare(slugs: list[str]) -> Comparison:
    """The comparison of the published mechanisms `slugs`, in that order (unpublished
    ones are left out: callers check them with `published_choices`)."""
    snapshots = {
        s.slug: s
        for s in PublishedProfile.objects.filter(slug__in=slugs).only(
            "slug", "content", "sections_html", "published_at"
        )
    }
    region_names = dict(Region.objects.values_list("slug", "name"))
    theme_names = dict(ThematicArea.objects.values_list("slug", "name"))
    compared: list[Compared] = []
    html: dict[str, dict] = {}
    for slug in (s for s in slugs if s in snapshots):
        snapshot = snapshots[slug]
        row = snapshot.content["Mechanisms"][0]
        organisations = {o["acronym"]: o for o in snapshot.content.get("Organisations", ())}
        org = organisations.get(row["regional_organisation"])
        compared.append(
            Compared(
                slug=slug,
                name=row["name"],
                short_name=row["short_name"],
                kind=row["kind"],
                kind_unconfirmed=bool(row["kind_unconfirmed"]),
                established=row["established"],
                established_unconfirmed=bool(row["established_unconfirmed"]),
                status=row["status"],
                # Vocabulary order, as on the profile pages.
                regions=[n for s, n in region_names.items() if s in row["regions"]],
                thematic_areas=sorted(
                    theme_names[s] for s in row["thematic_areas"] if s in theme_names
                ),
                secretariat=row["secretariat"],
                regional_organisation=(
                    Organisation(org["acronym"], org["name"], org.get("website") or "")
                    if org
                    else None
                ),
                membership_note=row.get("membership_note") or "",
                website=row["website"],
                members=_members(snapshot.content),
                published_at=snapshot.published_at,
            )
        )
        html[slug] = snapshot.sections_html
    topics = [
        TopicRow(
            topic.order,
            topic.title,
            # The only HTML trusted here: a snapshot's, sanitised by nh3 when published.
            [
                (m, mark_safe(html[m.slug][topic.key]) if html[m.slug].get(topic.key) else None)  # noqa: S308
                for m in compared
            ],
        )
        for topic in Topic.objects.order_by("order")
    ]
    return Comparison(compared, topics, *_member_groups(compared))


def _member_groups(compared: list[Compared]):
    where: dict[str, list[Compared]] = {}
    by_key: dict[str, Member] = {}
    for mechanism in compared:
        for member in mechanism.members:
            where.setdefault(member.key, []).append(mechanism)
            by_key[member.key] = member
    everywhere = len(compared)
    shared = _sorted(by_key[k] for k, ms in where.items() if len(ms) == everywhere)
    partly = [
        PartlyShared(by_key[k], where[k])
        for k in (m.key for m in _sorted(by_key.values()))
        if 1 < len(where[k]) < everywhere
    ]
    distinct = [
        (m, [member for member in m.members if len(where[member.key]) == 1]) for m in compared
    ]
    return shared, partly, distinct


def _yes_unconfirmed(value, unconfirmed: bool) -> str:
    if value in (None, ""):
        return ""
    return f"{value} (unconfirmed)" if unconfirmed else str(value)


FACT_COLUMNS = (
    ("Mechanism", "The mechanism's full name"),
    ("Short name", "The name it is usually known by"),
    ("Kind", "Regional consultative process, interregional forum or global process"),
    ("Established", "Year established"),
    ("Status", "Active or not"),
    ("Regions", "Regions it covers"),
    ("Thematic areas", "Themes it works on"),
    ("Secretariat", "Secretariat or support unit"),
    ("Regional organisation", "Associated regional organisation"),
    ("Members", "Number of members recorded (countries and organisations)"),
    ("Membership note", "How membership works where no list is kept"),
    ("Website", "Official website"),
    ("Profile", "Its profile on this site"),
)


def facts_table(comparison: Comparison, profile_url) -> Table:
    """The facts as a download: one row per compared mechanism, in the compared order.

    `profile_url(path)` makes a profile's address absolute.
    """
    rows = [
        {
            "Mechanism": m.name,
            "Short name": m.short_name,
            "Kind": _yes_unconfirmed(m.kind_label, m.kind_unconfirmed),
            "Established": _yes_unconfirmed(m.established, m.established_unconfirmed),
            "Status": m.status_label,
            "Regions": "; ".join(m.regions),
            "Thematic areas": "; ".join(m.thematic_areas),
            "Secretariat": m.secretariat,
            "Regional organisation": str(m.regional_organisation or ""),
            # A mechanism that keeps no membership list has a note instead of "0".
            "Members": len(m.members) or ("" if m.membership_note else 0),
            "Membership note": m.membership_note,
            "Website": m.website,
            "Profile": profile_url(m.url),
        }
        for m in comparison.mechanisms
    ]
    names = " / ".join(m.label for m in comparison.mechanisms)
    return Table(
        title=f"Comparison: {names}",
        columns=FACT_COLUMNS,
        rows=rows,
        data_as_of=comparison.data_as_of,
        filename="iscm-compare-" + "-".join(m.slug for m in comparison.mechanisms)[:150],
    )
