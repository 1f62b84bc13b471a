"""A profile's versions: what it held at each one, how two differ, what changed since one.

A mechanism's versions are its `HistoricalMechanism` records: the write gateway
(`profiles.services.changes`) writes exactly one per change set that touches the profile,
carrying the new `version` and the regions and thematic areas (`region_keys`,
`theme_keys`). Version N's profile is rebuilt as of its change set: for each child model,
the latest history record of every row written by that change set or an earlier one,
leaving out rows whose latest record is a deletion. Records written outside any change
set (before the gateway, or by code that bypasses it) count by their date, and rows with
no history at all (older than the history) count as unchanged since.

Every profile here has the form of `publishing.profile_contents` (workbook rows, one list
per sheet), so that the working copy, any version and the published snapshot compare
alike (`diff_contents`). Each rebuild costs a constant number of queries (about a dozen),
whatever the number of rows or versions.

One module per concept; everything is importable from here:

- `records`: finding a mechanism's version records (`version_records`, `version_record`),
  and who wrote one, from where, when;
- `rebuild`: a profile as of a version (`rebuild`, `version_contents`), the working copy
  and what the public sees (`working_contents`, `published_contents`);
- `diff`: how two profiles differ (`diff_contents`, `ProfileDiff`), word diffs of texts
  and their HTML (`diff_segments`, `render_segments`);
- `since`: what changed since a version (`changes_since`, `describe_changes_since`).
"""

from .diff import (
    FACTS_NOT_COMPARED,
    MAX_WORD_DIFF_TOKENS,
    ROW_SHEETS,
    TOKENS,
    FieldChange,
    ProfileDiff,
    RowChange,
    SectionChange,
    TableChange,
    column_label,
    diff_contents,
    diff_segments,
    render_segments,
)
from .rebuild import (
    CHILD_MODELS,
    CHILD_SHEETS,
    Cutoff,
    Rebuilt,
    cutoff_of,
    empty_contents,
    published_contents,
    rebuild,
    version_contents,
    working_contents,
)
from .records import (
    HistoricalMechanism,
    VersionNotFound,
    origin,
    previous_version_number,
    version_record,
    version_records,
    when,
    who,
)
from .since import MAX_NAMED_CHANGES, changes_since, describe_changes_since

__all__ = [
    "CHILD_MODELS",
    "CHILD_SHEETS",
    "FACTS_NOT_COMPARED",
    "MAX_NAMED_CHANGES",
    "MAX_WORD_DIFF_TOKENS",
    "ROW_SHEETS",
    "TOKENS",
    "Cutoff",
    "FieldChange",
    "HistoricalMechanism",
    "ProfileDiff",
    "Rebuilt",
    "RowChange",
    "SectionChange",
    "TableChange",
    "VersionNotFound",
    "changes_since",
    "column_label",
    "cutoff_of",
    "describe_changes_since",
    "diff_contents",
    "diff_segments",
    "empty_contents",
    "origin",
    "previous_version_number",
    "published_contents",
    "rebuild",
    "render_segments",
    "version_contents",
    "version_record",
    "version_records",
    "when",
    "who",
    "working_contents",
]
