"""Versions of what the public sees: the keys of the page cache.

`published_version` moves on every publication; `profile_version` only when what one
profile's downloads show moves (its own snapshot, or those it is linked with). Its page
also names the mechanisms sharing the most member States with it, which any publication
can change: the page of a profile with members moves with `published_version`.
"""

import hashlib
from collections.abc import Callable
from contextlib import suppress

from django.db import connection

from ..models import PublishedProfile
from .index import PublishedIndex, published_index

# A digest of every snapshot's (id, version, change set) computed by PostgreSQL: one row
# comes back instead of every snapshot's (7–10 ms of Python at 5,000 profiles, on every
# request, cached or not). XOR of 64-bit hashes does not depend on row order.
_PG_DIGEST = (
    "SELECT count(*), coalesce(bit_xor(hashtextextended("
    "id::text || ':' || version || ':' || coalesce(change_set_id, 0), 0)), 0) FROM {table}"
)


def published_version() -> str:
    """A short digest of what the public can see: changes on every publish and unpublish.

    Every snapshot's id, version and change set: every publication is a change set of its
    own (even of an unchanged version), and unpublishing removes the row. One query.
    Cached public pages are keyed on it, so none outlives the publication it shows.
    """
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(PublishedProfile._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(_PG_DIGEST.format(table=table))
            count, digest = cursor.fetchone()
        return f"{count}-{digest & 0xFFFF_FFFF_FFFF_FFFF:016x}"
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


def profile_version(
    slug: str, published: str | None = None, *, sharing: bool = False
) -> str | None:
    """The version of what `slug`'s public profile downloads show from published snapshots
    (see `profile_versions`); None if it is not published. Other apps' parts of the page
    are versioned by `other_versions`.

    With `sharing`, the version of its page, which also names the published mechanisms
    sharing the most member States with it: for a profile with members, any publication
    may change those (another mechanism's members), so it is `published` itself.

    A cache read: the digests of every profile are computed once per publication state
    (`published_version`, read unless given) and kept in the cache under it.
    """
    from django.core.cache import cache

    published = published_version() if published is None else published
    key = f"profile-versions:2:{published}"  # 2: with the profiles that have members
    try:
        cached = cache.get(key)
    except Exception:  # a cache that does not answer only costs the computation
        cached = None
    if cached is None:
        index = published_index()
        with_members = frozenset(s for s, count in index.member_counts.items() if count)
        cached = (profile_versions(index), with_members)
        with suppress(Exception):
            cache.set(key, cached, 600)
    versions, with_members = cached
    version = versions.get(slug)
    if version is not None and sharing and slug in with_members:
        return f"{version}:{published}"
    return version
