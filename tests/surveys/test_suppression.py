"""Breakdown cells that could reveal one respondent's answer are suppressed, including the
cells from which a suppressed one could be worked out."""

from surveys.aggregates import breakdown, suppress_row


def shown(cells) -> list[str]:
    return [str(cell) for cell in cells]


def test_cells_of_one_or_two_respondents_are_suppressed_with_a_complement():
    # One suppressed cell alone could be worked out from the total: the smallest other
    # non-zero cell is suppressed too.
    assert shown(suppress_row([5, 1, 4, 0], 10)) == ["5", "<3", "<3", "0"]
    assert shown(suppress_row([5, 1, 2, 0], 8)) == ["5", "<3", "<3", "0"]
    assert shown(suppress_row([6, 3, 4], 13)) == ["6", "3", "4"]


def test_a_lone_small_cell_beside_zeros_suppresses_the_whole_row():
    assert shown(suppress_row([0, 4, 0], 4)) == ["0", "4", "0"]
    assert shown(suppress_row([0, 2, 5], 7)) == ["0", "<3", "<3"]
    assert shown(suppress_row([2, 0, 0, 0], 2)) == ["<3", "<3", "<3", "<3"]


def test_a_region_where_fewer_than_three_answered_is_hidden_whole():
    table = breakdown(["Africa", "Europe"], [("Yes", [4, 0]), ("No", [3, 2])], bases=[7, 2])
    assert [shown(cells) for _label, _total, cells in table.rows] == [
        ["<3", "<3"],  # Europe's 0 would say that both its respondents answered No
        ["<3", "<3"],
    ]
    assert table.any_suppressed
