"""Every public read: published snapshots (`PublishedProfile`) only, never the working rows.

Editors change `Mechanism` and its children; a publisher freezes them into a snapshot
(`profiles.services.publishing`). The public pages, search, facets and downloads read
those snapshots through this module, so an unpublished edit is never shown.

A profile page is built from a snapshot's `content` (the normalised profile as workbook
rows) and `sections_html` by `build_profile`, which the staff draft preview also uses on
the working rows (`draft_profile`): the preview is the page as it would be published.

Query counts do not depend on how many mechanisms, participants, sections, links or
documents there are: each function reads a fixed number of tables once.
"""

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models.fields.json import KeyTransform
from django.http import Http404
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django_countries import countries

from .models import (
    Document,
    Mechanism,
    MechanismLink,
    Participation,
    PublishedProfile,
    Region,
    ThematicArea,
    Topic,
)

NOT_FOUND = "No published mechanism has this address."

KIND_LABELS = dict(Mechanism.Kind.choices)
STATUS_LABELS = dict(Mechanism.Status.choices)
ROLE_LABELS = dict(Participation.Role.choices)
LINK_KIND_LABELS = dict(MechanismLink.Kind.choices)
DOCUMENT_KIND_LABELS = dict(Document.Kind.choices)


def published_version() -> str:
    """A short digest of what the public can see: changes on every publish and unpublish.

    Every snapshot's id, version and change set, in one query of integers: every
    publication is a change set of its own (even of an unchanged version), and
    unpublishing removes the row. Cached public pages are keyed on it, so none outlives
    the publication it shows.
    """
    rows = PublishedProfile.objects.order_by("pk").values_list("pk", "version", "change_set_id")
    return hashlib.blake2b(repr(list(rows)).encode(), digest_size=12).hexdigest()


# Other apps' content shown on public pages (e.g. survey figures on a profile) is part of a
# cached page's version: such an app appends, in its AppConfig.ready(), a function returning
# a short string that changes whenever that public content does (one cheap query at most).
PUBLIC_VERSION_SOURCES: list[Callable[[], str]] = []


def other_versions() -> str:
    """The versions of other apps' public content (`PUBLIC_VERSION_SOURCES`), joined."""
    return ":".join(source() for source in PUBLIC_VERSION_SOURCES)


def public_version() -> str:
    """The version of everything public pages show: what is published, and other apps'."""
    return f"{published_version()}:{other_versions()}"


# --- Lists: home, /mechanisms/, search ------------------------------------------------


class Labelled:
    """The names of a mechanism's kind and status (it has `kind` and `status` keys)."""

    kind: str
    status: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


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


# --- One profile -----------------------------------------------------------------------


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
    regions: list[str]
    geographic_scope: str
    regional_organisation: Organisation | None
    secretariat: str
    website: str
    thematic_areas: list[str]
    summary: str
    sources: list[str]

    @property
    def secretariat_unconfirmed(self) -> bool:
        return "?" in self.secretariat


@dataclass(frozen=True)
class SectionView:
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

    # The model's wording ("1990–2005", "since 2015", "until 2010"), from since and until.
    period = property(Participation.period.fget)


@dataclass(frozen=True)
class RoleGroup:
    role: str
    label: str
    participants: list[Participant]


@dataclass(frozen=True)
class RelatedMechanism:
    slug: str
    name: str
    short_name: str
    kind_label: str
    note: str
    described_by_other: bool

    @property
    def url(self) -> str:
        return reverse("profiles:mechanism_detail", kwargs={"slug": self.slug})


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
    related: list[RelatedMechanism]
    documents: list[DocumentView]
    version: int
    # None for a draft that has never been published.
    published_at: datetime | None
    first_published_at: datetime | None

    @property
    def member_count(self) -> int:
        return sum(len(g.participants) for g in self.participant_groups if g.role == "member")


@dataclass(frozen=True)
class PublishedIndex:
    """What every profile page needs to know about the other published profiles."""

    # slug → (name, short name) of every published mechanism.
    names: dict[str, tuple[str, str]]
    # slug → the published Links rows of other mechanisms that point to it.
    links_to: dict[str, list[dict]]
    # slug → its own published Links rows, and (id, version, change set) of its snapshot.
    links_from: dict[str, list[dict]] = field(default_factory=dict)
    snapshots: dict[str, tuple] = field(default_factory=dict)


def published_index() -> PublishedIndex:
    """Every published mechanism's name and links (one query: the `Links` rows only)."""
    names: dict[str, tuple[str, str]] = {}
    links_to: dict[str, list[dict]] = defaultdict(list)
    links_from: dict[str, list[dict]] = {}
    snapshots: dict[str, tuple] = {}
    rows = PublishedProfile.objects.order_by().values_list(
        "slug",
        "name",
        "short_name",
        KeyTransform("Links", "content"),
        "pk",
        "version",
        "change_set_id",
    )
    for slug, name, short_name, links, *snapshot in rows:
        names[slug] = (name, short_name)
        links_from[slug] = links or []
        snapshots[slug] = tuple(snapshot)
        for link in links_from[slug]:
            links_to[link["other_mechanism"]].append(link)
    return PublishedIndex(
        names=names, links_to=dict(links_to), links_from=links_from, snapshots=snapshots
    )


