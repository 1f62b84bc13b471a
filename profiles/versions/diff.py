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
"""

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, Max, Model, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django_countries import countries

from history.models import ChangeSet

from . import sheets as spec
from .exporter import ROLE_ORDER
from .models import (
    Document,
    Mechanism,
    MechanismLink,
    Organisation,
    Participation,
    PublishedProfile,
    Region,
    Section,
    ThematicArea,
    Topic,
)

HistoricalMechanism = Mechanism.history.model

CHILD_MODELS: dict[str, type[Model]] = {
    "Sections": Section,
    "Participants": Participation,
    "Links": MechanismLink,
    "Documents": Document,
}
CHILD_SHEETS = tuple(CHILD_MODELS)
# Facts a profile's rows carry for information but that are not its content: what the
# public sees changes by publishing, and the version by every write.
FACTS_NOT_COMPARED = frozenset({"published", "version"})
# The sheets a diff shows as tables of rows (sections get a text diff of their own).
ROW_SHEETS = ("Participants", "Links", "Documents")


class VersionNotFound(ValueError):
    """No such version of this mechanism."""


def empty_contents() -> dict[str, list]:
    """A profile with nothing in it: what the first version is compared with."""
    return {"Mechanisms": [], **{sheet: [] for sheet in CHILD_SHEETS}, "Organisations": []}


# --- versions ----------------------------------------------------------------------------


def version_records(mechanism_id: int) -> QuerySet:
    """The mechanism's versions, newest first: one record per version number.

    Writes that bypassed the gateway may have left several records with one number; the
    latest of them stands for the version.
    """
    latest = (
        HistoricalMechanism.objects.filter(id=mechanism_id)
        .exclude(history_type="-")
        .order_by()
        .values("version")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    return (
        HistoricalMechanism.objects.filter(history_id__in=latest)
        .select_related("change_set", "history_user")
        .order_by("-version", "-history_id")
    )


def version_record(mechanism: Mechanism, number: int):
    """Version `number` of `mechanism` (a `HistoricalMechanism` record)."""
    record = version_records(mechanism.pk).filter(version=number).first()
    if record is None:
        raise VersionNotFound(f"{mechanism} has no version {number}.")
    return record


def previous_version_number(mechanism: Mechanism, number: int) -> int | None:
    return (
        version_records(mechanism.pk)
        .filter(version__lt=number)
        .values_list("version", flat=True)
        .first()
    )


# --- rebuilding a version ------------------------------------------------------------------


@dataclass(frozen=True)
class Cutoff:
    """Which history records a version includes."""

    change_set_id: int  # records of this change set and of every earlier one
    moment: datetime  # records written outside any change set up to this moment

    def q(self) -> Q:
        return Q(change_set_id__lte=self.change_set_id) | Q(
            change_set__isnull=True, history_date__lte=self.moment
        )


def cutoff_of(record) -> Cutoff:
    if record.change_set_id is not None:
        return Cutoff(record.change_set_id, record.change_set.created_at)
    # A version written outside any change set: everything recorded until then.
    before = ChangeSet.objects.filter(created_at__lte=record.history_date)
    return Cutoff(before.aggregate(last=Max("pk"))["last"] or 0, record.history_date)


@dataclass
class Rebuilt:
    """A version's profile, and the rows its natural keys stand for (for a restore)."""

    record: object
    content: dict[str, list]
    organisation_ids: dict[str, int] = field(default_factory=dict)  # acronym → id
    mechanism_ids: dict[str, int] = field(default_factory=dict)  # link target slug → id


