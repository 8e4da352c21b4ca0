"""Chinese line breaking (tui.linebreak): a line never starts with closing punctuation nor ends
with opening punctuation, numbers and Latin words stay whole, and no line is wider than asked."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from branchdesk.tui.linebreak import NO_LINE_END, NO_LINE_START, break_lines

GUIDE = "确认客户持有我行借记卡、存折或信用卡。没有的，先协助办卡。信用卡：最长 50 天免息，免年费。"


@pytest.mark.parametrize("width", range(8, 60))
def test_chinese_lines_follow_the_rules_at_every_width(width: int) -> None:
    lines = break_lines(GUIDE, width)
    assert "".join(lines).replace(" ", "") == GUIDE.replace(" ", "")
    for line in lines:
        assert cell_len(line) <= width, (width, line)
        assert line[0] not in NO_LINE_START, (width, lines)
        assert line[-1] not in NO_LINE_END, (width, lines)
    assert not any(line.endswith("5") or line.startswith("0") for line in lines), lines


def test_the_old_wrap_started_a_line_with_a_colon() -> None:
    """What the marketer saw: Textual's space-only wrapping gave a line "：最长 50"."""
    assert [line for line in break_lines(GUIDE, 34) if line.startswith("：")] == []


def test_latin_words_stay_whole_and_long_ones_are_cut() -> None:
    assert break_lines("Typical order 25,000.00 CNY, within the limit.", 16) == [
        "Typical order",
        "25,000.00 CNY,",
        "within the",
        "limit.",
    ]
    assert break_lines("89860126011000000510", 8) == ["89860126", "01100000", "0510"]


def test_paragraphs_and_blank_lines_are_kept() -> None:
    assert break_lines("甲乙\n\n丙丁", 10) == ["甲乙", "", "丙丁"]
