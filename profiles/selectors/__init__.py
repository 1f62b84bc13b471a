"""Every public read: published snapshots (`PublishedProfile`) only, never the working rows.

Editors change `Mechanism` and its children; a publisher freezes them into a snapshot
(`profiles.services.publishing`). The public pages, search, facets and downloads read
those snapshots through this module, so an unpublished edit is never shown.

A profile page is built from a snapshot's `content` (the normalised profile as workbook
rows) and `sections_html` by `build_profile`, which the staff draft preview also uses on
the working rows (`draft_profile`): the preview is the page as it would be published.

Query counts do not depend on how many mechanisms, participants, sections, links or
documents there are: each function reads a fixed number of tables once.

Each concept has its module (lists, search, facets, countries, compare, overlap, one
profile, downloads, versions); this package re-exports their public names, so callers
write `selectors.get_profile(...)`.
"""

from .common import (
    DOCUMENT_KIND_LABELS,
    KIND_LABELS,
    LINK_KIND_LABELS,
    NOT_FOUND,
    ROLE_LABELS,
    STATUS_LABELS,
    Labelled,
)
from .downloads import published_contents
from .facets import Cause, Facet, FacetValue, did_you_mean, empty_causes, facets
from .index import PublishedIndex, published_index
from .lists import (
    MechanismSummary,
    RegionGroup,
    Result,
    ResultPage,
    Vocabulary,
    group_by_region,
    mechanism_list,
    result_page,
    result_table,
    vocabulary,
)
from .profile import (
    DocumentView,
    DraftPreview,
    Facts,
    Organisation,
    Participant,
    Profile,
    RelatedMechanism,
    RoleGroup,
    SectionView,
    build_profile,
    draft_profile,
    get_profile,
)
from .versions import (
    PUBLIC_VERSION_SOURCES,
    other_versions,
    profile_version,
    profile_versions,
    public_version,
    published_version,
)

__all__ = [
    "DOCUMENT_KIND_LABELS",
    "KIND_LABELS",
    "LINK_KIND_LABELS",
    "NOT_FOUND",
    "PUBLIC_VERSION_SOURCES",
    "ROLE_LABELS",
    "STATUS_LABELS",
    "Cause",
    "DocumentView",
    "DraftPreview",
    "Facet",
    "FacetValue",
    "Facts",
    "Labelled",
    "MechanismSummary",
    "Organisation",
    "Participant",
    "Profile",
    "PublishedIndex",
    "RegionGroup",
    "RelatedMechanism",
    "Result",
    "ResultPage",
    "RoleGroup",
    "SectionView",
    "Vocabulary",
    "build_profile",
    "did_you_mean",
    "draft_profile",
    "empty_causes",
    "facets",
    "get_profile",
    "group_by_region",
    "mechanism_list",
    "other_versions",
    "profile_version",
    "profile_versions",
    "public_version",
    "published_contents",
    "published_index",
    "published_version",
    "result_page",
    "result_table",
    "vocabulary",
]
