"""One profile: the page's view model, from a snapshot or (staff preview) the working rows."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.http import Http404
from django.utils.safestring import SafeString, mark_safe

from .. import countries
from ..models import Mechanism, Participation, PublishedProfile, Region, ThematicArea, Topic
from .common import DOCUMENT_KIND_LABELS, NOT_FOUND, ROLE_LABELS, Labelled, country_url
from .index import PublishedIndex, published_index
from .related import RelatedMechanism, SharingMembers, linked_mechanisms, sharing_members


@dataclass(frozen=True)
class Organisation:
    acronym: str
    name: str
    website: str

    def __str__(self) -> str:
        if self.name and self.name != self.acronym:
            return f"{self.name} ({self.acronym})"
        return self.acronym


@dataclass(frozen=True)
class Term:
    """A region or thematic area: its name, and its key for the list's filter."""

    slug: str
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Facts(Labelled):
    """A profile's own facts (the Mechanisms row), with names instead of keys."""

    slug: str
    name: str
    short_name: str
    aliases: list[str]
    kind: str
    kind_unconfirmed: bool
    established: int | None
    established_unconfirmed: bool
    status: str
    regions: list[Term]
    geographic_scope: str
    regional_organisation: Organisation | None
    secretariat: str
    website: str
    thematic_areas: list[Term]
    summary: str
    sources: list[str]
    # Who takes part, in words, for a mechanism that keeps no membership list.
    membership_note: str = ""

    @property
    def secretariat_unconfirmed(self) -> bool:
        return "?" in self.secretariat


@dataclass(frozen=True)
class SectionView:
    """A topic of the Summary of Findings; `html` is empty when the profile has no text."""

    order: int
    title: str
    html: SafeString


@dataclass(frozen=True)
class Participant:
    name: str
    is_organisation: bool
    since: int | None
    until: int | None
    unconfirmed: bool
    note: str
    # A country's alpha-3 code, the key of its page ("" for an organisation).
    iso3: str = ""

    @property
    def url(self) -> str:
        return country_url(self.iso3)

    # The model's wording ("1990–2005", "since 2015", "until 2010"), from since and until.
    period = property(Participation.period.fget)


@dataclass(frozen=True)
class RoleGroup:
    role: str
    label: str
    participants: list[Participant]


@dataclass(frozen=True)
class DocumentView:
    title: str
    kind_label: str
    year: int | None
    publisher: str
    url: str


@dataclass(frozen=True)
class Profile:
    """Everything a profile page shows about one mechanism."""

    mechanism: Facts
    sections: list[SectionView]
    participant_groups: list[RoleGroup]
    # Linked mechanisms, one entry each, then those sharing the most member States.
    related: list[RelatedMechanism]
    sharing_members: list[SharingMembers]
    documents: list[DocumentView]
    version: int
    # None for a draft that has never been published.
    published_at: datetime | None
    first_published_at: datetime | None

    @property
    def member_count(self) -> int:
        return sum(len(g.participants) for g in self.participant_groups if g.role == "member")

    def compare_choices(self, limit: int = 10) -> list[tuple[str, str]]:
        """(slug, short name or name) of the related mechanisms, each once, to compare
        this one with."""
        related = [*self.related, *self.sharing_members]
        choices = {m.slug: m.short_name or m.name for m in related}
        return list(choices.items())[:limit]


def build_profile(
    content: dict,
    sections_html: dict[str, str],
    *,
    version: int,
    published_at: datetime | None,
    first_published_at: datetime | None,
    index: PublishedIndex | None = None,
) -> Profile:
    """The profile page's view model from a normalised profile (a snapshot's or a draft's).

    Names come from the vocabularies (topics, regions, thematic areas: one query each),
    django-countries and the profile's own Organisations rows; a related mechanism is
    shown only while it is published (`index`, read here when not given). The mechanisms
    sharing the most member States with it are counted over the published participants
    (one query), whether `content` is a snapshot's or a draft's.
    """
    if index is None:
        index = published_index()
    row = content["Mechanisms"][0]
    organisations = {
        o["acronym"]: Organisation(o["acronym"], o["name"], o.get("website") or "")
        for o in content.get("Organisations", ())
    }
    # Vocabulary order (regions by their order, themes by name), as the working pages had.
    chosen_regions, chosen_themes = set(row["regions"]), set(row["thematic_areas"])
    regions = [
        Term(slug, name)
        for slug, name in Region.objects.values_list("slug", "name")
        if slug in chosen_regions
    ]
    themes = [
        Term(slug, name)
        for slug, name in ThematicArea.objects.values_list("slug", "name")
        if slug in chosen_themes
    ]
    facts = Facts(
        slug=row["slug"],
        name=row["name"],
        short_name=row["short_name"],
        aliases=[a.strip() for a in row["aliases"].split(";") if a.strip()],
        kind=row["kind"],
        kind_unconfirmed=bool(row["kind_unconfirmed"]),
        established=row["established"],
        established_unconfirmed=bool(row["established_unconfirmed"]),
        status=row["status"],
        regions=regions,
        geographic_scope=row["geographic_scope"],
        regional_organisation=organisations.get(row["regional_organisation"]),
        secretariat=row["secretariat"],
        website=row["website"],
        thematic_areas=themes,
        summary=row["summary"],
        sources=[line.strip() for line in row["sources"].splitlines() if line.strip()],
        # Snapshots published before the column existed have no such key.
        membership_note=row.get("membership_note") or "",
    )
    return Profile(
        mechanism=facts,
        sections=_sections(content["Sections"], sections_html),
        participant_groups=_participant_groups(content["Participants"], organisations),
        related=linked_mechanisms(facts.slug, content["Links"], index),
        sharing_members=sharing_members(facts.slug, content["Participants"]),
        documents=_documents(content["Documents"]),
        version=version,
        published_at=published_at,
        first_published_at=first_published_at,
    )


