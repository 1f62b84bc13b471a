"""How two profiles differ: word diffs of texts, and a readable comparison of two profiles."""

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django_countries import countries

from .. import sheets as spec
from ..models import Region, ThematicArea, Topic

# Facts a profile's rows carry for information but that are not its content: what the
# public sees changes by publishing, and the version by every write.
FACTS_NOT_COMPARED = frozenset({"published", "version"})
# The sheets a diff shows as tables of rows (sections get a text diff of their own).
ROW_SHEETS = ("Participants", "Links", "Documents")


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
