"""Reading "Summary of Findings per ISCM" documents (Markdown or plain text).

IPD writes these documents by hand, so the parser does not rely on one layout: the
mechanism's name follows a "Name of the … mechanism (ISCM):" label, and the topic
headings are numbered paragraphs (`1.` or `1)`), marked as Markdown headings, in bold, or
plain, that come in order 1, 2, 3… Everything between two headings is that topic's body,
kept as Markdown.
"""

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

NAME_LABEL = re.compile(
    r"^\W*name\s+of\s+the\s+inter[\s-]*state\s+consultation\s+mechanism[^:]*:\s*(?P<name>.*)$",
    re.IGNORECASE,
)
# "### 3. **Salient ISCM structures**", "**1. Evolution …**", "2) Contribution …"
# The title starts and ends with a non-space (`\S(?:.*\S)?`) rather than being a lazy `.+?`
# before `\s*$`: that form re-scanned every run of spaces for each character, quadratic
# (40,000 spaces after "1. a" took 3.9 s; this takes 20 µs).
HEADING = re.compile(
    r"^(?P<hashes>#{1,6}\s*)?(?P<lead>[*_\s]*)(?P<number>\d{1,2})\s*[.)]\s*"
    r"(?P<title>\S(?:.*\S)?)\s*$"
)
EMPHASIS = re.compile(r"(\*{1,3}|_{1,3})")
MAX_HEADING_WORDS = 25


class FindingsError(ValueError):
    """The document does not have the structure of a Summary of Findings."""


@dataclass
class ParsedFindings:
    mechanism_name: str
    # topic order (1-based) → Markdown body
    sections: dict[int, str] = field(default_factory=dict)
    headings: dict[int, str] = field(default_factory=dict)


def strip_emphasis(text: str) -> str:
    return re.sub(r"\s+", " ", EMPHASIS.sub("", text)).strip()


def _title_similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _is_marked(line: str, match: re.Match) -> bool:
    """A heading marked as such: a Markdown heading, or a paragraph that is wholly bold."""
    if match.group("hashes"):
        return True
    stripped = line.strip()
    return stripped.startswith(("**", "__")) and stripped.rstrip(".:").endswith(("**", "__"))


def _find_name(lines: list[str]) -> str:
    for index, line in enumerate(lines):
        found = NAME_LABEL.match(line.strip())
        if not found:
            continue
        name = strip_emphasis(found.group("name"))
        if not name:
            # The name may sit on the next non-empty line.
            name = next((strip_emphasis(x) for x in lines[index + 1 :] if x.strip()), "")
        return name.strip(" :")
    return ""


def parse_findings(text: str, topic_titles: list[str]) -> ParsedFindings:
    """Split a Summary of Findings into its mechanism name and numbered sections.

    `topic_titles` are the expected headings in order; they help tell a plain-text
    heading from a numbered list item inside a section.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = text.split("\n")
    name = _find_name(lines)
    if not name:
        raise FindingsError(
            "The document does not name its mechanism: expected a line such as "
            "“Name of the Inter-state consultation mechanism (ISCM): …”."
        )

    starts: list[tuple[int, int, str]] = []  # (line index, topic number, heading text)
    expected = 1
    for index, line in enumerate(lines):
        match = HEADING.match(line.strip())
        if not match or int(match.group("number")) != expected or expected > len(topic_titles):
            continue
        title = strip_emphasis(match.group("title"))
        if len(title.split()) > MAX_HEADING_WORDS:
            continue
        previous_blank = index == 0 or not lines[index - 1].strip()
        similar = _title_similarity(title, topic_titles[expected - 1]) >= 0.6
        if (previous_blank and _is_marked(line, match)) or similar:
            starts.append((index, expected, title))
            expected += 1

    if len(starts) != len(topic_titles):
        found = ", ".join(str(number) for _, number, _ in starts) or "none"
        raise FindingsError(
            f"Expected {len(topic_titles)} numbered topic headings (1 to {len(topic_titles)}) "
            f"but found {found}. Each heading must start with its number, "
            "e.g. “1. Evolution of programming and thematic focus”."
        )

    result = ParsedFindings(mechanism_name=name)
    for position, (index, number, title) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(lines)
        body = "\n".join(lines[index + 1 : end]).strip("\n")
        body = re.sub(r"\n{3,}", "\n\n", body).strip()
        result.sections[number] = body
        result.headings[number] = title
    return result
