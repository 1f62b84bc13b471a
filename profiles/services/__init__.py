"""The profiles write gateway (DESIGN.md §6): every write to a profile goes through here.

- `changes`: the change-set context (`editing`), single-row saves and deletes that write
  nothing when nothing changed, version bumps and optimistic locking, section HTML;
- `publishing`: snapshots for the public (`publish`, `unpublish`);
- `findings`: filling sections from a Summary of Findings document.
"""

from .changes import (
    Actor,
    ChangeSet,
    StaleEdit,
    delete_object,
    editing,
    expect_version,
    prepare_section,
    save_object,
    touch,
)
from .findings import apply_findings, find_mechanism_by_name, save_sections
from .publishing import publish, unpublish
from .restoring import restore as restore

__all__ = [
    "Actor",
    "ChangeSet",
    "StaleEdit",
    "apply_findings",
    "delete_object",
    "editing",
    "expect_version",
    "find_mechanism_by_name",
    "prepare_section",
    "publish",
    "save_object",
    "save_sections",
    "touch",
    "unpublish",
]
