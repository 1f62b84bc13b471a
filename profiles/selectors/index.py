"""What every profile page needs to know about the other published profiles."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models.fields.json import KeyTransform

from ..models import PublishedProfile


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
    # slug → its number of members (States and organisations).
    member_counts: dict[str, int] = field(default_factory=dict)


def published_index() -> PublishedIndex:
    """Every published mechanism's name, links and member count (one query: of `content`,
    the `Links` rows only)."""
    names: dict[str, tuple[str, str]] = {}
    links_to: dict[str, list[dict]] = defaultdict(list)
    links_from: dict[str, list[dict]] = {}
    snapshots: dict[str, tuple] = {}
    member_counts: dict[str, int] = {}
    rows = PublishedProfile.objects.order_by().values_list(
        "slug",
        "name",
        "short_name",
        KeyTransform("Links", "content"),
        "pk",
        "version",
        "change_set_id",
        "member_count",
    )
    for slug, name, short_name, links, *snapshot, member_count in rows:
        names[slug] = (name, short_name)
        member_counts[slug] = member_count
        links_from[slug] = links or []
        snapshots[slug] = tuple(snapshot)
        for link in links_from[slug]:
            links_to[link["other_mechanism"]].append(link)
    return PublishedIndex(
        names=names,
        links_to=dict(links_to),
        links_from=links_from,
        snapshots=snapshots,
        member_counts=member_counts,
    )
