"""The checklist's guide panel breaks Chinese lines by the rules a reader expects: at 80x24 no
line of it starts with "，" or "：" (a marketer saw "：最长 50" on a line of its own)."""

from __future__ import annotations

from textual.widgets import DataTable, OptionList

from branchdesk.screens.onboarding.checklist import ChecklistScreen
from branchdesk.screens.onboarding.customers import CustomersScreen
from branchdesk.tui.linebreak import NO_LINE_START
from branchdesk.tui.widgets import Prose
from support.tui import SIZE, login, make_app, wait_for


async def test_no_guide_line_starts_with_closing_punctuation(backend) -> None:
    app = make_app(backend, "zh-CN")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "m001")
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        table = app.screen.query_one("#onb-table", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.data is not None)
        guide = screen.query_one("#onb-guide", Prose)
        items = screen.query_one("#onb-items", OptionList)
        seen = 0
        for _ in range(6):
            await wait_for(pilot, lambda: bool(guide.source))
            width = guide.content_region.width
            lines = [strip.text.rstrip() for strip in guide.render_lines(guide.region.reset_offset)]
            text = [line for line in lines if line.strip()]
            assert text, "the guide shows nothing"
            for line in text:
                assert line.lstrip()[0] not in NO_LINE_START, (width, text)
            seen += 1
            items.focus()
            await pilot.press("down")
            await pilot.pause()
        assert seen == 6


def test_amounts_are_grouped_like_the_limits_beside_them() -> None:
    """ "Typical order 150000.00 CNY" stood beside "100,000": both now group thousands."""
    from branchdesk.tui.numbers import amount

    assert amount("150000.00") == "150,000.00"
    assert amount(25000) == "25,000.00"
    assert amount("n/a") == "n/a"
