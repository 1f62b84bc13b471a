"""A profile's related mechanisms: the links recorded between mechanisms, then those that
share the most member States with it."""

from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse

from ..models import MechanismLink, Participation, PublishedParticipant
from .common import LINK_KIND_LABELS, pair_url
from .index import PublishedIndex

# Strongest first: a mechanism's kinds of link are listed in this order, and the
# mechanisms with a stronger link before the others.
LINK_KIND_ORDER = {kind: rank for rank, kind in enumerate(MechanismLink.Kind.values)}
SHARING_LIMIT = 5


@dataclass(frozen=True)
class LinkView:
    kind_label: str
    note: str
    # The link is on the other mechanism's profile (it points to this one).
    described_by_other: bool


@dataclass(frozen=True)
class RelatedMechanism:
    """Another mechanism with every link recorded between it and this one."""

    slug: str
    name: str
    short_name: str
    links: list[LinkView]

    @property
    def url(self) -> str:
        return reverse("profiles:mechanism_detail", kwargs={"slug": self.slug})

    @property
    def kinds_label(self) -> str:
        """Its kinds of link, each once: "Formal cooperation; Experience sharing"."""
        return "; ".join(dict.fromkeys(link.kind_label for link in self.links))


@dataclass(frozen=True)
class SharingMembers:
    """A published mechanism with member States in common with this one."""

    slug: str
    name: str
    short_name: str
    shared: int
    # The overlap page of the pair, its slugs in alphabetical order (its one address).
    overlap_url: str

    @property
    def url(self) -> str:
        return reverse("profiles:mechanism_detail", kwargs={"slug": self.slug})


def linked_mechanisms(
    slug: str, links: list[dict], index: PublishedIndex
) -> list[RelatedMechanism]:
    """One entry per other mechanism, from this profile's Links rows and the published ones
    pointing to it; a mechanism shows only while it is published (`index`)."""
    found: dict[str, list[tuple[int, LinkView]]] = {}
    for link, other, by_other in [
        *((k, k["other_mechanism"], False) for k in links),
        *((k, k["mechanism"], True) for k in index.links_to.get(slug, ())),
    ]:
        if other == slug or other not in index.names:
            continue
        rank = LINK_KIND_ORDER.get(link["kind"], len(LINK_KIND_ORDER))
        view = LinkView(LINK_KIND_LABELS.get(link["kind"], link["kind"]), link["note"], by_other)
        found.setdefault(other, []).append((rank, view))
    related = []
    for other, ranked in found.items():
        ranked.sort(key=lambda r: (r[0], r[1].described_by_other, r[1].note))
        name, short_name = index.names[other]
        related.append(RelatedMechanism(other, name, short_name, [view for _, view in ranked]))
    strongest = {other: min(rank for rank, _ in ranked) for other, ranked in found.items()}
    related.sort(key=lambda r: (strongest[r.slug], r.name))
    return related


def sharing_members(slug: str, participants: list[dict]) -> list[SharingMembers]:
    """The published mechanisms sharing the most member States with these participants
    (the profile's own rows, published or a draft's): at most SHARING_LIMIT, most first.

    One query, counted in the database over `PublishedParticipant`; the profile's own
    snapshot (`slug`) is left out.
    """
    member = Participation.Role.MEMBER
    states = sorted({p["country"] for p in participants if p["role"] == member and p["country"]})
    if not states:
        return []
    rows = (
        PublishedParticipant.objects.filter(role=member, country__in=states)
        .exclude(profile__slug=slug)
        .values("profile__slug", "profile__name", "profile__short_name")
        .annotate(shared=Count("country", distinct=True))
        .order_by("-shared", "profile__name", "profile__slug")[:SHARING_LIMIT]
    )
    sharing = []
    for row in rows:
        other = row["profile__slug"]
        sharing.append(
            SharingMembers(
                slug=other,
                name=row["profile__name"],
                short_name=row["profile__short_name"],
                shared=row["shared"],
                overlap_url=pair_url(slug, other),
            )
        )
    return sharing
