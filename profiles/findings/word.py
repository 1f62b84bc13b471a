"""Word documents (.docx) as the Markdown-ish lines that `parser.parse_findings` reads."""

import re

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
