"""The repeated parts of a results page, rendered in Python: a choice question's bar chart
(inline SVG), its counts table and its breakdown by region.

A survey has up to hundreds of questions: through the template engine these blocks took
~1 s a page for 150 questions, and ~0.4 s with `format_html` (whose escaping is built for
lazy strings); built here from f-strings, every text escaped with `html.escape`, they take
a few milliseconds (docs/performance.md, Surveys). Nothing carries an inline style (the
CSP forbids them): `static/css/surveys.css` styles the classes.
"""

from html import escape

from django.utils.safestring import SafeString, mark_safe

from .aggregates import Breakdown, Chart

SUPPRESSED_TITLE = "fewer than 3, or suppressed so that such a cell cannot be worked out"
SUPPRESSION_NOTE = (
    '<p class="suppression-note">“&lt;3”: suppressed, so that no respondent&#x27;s answer can '
    "be told from the table.</p>"
)


def _safe(html: str) -> SafeString:
    # Every text that went into `html` was escaped by this module.
    return mark_safe(html)  # noqa: S308


def chart_svg(chart: Chart, chart_id: str) -> str:
    bars = "\n".join(
        f'<text class="chart__label" x="0" y="{bar.label_y}">{escape(bar.label)}</text>'
        f'<rect class="chart__bar" x="0" y="{bar.bar_y}" width="{bar.width:g}" '
        f'height="{chart.bar_height}"></rect>'
        f'<text class="chart__value" x="{bar.value_x:g}" y="{bar.value_y}">{bar.count} '
        f"({bar.percent} %)</text>"
        for bar in chart.bars
    )
    chart_id = escape(chart_id)
    return (
        f'<svg class="chart" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="chart-{chart_id}-title" focusable="false">'
        f'<title id="chart-{chart_id}-title">Bar chart of the answers; the numbers are in the '
        f"table that follows.</title>\n{bars}\n</svg>"
    )


def _table(table_id: str, caption: str, head: str, body: str) -> str:
    table_id = escape(table_id)
    return (
        f'<div class="table-scroll" role="region" aria-labelledby="{table_id}-caption" '
        f'tabindex="0"><table class="data"><caption id="{table_id}-caption">'
        f"{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
        "</table></div>"
    )


def counts_table(chart: Chart, table_id: str, caption: str) -> str:
    head = (
        '<th scope="col">Answer</th><th scope="col" class="num">Respondents</th>'
        '<th scope="col" class="num">% of those who answered</th>'
    )
    body = "".join(
        f'<tr><th scope="row">{escape(bar.label)}</th><td class="num">{bar.count}</td>'
        f'<td class="num">{bar.percent}</td></tr>'
        for bar in chart.bars
    )
    return _table(table_id, caption, head, body)


def _cell(cell) -> str:
    if cell.suppressed:
        return f'<td class="num suppressed"><abbr title="{SUPPRESSED_TITLE}">&lt;3</abbr></td>'
    return f'<td class="num">{cell.count}</td>'


def breakdown_html(breakdown: Breakdown, table_id: str, caption: str) -> str:
    head = (
        '<th scope="col"><span class="visually-hidden">Row</span></th>'
        + "".join(f'<th scope="col" class="num">{escape(c)}</th>' for c in breakdown.columns)
        + '<th scope="col" class="num">Total</th>'
    )
    body = "".join(
        f'<tr><th scope="row">{escape(label)}</th>{"".join(_cell(c) for c in cells)}'
        f'<td class="num">{total}</td></tr>'
        for label, total, cells in breakdown.rows
    )
    table = _table(table_id, caption, head, body)
    return table + SUPPRESSION_NOTE if breakdown.any_suppressed else table


def breakdown_table(breakdown: Breakdown, table_id: str, caption: str) -> SafeString:
    return _safe(breakdown_html(breakdown, table_id, caption))


def choice_block(result) -> SafeString:
    """A choice question's chart, counts table and (in a <details>) breakdown by region."""
    question = result.question
    return _safe(
        chart_svg(result.chart, str(question.pk))
        + counts_table(
            result.chart,
            f"counts-{question.pk}",
            f"{question.code}: respondents by answer ({result.answered} answered)",
        )
        + '<details class="breakdown"><summary>By region</summary>'
        + breakdown_html(
            result.breakdown,
            f"breakdown-{question.pk}",
            f"{question.code}: respondents by answer and region",
        )
        + "</details>"
    )