def _sections(rows: list[dict], html: dict[str, str]) -> list[SectionView]:
    """Every topic, in order: a reader sees which ones the profile has no text for."""
    written = {r["topic"] for r in rows if html.get(r["topic"], "").strip()}
    sections = []
    for topic in Topic.objects.order_by("order"):
        # The only place a snapshot's HTML is trusted: it was sanitised by nh3 when saved.
        body = mark_safe(html[topic.key]) if topic.key in written else SafeString()  # noqa: S308
        sections.append(SectionView(topic.order, topic.title, body))
    return sections


def _participant_groups(rows: list[dict], organisations: dict) -> list[RoleGroup]:
    by_role: dict[str, list[Participant]] = defaultdict(list)
    for row in rows:
        if row["organisation"]:
            org = organisations.get(row["organisation"])
            name = str(org) if org else row["organisation"]
        else:
            name = countries.name(row["country"])
        by_role[row["role"]].append(
            Participant(
                name=name,
                is_organisation=bool(row["organisation"]),
                since=row["since"],
                until=row["until"],
                unconfirmed=bool(row["unconfirmed"]),
                note=row["note"],
                iso3="" if row["organisation"] else countries.alpha3(row["country"]),
            )
        )
    groups = []
    for role, label in ROLE_LABELS.items():
        members = by_role.get(role)
        if members:
            # Countries first, by their English name, then organisations.
            members.sort(key=lambda p: (p.is_organisation, p.name, p.since or 0))
            groups.append(RoleGroup(role, label, members))
    return groups


def _documents(rows: list[dict]) -> list[DocumentView]:
    documents = [
        DocumentView(
            title=r["title"],
            kind_label=DOCUMENT_KIND_LABELS.get(r["kind"], r["kind"]),
            year=r["year"],
            publisher=r["publisher"],
            url=r["url"],
        )
        for r in rows
    ]
    documents.sort(key=lambda d: d.title)
    documents.sort(key=lambda d: d.year or 0, reverse=True)
    return documents


def get_profile(slug: str) -> Profile:
    """The published profile for `slug`, or Http404."""
    snapshot = (
        PublishedProfile.objects.filter(slug=slug)
        .only("content", "sections_html", "version", "published_at", "first_published_at")
        .first()
    )
    if snapshot is None:
        raise Http404(NOT_FOUND)
    return build_profile(
        snapshot.content,
        snapshot.sections_html,
        version=snapshot.version,
        published_at=snapshot.published_at,
        first_published_at=snapshot.first_published_at,
    )


@dataclass(frozen=True)
class DraftPreview:
    """The working copy of a mechanism, as its public page would show it once published."""

    profile: Profile
    # The public version, if any: what the public sees meanwhile.
    published_version: int | None
    published_at: datetime | None


def draft_profile(slug: str) -> DraftPreview:
    """A mechanism's working rows as a profile (published or not), or Http404. Staff only."""
    from ..services.publishing import build_snapshots  # reads the working rows

    mechanisms = Mechanism.objects.filter(slug=slug)
    built = build_snapshots(mechanisms)
    if not built:
        raise Http404("No mechanism has this address.")
    mechanism, content, sections_html = built[0]
    public = (
        PublishedProfile.objects.filter(mechanism=mechanism)
        .values("version", "published_at", "first_published_at")
        .first()
    )
    profile = build_profile(
        content,
        sections_html,
        version=mechanism.version,
        published_at=None,
        first_published_at=public["first_published_at"] if public else None,
    )
    return DraftPreview(
        profile=profile,
        published_version=public["version"] if public else None,
        published_at=public["published_at"] if public else None,
    )