def profile_versions(index: PublishedIndex) -> dict[str, str]:
    """Slug → a digest of everything its profile page (and download) shows from snapshots.

    Its own snapshot (id, version, change set), and from the others exactly what
    `build_profile` takes: whether each mechanism it links to is published and its names,
    and the links of published mechanisms to it with their names. Publishing one
    mechanism thus changes the version of its own page and of the pages it is linked with,
    not of every profile.
    """
    versions = {}
    for slug, snapshot in index.snapshots.items():
        seen = [
            (link["other_mechanism"], index.names.get(link["other_mechanism"]))
            for link in index.links_from[slug]
        ]
        seen += [
            (link["mechanism"], index.names.get(link["mechanism"]), sorted(link.items()))
            for link in index.links_to.get(slug, ())
        ]
        digest = hashlib.blake2b(repr((snapshot, seen)).encode(), digest_size=12)
        versions[slug] = digest.hexdigest()
    return versions


def profile_version(slug: str, published: str | None = None) -> str | None:
    """The version of what `slug`'s public profile page and downloads show from published
    snapshots (see `profile_versions`); None if it is not published. Other apps' parts of
    the page are versioned by `other_versions`.

    A cache read: the digests of every profile are computed once per publication state
    (`published_version`, read unless given) and kept in the cache under it.
    """
    from django.core.cache import cache

    published = published_version() if published is None else published
    key = f"profile-versions:{published}"
    try:
        versions = cache.get(key)
    except Exception:  # a cache that does not answer only costs the computation
        versions = None
    if versions is None:
        versions = profile_versions(published_index())
        with suppress(Exception):
            cache.set(key, versions, 600)
    return versions.get(slug)


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
    shown only while it is published (`index`, read here when not given).
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
        name for slug, name in Region.objects.values_list("slug", "name") if slug in chosen_regions
    ]
    themes = [
        name
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
    )
    return Profile(
        mechanism=facts,
        sections=_sections(content["Sections"], sections_html),
        participant_groups=_participant_groups(content["Participants"], organisations),
        related=_related(facts.slug, content["Links"], index),
        documents=_documents(content["Documents"]),
        version=version,
        published_at=published_at,
        first_published_at=first_published_at,
    )


def _sections(rows: list[dict], html: dict[str, str]) -> list[SectionView]:
    topics = {t.key: t for t in Topic.objects.all()}
    shown = [topics[r["topic"]] for r in rows if r["topic"] in topics and r["topic"] in html]
    # The only place a snapshot's HTML is trusted: it was sanitised by nh3 when saved.
    return [
        SectionView(t.order, t.title, mark_safe(html[t.key]))  # noqa: S308
        for t in sorted(shown, key=lambda t: t.order)
    ]


def _participant_groups(rows: list[dict], organisations: dict) -> list[RoleGroup]:
    by_role: dict[str, list[Participant]] = defaultdict(list)
    for row in rows:
        if row["organisation"]:
            org = organisations.get(row["organisation"])
            name = str(org) if org else row["organisation"]
        else:
            name = str(countries.name(row["country"]) or row["country"])
        by_role[row["role"]].append(
            Participant(
                name=name,
                is_organisation=bool(row["organisation"]),
                since=row["since"],
                until=row["until"],
                unconfirmed=bool(row["unconfirmed"]),
                note=row["note"],
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


def _related(slug: str, links: list[dict], index: PublishedIndex) -> list[RelatedMechanism]:
    related = []
    for link, other, by_other in [
        *((k, k["other_mechanism"], False) for k in links),
        *((k, k["mechanism"], True) for k in index.links_to.get(slug, ())),
    ]:
        if other == slug or other not in index.names:
            continue  # a link shows only while its other end is published
        name, short_name = index.names[other]
        related.append(
            RelatedMechanism(
                slug=other,
                name=name,
                short_name=short_name,
                kind_label=LINK_KIND_LABELS.get(link["kind"], link["kind"]),
                note=link["note"],
                described_by_other=by_other,
            )
        )
    related.sort(key=lambda r: (r.kind_label, r.name, r.described_by_other))
    return related


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
    from .services.publishing import build_snapshots  # reads the working rows

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


# --- Downloads -------------------------------------------------------------------------


def published_contents(*, slug: str | None = None) -> tuple[list[dict], set[str]]:
    """The published profiles' contents for a download (all, or the one with `slug`), by
    name, and the slugs of every published mechanism (what links may point to).

    Raises Http404 when `slug` names no published mechanism. Drafts are never included.
    """
    snapshots = PublishedProfile.objects.order_by("name")
    if slug is not None:
        snapshots = snapshots.filter(slug=slug)
    contents = []
    for content, version in snapshots.values_list("content", "version"):
        # The version published (a snapshot from before the column existed lacks it).
        content["Mechanisms"][0].setdefault("version", version)
        contents.append(content)
    if slug is not None and not contents:
        raise Http404(NOT_FOUND)
    if slug is None:
        targets = {c["Mechanisms"][0]["slug"] for c in contents}
    else:
        targets = set(PublishedProfile.objects.values_list("slug", flat=True))
    return contents, targets
