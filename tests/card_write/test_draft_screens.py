"""A clerk whose terminal drops mid-sequence resumes the account opening where they were
(issue #15 item 5): the form is kept on the server per step, offered on step 1 (F6 resume,
F8 discard), at 80x24 in both languages."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, OptionList

from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.rules import DRAFTS
from branchdesk.screens.card_write.account import AccountInfoScreen
from branchdesk.screens.card_write.customer import AccountCustomerScreen
from branchdesk.screens.card_write.number import AccountNumberScreen
from branchdesk.screens.card_write.recommender import AccountRecommenderScreen
from branchdesk.screens.common.confirm import ConfirmModal
from support.tui import SIZE, login, make_app, wait_for

_spec = importlib.util.spec_from_file_location(
    "every_screen", Path(__file__).parent.parent / "tui" / "test_every_screen.py"
)
assert _spec is not None and _spec.loader is not None
every_screen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(every_screen)

CUSTOMER = ("王小明", "11010519491231002X", "13800138000", "天津市和平区南京路100号")
FOUND = {
    "en": "Unfinished opening for 王小明 (at account)",
    "zh-CN": "王小明 的开户未办完（到账户信息）",
}


def status_of(app: Any) -> str:
    return " ".join(str(s.render()) for s in app.screen.query("StatusLine"))


async def open_step_one(pilot: Any) -> AccountCustomerScreen:
    app = pilot.app
    await login(pilot, "c001")
    app.open_workflow("card_write")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountCustomerScreen))
    screen = app.screen
    assert isinstance(screen, AccountCustomerScreen)
    await wait_for(pilot, lambda: app.focused is not None and app.focused.id == "cw-name")
    await pilot.pause()
    return screen


async def first_three_steps(backend: Backend) -> str:
    """Customer, recommender and number done on one terminal, which then drops."""
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await open_step_one(pilot)
        for value in CUSTOMER:
            await pilot.press(*value, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountRecommenderScreen))
        await pilot.press(*"c002", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountNumberScreen))
        numbers = app.screen.query_one("#cw-numbers", OptionList)
        await wait_for(pilot, lambda: numbers.option_count > 1)
        await pilot.press("down", "down", "enter")  # the second number
        await wait_for(pilot, lambda: isinstance(app.screen, AccountInfoScreen))
        chosen = numbers.get_option_at_index(1).id
        assert chosen is not None
        return chosen


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_a_dropped_terminal_resumes_at_the_next_step(backend: Backend, lang: str) -> None:
    chosen = await first_three_steps(backend)
    app = make_app(backend, lang, **every_screen.MODES["no_color"]["options"])
    problems: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        step_one = await open_step_one(pilot)
        await wait_for(pilot, lambda: FOUND[lang] in status_of(app))
        await every_screen.check_screen(pilot, f"draft offered {lang}", "no_color", problems)
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountInfoScreen))
        assert chosen in every_screen.screen_text(app)
        await every_screen.check_screen(pilot, f"resumed {lang}", "no_color", problems)
        # Esc goes back through the steps as they were filled in.
        app.pop_screen()
        await wait_for(pilot, lambda: isinstance(app.screen, AccountNumberScreen))
        assert app.screen.query_one("#cw-digits", Input).value == chosen
        app.pop_screen()
        await wait_for(pilot, lambda: isinstance(app.screen, AccountRecommenderScreen))
        assert app.screen.query_one("#cw-recommender", Input).value == "c002"
        app.pop_screen()
        await wait_for(pilot, lambda: app.screen is step_one)
        assert step_one.query_one("#cw-id_number", Input).value == CUSTOMER[1]
    assert not problems, "\n".join(problems)


async def test_a_discarded_draft_is_not_offered_again(backend: Backend) -> None:
    await first_three_steps(backend)
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        step_one = await open_step_one(pilot)
        await wait_for(pilot, lambda: FOUND["en"] in status_of(app))
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: "was discarded" in status_of(app))
        assert backend.store.get(DRAFTS, "c001") is None
        assert step_one.kept is None
        await pilot.press("f6")  # nothing to resume: step 1 stays, empty
        await pilot.pause()
        assert app.screen is step_one
        assert step_one.query_one("#cw-name", Input).value == ""
