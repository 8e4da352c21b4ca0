"""Without pyscard (the optional 'reader' extra) the card steps say what is missing, in words."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from card_write.account_steps import take_the_first_number
from textual.widgets import OptionList

from branchdesk.clients.local.backend import Backend
from branchdesk.screens.card_write.activity import AccountActivityScreen
from branchdesk.screens.card_write.customer import AccountCustomerScreen
from branchdesk.screens.card_write.package import AccountPackageScreen
from branchdesk.screens.card_write.packs import AccountPacksScreen
from branchdesk.screens.card_write.recommender import AccountRecommenderScreen
from branchdesk.screens.card_write.summary import AccountSummaryScreen
from branchdesk.screens.card_write.write import CardWriteScreen
from branchdesk.tui import readers
from support.tui import login, make_app, wait_for

TEXTS = {
    "zh-CN": ("写卡器驱动未安装.", "pip install 'branchdesk[reader]'", "libpcsclite-dev swig"),
    "en": (
        "The card reader driver is not installed.",
        "pip install 'branchdesk[reader]'",
        "libpcsclite-dev swig",
    ),
}


@pytest.fixture
def no_pyscard(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry makes "from smartcard import scard" raise ImportError, exactly as on a
    # machine where the 'reader' extra was never installed (or libpcsclite is missing).
    for name in [n for n in sys.modules if n == "smartcard" or n.startswith("smartcard.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "smartcard", None)


async def open_card_screen(pilot: Any, app: Any) -> CardWriteScreen:
    await login(pilot, "c001")
    app.open_workflow("card_write")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountCustomerScreen))
    await pilot.press(*"王小明", "enter", *"11010519491231002X", "enter", *"13800138000", "enter")
    await pilot.press(*"天津市和平区南京路100号", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountRecommenderScreen))
    await pilot.press("enter")
    await take_the_first_number(pilot)
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountPackageScreen))
    packages = app.screen.query_one("#cw-packages", OptionList)
    await wait_for(pilot, lambda: packages.option_count == 3)
    await pilot.press("down", "enter", "down", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountPacksScreen))
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountActivityScreen))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountSummaryScreen))
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, CardWriteScreen))
    screen = app.screen
    assert isinstance(screen, CardWriteScreen)
    return screen


def test_reader_support_missing_follows_the_import(no_pyscard: None) -> None:
    assert readers.reader_support_missing()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_the_card_screen_says_how_to_add_reader_support(
    backend: Backend, no_pyscard: None, lang: str
) -> None:
    driver, extra, packages = TEXTS[lang]
    app = make_app(backend, lang)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_card_screen(pilot, app)
        await pilot.press("f5")
        status = screen.query_one("#cw-status")
        await wait_for(pilot, lambda: driver in str(status.render()), 10)
        assert str(status.render()).strip() == driver
        hint = str(screen.query_one("#cw-next").render())
        assert extra in hint and packages in hint
        assert screen.phase == "insert"  # nothing half-done; F5 again once it is installed
        assert app.screen is screen
    assert app.return_code in (None, 0)
