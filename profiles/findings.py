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
HEADING = re.compile(
    r"^(?P<hashes>#{1,6}\s*)?(?P<lead>[*_\s]*)(?P<number>\d{1,2})\s*[.)]\s*(?P<title>.+?)\s*$"
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


# --- Word documents ----------------------------------------------------------------------
# A .docx is turned into the same Markdown-ish lines, then read by `parse_findings`: each
# paragraph becomes one line (blank lines between paragraphs, none between list items);
# heading styles become `#` marks, bold runs `**…**`, italic runs `*…*`, Word's automatic
# numbering its `1.` / `-` text, and hyperlinks `[text](address)`.

W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
HEADING_STYLE = re.compile(r"^heading\s*(\d)", re.IGNORECASE)


def _is_on(value) -> bool:
    return bool(value)


def _run_format(run) -> tuple[bool, bool]:
    bold, italic = run.bold, run.italic
    style = getattr(run, "style", None)
    if bold is None and style is not None and style.font is not None:
        bold = style.font.bold
    if italic is None and style is not None and style.font is not None:
        italic = style.font.italic
    return _is_on(bold), _is_on(italic)


def _emphasise(text: str, bold: bool, italic: bool) -> str:
    if not text.strip() or not (bold or italic):
        return text
    marker = "***" if bold and italic else "**" if bold else "*"
    core = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{marker}{core}{marker}{trail}"


def _paragraph_markdown(paragraph, plain: bool) -> str:
    """The paragraph's text with its bold, italic and links as Markdown."""
    from docx.text.hyperlink import Hyperlink

    segments: list[list] = []  # [text, bold, italic]
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            address = item.address or ""
            label = item.text
            if address.startswith(("http://", "https://", "mailto:")):
                segments.append([f"[{label}]({address})", False, False])
            else:
                segments.append([label, False, False])
            continue
        bold, italic = (False, False) if plain else _run_format(item)
        text = item.text
        if segments and segments[-1][1:] == [bold, italic] and not segments[-1][0].endswith(")"):
            segments[-1][0] += text
        else:
            segments.append([text, bold, italic])
    return "".join(_emphasise(text, bold, italic) for text, bold, italic in segments)


def _numbering_formats(document) -> dict[tuple[str, str], str]:
    """(numId, level) → Word's number format ("decimal", "bullet"…)."""
    formats: dict[tuple[str, str], str] = {}
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return formats
    abstract = {}
    for node in numbering.findall(f"{W_NS}abstractNum"):
        levels = {}
        for level in node.findall(f"{W_NS}lvl"):
            fmt = level.find(f"{W_NS}numFmt")
            levels[level.get(f"{W_NS}ilvl")] = fmt.get(f"{W_NS}val") if fmt is not None else ""
        abstract[node.get(f"{W_NS}abstractNumId")] = levels
    for num in numbering.findall(f"{W_NS}num"):
        ref = num.find(f"{W_NS}abstractNumId")
        if ref is None:
            continue
        for level, fmt in abstract.get(ref.get(f"{W_NS}val"), {}).items():
            formats[(num.get(f"{W_NS}numId"), level)] = fmt
    return formats


def _numbering_of(paragraph) -> tuple[str, str] | None:
    for holder in (paragraph._p.pPr, getattr(paragraph.style, "element", None)):
        if holder is None:
            continue
        numbering = holder.find(f".//{W_NS}numPr")
        if numbering is None:
            continue
        num = numbering.find(f"{W_NS}numId")
        level = numbering.find(f"{W_NS}ilvl")
        if num is not None and num.get(f"{W_NS}val") != "0":
            return num.get(f"{W_NS}val"), level.get(f"{W_NS}val") if level is not None else "0"
    return None


def docx_to_markdown(source) -> str:
    """A Word document's paragraphs as the Markdown-ish lines `parse_findings` reads."""
    from docx import Document as WordDocument

    document = WordDocument(source)
    formats = _numbering_formats(document)
    counters: dict[tuple[str, str], int] = {}
    lines: list[tuple[str, bool]] = []  # (line, is list item)
    for paragraph in document.paragraphs:
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        heading = HEADING_STYLE.match(style)
        level = int(heading.group(1)) if heading else (1 if style.lower() == "title" else 0)
        text = _paragraph_markdown(paragraph, plain=bool(level)).strip()
        if not text:
            continue
        prefix, is_item = "", False
        numbering = _numbering_of(paragraph)
        if numbering is not None:
            depth = int(numbering[1] or 0)
            if formats.get(numbering, "decimal") == "bullet":
                prefix = "  " * depth + "- "
            else:
                counters[numbering] = counters.get(numbering, 0) + 1
                for key in [k for k in counters if k[0] == numbering[0] and k[1] > numbering[1]]:
                    del counters[key]
                prefix = "   " * depth + f"{counters[numbering]}. "
            is_item = not level
        elif style.lower().startswith("list bullet"):
            prefix, is_item = "- ", True
        line = prefix + text
        if level:
            line = "#" * min(level, 6) + " " + line
        lines.append((line, is_item))
    out: list[str] = []
    for index, (line, is_item) in enumerate(lines):
        if index:
            out.append("\n" if is_item and lines[index - 1][1] else "\n\n")
        out.append(line)
    return "".join(out) + "\n"
