"""Importing "Summary of Findings" documents (.docx, .md, .txt): read, parse, apply.

Every document is read and parsed before anything is written; if one cannot be read or
its headings cannot be found, nothing at all is written. Otherwise all documents are
applied in one transaction (`services.apply_findings`: the mechanism is matched by name or
alias, or created as a draft). A dry run applies them and rolls back, so that the preview
reports exactly what an import would do.

Time and memory are bounded before any parser builds anything: a .docx is checked by
`workbook.safety.check_docx` (XML parts found through the package's content types and
relationships, no DTDs or entities, at most `MAX_DOCUMENT_PARAGRAPHS` paragraphs,
`MAX_DOCUMENT_ELEMENTS` XML elements and `MAX_DOCUMENT_CHARS` characters), and a text
document may hold at most `MAX_DOCUMENT_CHARS` characters, as may the Markdown made from
a .docx, with no more than `MAX_DOCUMENT_SPACE_RUN` spaces in a row within a line.
"""

import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.db import transaction

from iscm_site.audit import audit
from workbook.safety import (
    DEFAULT_LIMITS,
    MAX_DOCUMENT_CHARS,
    MAX_DOCUMENT_SPACE_RUN,
    MAX_UPLOAD_BYTES,
    Limits,
    UnsafeFileError,
    check_docx,
)

from ..models import Topic
from ..rendering import MAX_IMPORT_MARKDOWN_COST, markdown_cost, markdown_problem
from ..services import Actor, ChangeSet, apply_findings, editing
from .parser import FindingsError, parse_findings
from .word import docx_to_markdown

TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
SPACES = re.compile(r"[^\S\r\n]+")  # white space within a line (each run matched once)
SUFFIXES = {".docx", *TEXT_SUFFIXES}


class FindingsFileError(ValueError):
    """A document that cannot be imported; the message says why."""


def read_document(name: str, data: bytes) -> str:
    """The document's text as Markdown-ish lines."""
    suffix = Path(name).suffix.lower()
    if len(data) > MAX_UPLOAD_BYTES:
        raise FindingsFileError(
            f"larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: refused unread"
        )
    if suffix == ".docx":
        try:
            check_docx(io.BytesIO(data))
            text = docx_to_markdown(io.BytesIO(data))
        except UnsafeFileError as error:
            raise FindingsFileError(str(error)) from None
        except Exception as error:  # python-docx raises many kinds on damaged files
            raise FindingsFileError(f"the Word document could not be read ({error})") from None
    elif suffix in TEXT_SUFFIXES:
        if len(data) > 4 * MAX_DOCUMENT_CHARS + 3:  # more bytes than the characters can take
            raise FindingsFileError(_too_long())
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FindingsFileError("not UTF-8 text: save it as UTF-8") from None
        if "\x00" in text:
            raise FindingsFileError("contains NUL characters: this is not a text document")
    else:
        raise FindingsFileError("only .docx, .md and .txt documents can be imported")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise FindingsFileError(_too_long())
    for run in SPACES.finditer(text):
        if run.end() - run.start() > MAX_DOCUMENT_SPACE_RUN:
            line = text.count("\n", 0, run.start()) + 1
            raise FindingsFileError(
                f"line {line:,} holds more than {MAX_DOCUMENT_SPACE_RUN} spaces in a row: "
                "remove them (use a table or a list to line text up)"
            )
    return text


def _too_long() -> str:
    return (
        f"The document holds more than {MAX_DOCUMENT_CHARS:,} characters of text: the limit "
        f"is {MAX_DOCUMENT_CHARS:,} (a Summary of Findings is a few pages)."
    )


@dataclass
class FindingsOutcome:
    file: str
    name_in_document: str
    mechanism_slug: str = ""
    mechanism_name: str = ""
    mechanism_created: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def describe(self) -> str:
        what = "created as a draft" if self.mechanism_created else "matched"
        return (
            f"{self.file}: “{self.name_in_document}” → {self.mechanism_name} "
            f"({self.mechanism_slug}, {what}); sections: {len(self.created)} created"
            + (f" ({', '.join(self.created)})" if self.created else "")
            + f", {len(self.updated)} updated"
            + (f" ({', '.join(self.updated)})" if self.updated else "")
            + f", {len(self.unchanged)} unchanged"
        )


@dataclass
class FindingsReport:
    outcomes: list[FindingsOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def import_findings_files(
    *,
    files: list[tuple[str, bytes]],
    dry_run: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    actor: Actor | None = None,
):
    """Read, parse and (unless `dry_run`) apply documents given as (file name, bytes).

    All documents are one change set, attributed to `actor` (default: the command line),
    its source the documents' names.

    `limits.max_markdown_chars` bounds the Markdown rendered in all (the admin passes
    `WEB_LIMITS`, to stay within a web request's time).
    """
    report = FindingsReport()
    titles = list(Topic.objects.order_by("order").values_list("title", flat=True))
    parsed = []
    for name, data in files:
        try:
            parsed.append((name, parse_findings(read_document(name, data), titles)))
        except (FindingsFileError, FindingsError) as error:
            report.problems.append(f"{name}: {error}")
    cost = characters = 0
    for name, findings in parsed:
        for number, body in findings.sections.items():
            problem = markdown_problem(body)
            cost += markdown_cost(body)
            characters += len(body)
            if problem:
                report.problems.append(f"{name}: section {number}: {problem}")
    if cost > MAX_IMPORT_MARKDOWN_COST and not report.problems:
        report.problems.append(
            "The documents hold too many “[” characters (links) in all to be rendered in one "
            "import: import them one at a time."
        )
    if characters > limits.max_markdown_chars and not report.problems:
        report.problems.append(
            f"The documents' sections hold more than {limits.max_markdown_chars:,} characters "
            "in all, more than one import here renders: import them one at a time (or with "
            "`manage.py import_findings`)."
        )
    if report.problems:
        return report
    source = ", ".join(name for name, _data in files)
    if actor is None:
        actor = Actor.command(source, via=ChangeSet.Via.FINDINGS_IMPORT)
    else:
        actor = replace(actor, source=source)
    with editing(actor):
        for name, findings in parsed:
            result = apply_findings(parsed=findings)
            report.outcomes.append(
                FindingsOutcome(
                    file=name,
                    name_in_document=findings.mechanism_name,
                    mechanism_slug=result.mechanism.slug,
                    mechanism_name=result.mechanism.name,
                    mechanism_created=result.mechanism_created,
                    created=result.changes.created,
                    updated=result.changes.updated,
                    unchanged=result.changes.unchanged,
                )
            )
        if dry_run:
            transaction.set_rollback(True)
    report.applied = not dry_run
    if report.applied:
        audit("import.applied", user=actor.user, kind="findings", source=source)
    return report
