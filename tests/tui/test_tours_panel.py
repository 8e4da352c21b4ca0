"""The tour panel's text at 80x24: wrapped by terminal cells (CJK double width) where a reader
expects a break, and placed clear of the widget it points at."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.geometry import Region, Size

from branchdesk.tui.linebreak import NO_LINE_END, NO_LINE_START, break_lines
from branchdesk.tui.tour import load_tours
from branchdesk.tui.tour_panel import BORDER, MIN_SIDE_WIDTH, SIDE, placement

TEXTS = [text for tour in load_tours() for step in tour.steps for text in step.text.values()]
SCREEN = Size(80, 24)


def test_chinese_wraps_by_cells_and_keeps_punctuation_with_its_word() -> None:
    text = "第二常见:网银密码区分大小写(验证码不区分)。邮储在线支付:身份证号+登录密码"
    lines = break_lines(text, 21)
    assert all(cell_len(line) <= 21 for line in lines)
    # ")。" may not open a line: the character before comes along.
    assert lines[1].endswith("不区") and lines[2].startswith("分)。")
    assert "".join(lines) == text


def test_numbers_and_latin_words_are_never_split() -> None:
    lines = break_lines("输入起始卡号 89860126011000003316。", 26)
    assert lines == ["输入起始卡号", "89860126011000003316。"]
    text = "Type the address on the ID card, 天津市和平区南京路100号, and press Enter"
    lines = break_lines(text, 26)
    assert all(cell_len(line) <= 26 for line in lines)
    # Chinese may break before the number; the number and the English words stay whole.
    assert any("100号," in line for line in lines)
    words = {word for line in lines for word in line.split()}
    assert {"Type", "address", "press", "Enter"} <= words


@pytest.mark.parametrize("width", [MIN_SIDE_WIDTH - SIDE, 50, SCREEN.width - SIDE])
def test_every_tour_text_wraps_whole_within_the_panel(width: int) -> None:
    for text in TEXTS:
        lines = break_lines(text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", ""), text
        for line in lines:
            assert cell_len(line) <= width, (text, line)
            assert line[:1] not in NO_LINE_START, (text, line)
            assert line[-1:] not in NO_LINE_END, (text, line)


def test_the_panel_goes_above_the_footer_or_above_a_target_down_there() -> None:
    low = Region(1, 18, 78, 3)
    placed = placement("短文字。", "keys", SCREEN, low)
    rows = len(placed.lines) + len(placed.keys) + BORDER
    assert placed.y + rows <= low.y and placed.y >= 1 and placed.shrink_to is None
    placed = placement("短文字。", "keys", SCREEN, Region(1, 2, 78, 3))
    assert placed.y + rows == SCREEN.height - 1


def test_a_tall_narrow_target_gets_the_panel_beside_it() -> None:
    column = Region(54, 1, 26, 22)
    placed = placement("右侧是办理指引:电子令牌限额 10 万元。" * 2, "^N ^B", SCREEN, column)
    assert placed.x + placed.width <= column.x and placed.shrink_to is None
    assert all(cell_len(line) <= placed.width - SIDE for line in placed.lines)


def test_a_tall_wide_target_is_shrunk_to_end_where_the_panel_begins() -> None:
    table = Region(1, 2, 78, 20)
    placed = placement("Blank cards per warehouse and agent.", "keys", SCREEN, table)
    rows = len(placed.lines) + len(placed.keys) + BORDER
    assert placed.shrink_to == placed.y - table.y and placed.y + rows == SCREEN.height - 1