def _latest_per_row(history: type[Model], cutoff: Cutoff, rows: QuerySet) -> QuerySet:
    """History records: the latest of each row among `rows` (a queryset of `id`s)."""
    latest = (
        history.objects.filter(cutoff.q(), id__in=rows)
        .order_by()
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    return history.objects.filter(history_id__in=latest).order_by()


def _children_as_of(model: type[Model], mechanism_id: int, cutoff: Cutoff) -> list:
    """The mechanism's rows of `model` as of `cutoff`: two queries."""
    history = model.history.model
    ever = history.objects.filter(mechanism_id=mechanism_id).values("id")
    records = list(
        _latest_per_row(history, cutoff, ever)
        .filter(mechanism_id=mechanism_id)
        .exclude(history_type="-")
    )
    untracked = model.objects.filter(mechanism_id=mechanism_id).filter(
        ~Exists(history.objects.filter(id=OuterRef("pk")))
    )
    return records + list(untracked.order_by())


def _rows_as_of(model: type[Model], ids: set[int], cutoff: Cutoff) -> dict[int, object]:
    """Id → the row (history record, or the row itself if it has none) as of `cutoff`."""
    if not ids:
        return {}
    history = model.history.model
    found = {r.id: r for r in _latest_per_row(history, cutoff, sorted(ids))}
    missing = ids - found.keys()
    if missing:  # older than the history: as they are now
        found.update({row.pk: row for row in model.objects.filter(pk__in=sorted(missing))})
    missing = ids - found.keys()
    if missing:  # gone since, and recorded only later: their last record
        everything = Cutoff(change_set_id=2**62, moment=timezone.now())
        found.update({r.id: r for r in _latest_per_row(history, everything, sorted(missing))})
    return found


def _participant_order(p, acronym) -> tuple:
    # As the exporter orders them (profiles.exporter.workbook_rows).
    return (
        ROLE_ORDER.get(p.role, 99),
        p.organisation_id is not None,
        str(p.country),
        acronym(p.organisation_id),
        p.since or 0,
        p.until or 0,
    )


def rebuild(record) -> Rebuilt:
    """The profile as of the version `record` (a `HistoricalMechanism` record)."""
    cutoff = cutoff_of(record)
    rows = {
        sheet: _children_as_of(model, record.id, cutoff) for sheet, model in CHILD_MODELS.items()
    }
    organisations = _rows_as_of(
        Organisation,
        ({record.regional_organisation_id} | {p.organisation_id for p in rows["Participants"]})
        - {None},
        cutoff,
    )
    targets = _rows_as_of(Mechanism, {k.other_mechanism_id for k in rows["Links"]}, cutoff)
    # As in the working copy, a link is listed only while its other end exists.
    rows["Links"] = [k for k in rows["Links"] if k.other_mechanism_id in targets]
    topics = {t.pk: t for t in Topic.objects.all()}

    def acronym(pk: int | None) -> str:
        return organisations[pk].acronym if pk else ""

    slug = record.slug
    facts = spec.mechanism_row(
        record,
        _keys(record.region_keys),
        _keys(record.theme_keys),
        acronym(record.regional_organisation_id),
    )
    del facts["published"]
    sections = sorted(rows["Sections"], key=lambda s: topics[s.topic_id].order)
    participants = sorted(rows["Participants"], key=lambda p: _participant_order(p, acronym))
    links = sorted(rows["Links"], key=lambda k: (targets[k.other_mechanism_id].slug, k.kind))
    documents = sorted(rows["Documents"], key=lambda d: d.title)
    content = {
        "Mechanisms": [{k: sorted(v) if isinstance(v, frozenset) else v for k, v in facts.items()}],
        "Sections": [spec.section_row(s, slug, topics[s.topic_id].key) for s in sections],
        "Participants": [
            spec.participant_row(p, slug, acronym(p.organisation_id)) for p in participants
        ],
        "Links": [spec.link_row(k, slug, targets[k.other_mechanism_id].slug) for k in links],
        "Documents": [spec.document_row(d, slug) for d in documents],
        "Organisations": [
            spec.organisation_row(o)
            for o in sorted(organisations.values(), key=lambda o: o.acronym)
        ],
    }
    return Rebuilt(
        record=record,
        content=content,
        organisation_ids={o.acronym: pk for pk, o in organisations.items()},
        mechanism_ids={m.slug: pk for pk, m in targets.items()},
    )


def _keys(text: str) -> frozenset:
    return frozenset(part.strip() for part in (text or "").split(";") if part.strip())


def version_contents(mechanism: Mechanism, number: int) -> dict[str, list]:
    return rebuild(version_record(mechanism, number)).content


def working_contents(mechanism: Mechanism) -> dict[str, list]:
    """The working copy: the editable rows as they are now."""
    from .services.publishing import profile_contents  # the gateway imports this module

    return profile_contents(Mechanism.objects.filter(pk=mechanism.pk))[mechanism.slug]


def published_contents(mechanism: Mechanism) -> tuple[int, dict] | None:
    """(version, content) of what the public sees, or None if it is not published."""
    return (
        PublishedProfile.objects.filter(mechanism=mechanism)
        .values_list("version", "content")
        .first()
    )


# --- text diffs ------------------------------------------------------------------------------

TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
# Above this many words and spaces in one changed block, the block is shown as removed and
# added whole (a word diff of two long unrelated texts costs quadratic time).
MAX_WORD_DIFF_TOKENS = 3000


def diff_segments(old: str, new: str) -> list[tuple[str, str]]:
    """`old` → `new` as (op, text) pieces: "=" kept, "-" removed, "+" added.

    Lines are matched first; changed lines are then compared word by word.
    """
    a_lines, b_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a_lines, b_lines).get_opcodes():
        a, b = "".join(a_lines[i1:i2]), "".join(b_lines[j1:j2])
        if tag == "replace":
            pieces += _word_segments(a, b)
        else:
            pieces += [("=", a)] if tag == "equal" else [("-", a), ("+", b)]
    return _tidy([(op, text) for op, text in pieces if text])


