"""Markdown → sanitised HTML, done once when a section body is saved.

Python-Markdown passes raw HTML, `javascript:` links and event handlers straight through,
so its output is always cleaned by nh3 with a strict allowlist before it is stored.
"""

import re
import threading

import markdown
import nh3
from django.core.exceptions import ValidationError

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "blockquote", "code", "pre",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody",
    "tr", "th", "td", "sup", "sub", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"scope"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


# Python-Markdown's inline processing is quadratic in the number of `[` in one block
# (its issue #798: one 32,766-character cell of `[` took 100 s; of "<a " 6 s). Real sections hold a
# handful of links per paragraph, so the cost is bounded per block and per text, and an
# import adds up the cost of everything it renders (MAX_IMPORT_MARKDOWN_COST).
MAX_BRACKETS_PER_BLOCK = 500  # `[` or `<` in one paragraph, list or table (~25 ms)
MAX_BODY_CHARS = 32_767  # one text: what one Excel cell holds, so it round-trips
MAX_MARKDOWN_COST = 5_000_000  # Σ (`[` per block)² in one text (~0.5 s)
MAX_IMPORT_MARKDOWN_COST = 20_000_000  # the same, for everything one import renders (~2 s)
_BLOCKS = re.compile(r"\n[ \t]*\n")


def markdown_cost(text: str) -> int:
    """How costly `text` is to render, in units of (`[` per block)²."""
    if "[" not in text and "<" not in text:
        return 0
    return sum(_markers(block) ** 2 for block in _BLOCKS.split(text))


def _markers(block: str) -> int:
    return block.count("[") + block.count("<")


def markdown_problem(text: str) -> str | None:
    """Why `text` is refused as too costly to render, or None."""
    if len(text) > MAX_BODY_CHARS:
        return f"it is longer than {MAX_BODY_CHARS:,} characters (what one Excel cell holds)"
    if "[" not in text and "<" not in text:
        return None
    worst = max(_markers(block) for block in _BLOCKS.split(text))
    if worst > MAX_BRACKETS_PER_BLOCK:
        return (
            f"one paragraph holds {worst:,} “[” or “<” characters; at most "
            f"{MAX_BRACKETS_PER_BLOCK:,} are allowed per paragraph (split it with blank lines)"
        )
    if markdown_cost(text) > MAX_MARKDOWN_COST:
        return "it holds too many “[” characters (links) to be rendered: split it up"
    return None


def validate_markdown(text: str) -> None:
    """Model field validator: refuses Markdown too costly to render (see above)."""
    problem = markdown_problem(text or "")
    if problem:
        raise ValidationError(f"This text cannot be rendered: {problem}.", code="markdown_cost")


_local = threading.local()


def _converter() -> markdown.Markdown:
    # Building a Markdown instance costs about a third of a conversion; instances are not
    # thread-safe, so each thread keeps its own and resets it between documents.
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = markdown.Markdown(extensions=["sane_lists", "tables"], output_format="html")
        _local.converter = converter
    return converter


def render_markdown(text: str) -> str:
    """Render Markdown to HTML that is safe to show as is."""
    html = _converter().reset().convert(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
