"""What the public may see of survey answers: counts, distributions, suppressed breakdowns,
and the geometry of their bar charts. Pure functions; `surveys.selectors` feeds them.

Suppression (no aggregate may reveal one respondent's answer, DESIGN.md §2): a plain count
(how many States answered, how many named a mechanism, how many chose an answer) is shown
as it is; in a *breakdown* (by region) a cell counting one or two respondents is
suppressed, and so is:
- a whole region column of a question's breakdown when fewer than 3 respondents of that
  region answered it (its zeros would tell what each of them did not answer);
- a whole breakdown row whose total is below 3;
- one more cell of a row that would otherwise have exactly one suppressed cell (its value
  could be worked out from the row's published total): the smallest other non-zero cell,
  or, if there is none, the whole row.
"""

from dataclasses import dataclass, field

SUPPRESS_BELOW = 3
SUPPRESSED = "<3"

# Bar charts (inline SVG, drawn in viewBox units; the page scales them).
CHART_WIDTH = 640
BAR_MAX = 440
LABEL_ROW = 20
BAR_HEIGHT = 16
ROW_HEIGHT = LABEL_ROW + BAR_HEIGHT + 10


@dataclass
class Cell:
    count: int
    suppressed: bool = False

    def __str__(self) -> str:
        return SUPPRESSED if self.suppressed else str(self.count)


def suppress_row(
    counts: list[int], total: int, hidden_columns: set[int] = frozenset()
) -> list[Cell]:
    """One breakdown row as cells, suppressed by the rules of this module."""
    cells = [Cell(count) for count in counts]
    if 0 < total < SUPPRESS_BELOW:
        return [Cell(count, True) for count in counts]
    for index, cell in enumerate(cells):
        if index in hidden_columns or 0 < cell.count < SUPPRESS_BELOW:
            cell.suppressed = True
    hidden = [cell for cell in cells if cell.suppressed]
    if len(hidden) == 1:  # the row's total would give it away, even a hidden 0
        others = [cell for cell in cells if not cell.suppressed and cell.count]
        if others:
            min(others, key=lambda cell: cell.count).suppressed = True
        else:
            for cell in cells:
                cell.suppressed = True
    return cells


@dataclass
class Bar:
    label: str
    count: int
    percent: int  # of the respondents who answered, rounded
    y: int = 0
    width: float = 0.0

    @property
    def label_y(self) -> int:
        return self.y + LABEL_ROW - 6

    @property
    def bar_y(self) -> int:
        return self.y + LABEL_ROW

    @property
    def value_x(self) -> float:
        return self.width + 6

    @property
    def value_y(self) -> int:
        return self.bar_y + BAR_HEIGHT - 3


@dataclass
class Chart:
    bars: list[Bar]
    width: int = CHART_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return ROW_HEIGHT * len(self.bars)


def chart(counts: list[tuple[str, int]], base: int) -> Chart:
    """Horizontal bars, one per choice, scaled to the largest count."""
    largest = max((count for _label, count in counts), default=0)
    bars = []
    for index, (label, count) in enumerate(counts):
        bars.append(
            Bar(
                label=label,
                count=count,
                percent=round(100 * count / base) if base else 0,
                y=index * ROW_HEIGHT,
                width=round(BAR_MAX * count / largest, 1) if largest else 0.0,
            )
        )
    return Chart(bars)


@dataclass
class Breakdown:
    """A breakdown by region: column headings, and per row a label, its total and cells."""

    columns: list[str]
    rows: list[tuple[str, int, list[Cell]]] = field(default_factory=list)

    @property
    def any_suppressed(self) -> bool:
        return any(cell.suppressed for _label, _total, cells in self.rows for cell in cells)


def breakdown(
    columns: list[str],
    rows: list[tuple[str, list[int]]],
    bases: list[int] | None = None,
) -> Breakdown:
    """Suppressed breakdown of `rows` (label, counts per column); `bases` are how many
    respondents of each column answered (a column below 3 is hidden whole)."""
    hidden = {i for i, base in enumerate(bases or []) if base < SUPPRESS_BELOW}
    result = Breakdown(columns)
    for label, counts in rows:
        total = sum(counts)
        result.rows.append((label, total, suppress_row(counts, total, hidden)))
    return result
