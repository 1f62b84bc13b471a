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


class _Styles:
    """The document's styles, looked up by id once each.

    python-docx resolves `paragraph.style` and `run.style` by walking every style of the
    document (and its default style, again) on each access: a paragraph cost ~1.7 ms with
    Word's default styles, and a styles part with thousands of styles made every paragraph
    slower still. Here each style is resolved once.
    """

    def __init__(self, document):
        from docx.enum.style import WD_STYLE_TYPE

        self.paragraph_type = WD_STYLE_TYPE.PARAGRAPH
        self.character_type = WD_STYLE_TYPE.CHARACTER
        self.by_id: dict[tuple, object] = {}
        self.defaults: dict = {}
        for style in document.styles:
            kind = style.type
            self.by_id.setdefault((kind, style.style_id), style)  # the first, as python-docx
            if style.element.default:  # the last default of a type wins (as in python-docx)
                self.defaults[kind] = style
        self.names: dict[str | None, str] = {}
        self.fonts: dict[str | None, tuple] = {}
        self.numbering: dict[str | None, tuple[str, str] | None] = {}

    def _style(self, kind, style_id: str | None):
        style = self.by_id.get((kind, style_id)) if style_id is not None else None
        return style if style is not None else self.defaults.get(kind)

    def paragraph_name(self, paragraph) -> str:
        style_id = paragraph._p.style
        if style_id not in self.names:
            style = self._style(self.paragraph_type, style_id)
            self.names[style_id] = (style.name if style is not None else "") or ""
        return self.names[style_id]

    def paragraph_numbering(self, paragraph) -> tuple[str, str] | None:
        """(numId, level) that the paragraph's style gives it, if any."""
        style_id = paragraph._p.style
        if style_id not in self.numbering:
            style = self._style(self.paragraph_type, style_id)
            element = style.element if style is not None else None
            self.numbering[style_id] = _numbering_in(element) if element is not None else None
        return self.numbering[style_id]

    def run_font(self, run) -> tuple:
        """(bold, italic) of the run's character style, each True, False or None."""
        style_id = run._r.style
        if style_id not in self.fonts:
            style = self._style(self.character_type, style_id)
            font = getattr(style, "font", None) if style is not None else None
            self.fonts[style_id] = (font.bold, font.italic) if font is not None else (None, None)
        return self.fonts[style_id]


def _run_format(run, styles: _Styles) -> tuple[bool, bool]:
    bold, italic = run.bold, run.italic
    if bold is None or italic is None:
        style_bold, style_italic = styles.run_font(run)
        bold = style_bold if bold is None else bold
        italic = style_italic if italic is None else italic
    return _is_on(bold), _is_on(italic)


def _emphasise(text: str, bold: bool, italic: bool) -> str:
    if not text.strip() or not (bold or italic):
        return text
    marker = "***" if bold and italic else "**" if bold else "*"
    core = text.strip()
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{marker}{core}{marker}{trail}"


def _paragraph_markdown(paragraph, plain: bool, styles: _Styles) -> str:
    """The paragraph's text with its bold, italic and links as Markdown."""
    from docx.text.hyperlink import Hyperlink

    # Consecutive runs with the same emphasis are joined, unless the text so far ends with
    # ")" (as a link does). Each segment is [texts, bold, italic, ends with ")"], its texts
    # joined once at the end rather than run by run.
    segments: list[list] = []
    for item in paragraph.iter_inner_content():
        if isinstance(item, Hyperlink):
            address = item.address or ""
            label = item.text
            if address.startswith(("http://", "https://", "mailto:")):
                label = f"[{label}]({address})"
            segments.append([[label], False, False, label.endswith(")")])
            continue
        bold, italic = (False, False) if plain else _run_format(item, styles)
        text = item.text
        last = segments[-1] if segments else None
        if last is not None and last[1] == bold and last[2] == italic and not last[3]:
            last[0].append(text)
            last[3] = text.endswith(")")
        else:
            segments.append([[text], bold, italic, text.endswith(")")])
    return "".join(_emphasise("".join(texts), bold, italic) for texts, bold, italic, _ in segments)


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


def _numbering_in(holder) -> tuple[str, str] | None:
    numbering = holder.find(f".//{W_NS}numPr")
    if numbering is None:
        return None
    num = numbering.find(f"{W_NS}numId")
    level = numbering.find(f"{W_NS}ilvl")
    if num is not None and num.get(f"{W_NS}val") != "0":
        return num.get(f"{W_NS}val"), level.get(f"{W_NS}val") if level is not None else "0"
    return None


def _numbering_of(paragraph, styles: _Styles) -> tuple[str, str] | None:
    """Numbering set on the paragraph itself (unless numId 0, "none"), else its style's."""
    properties = paragraph._p.pPr
    found = _numbering_in(properties) if properties is not None else None
    return found if found is not None else styles.paragraph_numbering(paragraph)


def docx_to_markdown(source) -> str:
    """A Word document's paragraphs as the Markdown-ish lines `parse_findings` reads."""
    from docx import Document as WordDocument

    document = WordDocument(source)
    styles = _Styles(document)
    formats = _numbering_formats(document)
    counters: dict[tuple[str, str], int] = {}
    lines: list[tuple[str, bool]] = []  # (line, is list item)
    for paragraph in document.paragraphs:
        style = styles.paragraph_name(paragraph)
        heading = HEADING_STYLE.match(style)
        level = int(heading.group(1)) if heading else (1 if style.lower() == "title" else 0)
        text = _paragraph_markdown(paragraph, plain=bool(level), styles=styles).strip()
        if not text:
            continue
        prefix, is_item = "", False
        numbering = _numbering_of(paragraph, styles)
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
