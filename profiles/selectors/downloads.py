"""Downloads of published profiles in the workbook format."""

from django.http import Http404

from ..models import PublishedProfile
from .common import NOT_FOUND


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