def _tidy(pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One removal then one addition per changed stretch, spaces between changes included.

    "Five Central Asian" → "Edited after" reads as one replacement, not as three words
    replaced one by one around the spaces they happen to share.
    """
    tidy: list[tuple[str, str]] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        if removed:
            tidy.append(("-", "".join(removed)))
        if added:
            tidy.append(("+", "".join(added)))
        removed.clear()
        added.clear()

    for index, (op, text) in enumerate(pieces):
        if op == "-":
            removed.append(text)
        elif op == "+":
            added.append(text)
        elif (
            (removed or added)
            and text.isspace()
            and index + 1 < len(pieces)
            and pieces[index + 1][0] != "="
        ):
            removed.append(text)
            added.append(text)
        else:
            flush()
            if tidy and tidy[-1][0] == "=":
                tidy[-1] = ("=", tidy[-1][1] + text)
            else:
                tidy.append(("=", text))
    flush()
    return tidy


def _word_segments(a: str, b: str) -> list[tuple[str, str]]:
    a_tokens, b_tokens = TOKENS.findall(a), TOKENS.findall(b)
    # What both share at the start and the end is kept as is (linear, however long).
    start = 0
    while start < min(len(a_tokens), len(b_tokens)) and a_tokens[start] == b_tokens[start]:
        start += 1
    end = 0
    while (
        end < min(len(a_tokens), len(b_tokens)) - start and a_tokens[-1 - end] == b_tokens[-1 - end]
    ):
        end += 1
    a_mid = a_tokens[start : len(a_tokens) - end]
    b_mid = b_tokens[start : len(b_tokens) - end]
    pieces = [("=", "".join(a_tokens[:start]))]
    if len(a_mid) + len(b_mid) > MAX_WORD_DIFF_TOKENS:
        pieces += [("-", "".join(a_mid)), ("+", "".join(b_mid))]
    else:
        matcher = difflib.SequenceMatcher(None, a_mid, b_mid, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            a_text, b_text = "".join(a_mid[i1:i2]), "".join(b_mid[j1:j2])
            pieces += [("=", a_text)] if tag == "equal" else [("-", a_text), ("+", b_text)]
    return [*pieces, ("=", "".join(a_tokens[len(a_tokens) - end :]))]


def render_segments(pieces: Iterable[tuple[str, str]], show: str = "-+") -> SafeString:
    """HTML of diff pieces: everything escaped, removals in <del>, additions in <ins>.

    `show` picks the sides: "-+" inline, "-" the text before, "+" the text after.
    """
    html = []
    for op, text in pieces:
        if op == "=":
            html.append(escape(text))
        elif op in show:
            tag = "del" if op == "-" else "ins"
            html.append(f"<{tag}>{escape(text)}</{tag}>")
    return mark_safe("".join(html))  # noqa: S308 - every piece of text is escaped above


# --- comparing two profiles ------------------------------------------------------------------


@dataclass
class FieldChange:
    name: str
    label: str
    before: SafeString
    after: SafeString


@dataclass
class SectionChange:
    key: str
    title: str
    order: int
    status: str  # added, removed, changed
    html: SafeString


@dataclass
class RowChange:
    status: str  # added, removed, changed
    cells: list[SafeString]


@dataclass
class TableChange:
    sheet: str
    label: str
    headers: list[str]
    rows: list[RowChange]


@dataclass
class ProfileDiff:
    facts: list[FieldChange]
    sections: list[SectionChange]
    tables: list[TableChange]

    @property
    def changed(self) -> bool:
        return bool(self.facts or self.sections or any(t.rows for t in self.tables))

    def parts(self) -> list[str]:
        """What changed, in a few words: ["summary", "section 2", "participants"]."""
        return (
            [change.label.lower() for change in self.facts]
            + [f"section {change.order}" for change in self.sections]
            + [table.sheet.lower() for table in self.tables if table.rows]
        )


class _Labels:
    """Readable names of the values a profile holds (three queries, once per diff)."""

    def __init__(self):
        self.vocabularies = {
            "regions": dict(Region.objects.values_list("slug", "name")),
            "themes": dict(ThematicArea.objects.values_list("slug", "name")),
        }
        self.topics = {t.key: t for t in Topic.objects.all()}

    def value(self, column, value) -> str:
        if value is None or value == "":
            return ""
        if column.type == "flag":
            return "yes" if value else "no"
        if column.type == "choice":
            return str(dict(column.choices.choices).get(value, value))
        if column.type == "country":
            return f"{countries.name(value) or value} ({value})"
        if column.type == "keys":
            return "; ".join(self.item_names(column, value))
        return str(value)

    def item_names(self, column, keys: Iterable[str]) -> list[str]:
        names = self.vocabularies.get(column.vocabulary, {})
        return [names.get(key, key) for key in keys]


def column_label(sheet: spec.Sheet, column) -> str:
    """A column's label: its model field's verbose name."""
    try:
        return str(sheet.model._meta.get_field(column.field_name).verbose_name)
    except LookupError:
        return column.name.replace("_", " ")


def _fact_change(column, labels: _Labels, old, new) -> FieldChange:
    label = capfirst(column_label(spec.MECHANISMS, column))
    if column.type == "keys":
        old_keys, new_keys = list(old or ()), list(new or ())
        before = [(("-" if k not in new_keys else "="), k) for k in old_keys]
        after = [(("+" if k not in old_keys else "="), k) for k in new_keys]
        return FieldChange(
            column.name,
            label,
            _item_list(column, labels, before),
            _item_list(column, labels, after),
        )
    old_text, new_text = labels.value(column, old), labels.value(column, new)
    if column.type in ("text", "url", "slug"):
        pieces = diff_segments(old_text, new_text)
    else:
        pieces = [("-", old_text), ("+", new_text)]
    return FieldChange(
        column.name, label, render_segments(pieces, "-"), render_segments(pieces, "+")
    )


def _item_list(column, labels: _Labels, items: list[tuple[str, str]]) -> SafeString:
    names = labels.item_names(column, [key for _, key in items])
    return render_segments(
        [
            piece
            for (op, _), name in zip(items, names, strict=True)
            for piece in ((op, name), ("=", "; "))
        ][:-1]
    )


def _facts_diff(old: dict, new: dict, labels: _Labels) -> list[FieldChange]:
    changes = []
    for column in spec.MECHANISMS.columns:
        name = column.name
        if name in FACTS_NOT_COMPARED or (name not in old and name not in new):
            continue
        if old.get(name) != new.get(name):
            changes.append(_fact_change(column, labels, old.get(name), new.get(name)))
    return changes


def _sections_diff(old: list[dict], new: list[dict], labels: _Labels) -> list[SectionChange]:
    before = {row["topic"]: row["body"] for row in old}
    after = {row["topic"]: row["body"] for row in new}
    changes = []
    for key in sorted(before.keys() | after.keys(), key=lambda k: _topic_order(labels, k)):
        old_body, new_body = before.get(key), after.get(key)
        if old_body == new_body:
            continue
        status = "added" if old_body is None else "removed" if new_body is None else "changed"
        topic = labels.topics.get(key)
        changes.append(
            SectionChange(
                key=key,
                title=topic.title if topic else key,
                order=topic.order if topic else 0,
                status=status,
                html=render_segments(diff_segments(old_body or "", new_body or "")),
            )
        )
    return changes


def _topic_order(labels: _Labels, key: str) -> tuple:
    topic = labels.topics.get(key)
    return (topic.order if topic else 10_000, key)


def _rows_diff(sheet: spec.Sheet, old: list[dict], new: list[dict], labels: _Labels) -> TableChange:
    columns = [c for c in sheet.columns if c.name != "mechanism"]
    key_names = [name for name in sheet.key if name != "mechanism"]

    def key(row: dict) -> tuple:
        return tuple(row[name] for name in key_names)

    before, after = {key(r): r for r in old}, {key(r): r for r in new}

    def cells(row: dict, op: str) -> list[SafeString]:
        return [render_segments([(op, labels.value(c, row[c.name]))]) for c in columns]

    rows = []
    for row in new:
        previous = before.get(key(row))
        if previous is None:
            rows.append(RowChange("added", cells(row, "+")))
        elif previous != row:
            rows.append(
                RowChange(
                    "changed",
                    [_cell_change(c, labels, previous[c.name], row[c.name]) for c in columns],
                )
            )
    rows += [RowChange("removed", cells(row, "-")) for row in old if key(row) not in after]
    headers = [capfirst(column_label(sheet, c)) for c in columns]
    return TableChange(sheet.name, sheet.name, headers, rows)


def _cell_change(column, labels: _Labels, old, new) -> SafeString:
    old_text, new_text = labels.value(column, old), labels.value(column, new)
    if old_text == new_text:
        return render_segments([("=", new_text)])
    return render_segments(
        [("-", old_text), ("=", " → " if old_text and new_text else ""), ("+", new_text)]
    )


def diff_contents(old: dict, new: dict) -> ProfileDiff:
    """What changed from profile `old` to profile `new` (both as `profile_contents` gives)."""
    labels = _Labels()
    old_facts = (old.get("Mechanisms") or [{}])[0]
    new_facts = (new.get("Mechanisms") or [{}])[0]
    return ProfileDiff(
        facts=_facts_diff(old_facts, new_facts, labels),
        sections=_sections_diff(old.get("Sections", []), new.get("Sections", []), labels),
        tables=[
            _rows_diff(spec.SHEETS_BY_NAME[name], old.get(name, []), new.get(name, []), labels)
            for name in ROW_SHEETS
        ],
    )


# --- what changed since a version ------------------------------------------------------------


def changes_since(mechanism: Mechanism, version: int) -> list[tuple[object, ChangeSet | None]]:
    """(version record, its change set) of every version after `version`, oldest first."""
    records = version_records(mechanism.pk).filter(version__gt=version).order_by("version")
    return [(record, record.change_set) for record in records]


def who(record, change_set: ChangeSet | None) -> str:
    if change_set is not None:
        return change_set.username or "the command line"
    user = record.history_user
    return user.get_username() if user is not None else "someone"


def origin(change_set: ChangeSet | None) -> str:
    """Where a change came from: "Workbook import iscm.xlsx", "Admin change page"…"""
    if change_set is None:
        return "outside the history"
    label = change_set.get_via_display()
    source = change_set.source
    # A page's own address says nothing the label does not.
    return f"{label} {source}" if source and not source.startswith("/") else label


def when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return date_format(local, "H:i")
    return date_format(local, "j M Y, H:i")


MAX_NAMED_CHANGES = 3


def describe_changes_since(mechanism: Mechanism, version: int) -> str:
    """One sentence for a stale edit: who changed the profile since `version`, and what.

    "Changed meanwhile by alice at 10:02 (Workbook import iscm.xlsx): summary, section 2,
    participants". Empty if nothing changed since.
    """
    changes = changes_since(mechanism, version)
    if not changes:
        return ""
    named = [f"{who(r, cs)} at {when(r.history_date)} ({origin(cs)})" for r, cs in changes]
    if len(named) > MAX_NAMED_CHANGES:
        named = [*named[: MAX_NAMED_CHANGES - 1], f"{len(named) - MAX_NAMED_CHANGES + 1} more"]
    text = "Changed meanwhile by " + _and(named)
    old = version_records(mechanism.pk).filter(version=version).first()
    if old is None:
        return text
    parts = diff_contents(rebuild(old).content, rebuild(changes[-1][0]).content).parts()
    return f"{text}: {', '.join(parts)}" if parts else text


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
