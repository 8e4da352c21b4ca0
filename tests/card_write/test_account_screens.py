"""The form and money screens of the account-opening sequence: each fits 80x24 in zh-CN and en,
with NO_COLOR and with 16 colours and ASCII borders, and each step refuses bad input with the
server's words and keeps the clerk on the step."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from card_write.account_steps import take_the_first_number
from textual.widgets import Input, OptionList, SelectionList

from branchdesk.clients.api import Action
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.clients.local.backend import Backend
from branchdesk.screens.card_write.account import AccountInfoScreen
from branchdesk.screens.card_write.activity import AccountActivityScreen
from branchdesk.screens.card_write.customer import AccountCustomerScreen
from branchdesk.screens.card_write.fees import AccountFeesScreen
from branchdesk.screens.card_write.number import AccountNumberScreen
from branchdesk.screens.card_write.package import AccountPackageScreen
from branchdesk.screens.card_write.packs import AccountPacksScreen
from branchdesk.screens.card_write.recommender import AccountRecommenderScreen
from branchdesk.screens.card_write.steps import new_draft
from branchdesk.screens.card_write.summary import AccountSummaryScreen
from support.backend import logged_in
from support.tui import SIZE, login, make_app, wait_for

_spec = importlib.util.spec_from_file_location(
    "every_screen", Path(__file__).parent.parent / "tui" / "test_every_screen.py"
)
assert _spec is not None and _spec.loader is not None
every_screen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(every_screen)

CUSTOMER = {
    "name": "王小明",
    "id_number": "11010519491231002X",
    "contact": "13800138000",
    "address": "天津市和平区南京路100号",
}
WORDS = {
    "zh-CN": {
        "recommender": "发展人工号 x999 不存在",
        "email": "选择电子邮件账单时，须填写正确的邮箱地址",
        "pack": "冰激凌 99元套餐已含此项",
        "activity": "须办理月费 59.00 元及以上的套餐",
    },
    "en": {
        "recommender": "No staff member has the recommender ID x999",
        "email": "E-mail bills need a valid e-mail address",
        "pack": "Ice Cream 99 unlimited plan already includes it",
        "activity": "needs a package of 59.00 a month or more",
    },
}


def status_of(app: Any) -> str:
    return " ".join(str(s.render()) for s in app.screen.query("StatusLine"))


async def screens_to_check(backend: Backend) -> list[Any]:
    api = CardWriteApi(await logged_in(backend, "c001"))
    offer = await api.offer()
    msisdn = (await api.numbers())[0]
    draft = {
        **new_draft(dict(CUSTOMER)),
        "msisdn": msisdn,
        "package_id": "P59",
        "tariff_id": "half",
        "pack_ids": ["V5", "RBT"],
        "activity_id": "S50",
    }
    quote = await api.check("activity", draft, Action())
    order = await api.create_order(
        CUSTOMER, msisdn, "P59", "half", Action(), pack_ids=["V5", "RBT"], activity_id="S50"
    )
    return [
        lambda: AccountRecommenderScreen(draft),
        lambda: AccountNumberScreen(draft),
        lambda: AccountInfoScreen(draft),
        lambda: AccountPackageScreen(draft),
        lambda: AccountPacksScreen(draft, offer),
        lambda: AccountActivityScreen(draft, offer),
        lambda: AccountSummaryScreen(draft, offer, quote["fees"]),
        lambda: AccountFeesScreen(order),
    ]


@pytest.mark.parametrize("mode", sorted(every_screen.MODES))
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_every_step_screen_fits_80x24(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, lang: str, mode: str
) -> None:
    for name, value in every_screen.MODES[mode]["env"].items():
        monkeypatch.setenv(name, value)
    makers = await screens_to_check(backend)
    app = make_app(backend, lang, **every_screen.MODES[mode]["options"])
    problems: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "c001")
        for make in makers:
            screen = make()
            await app.push_screen(screen)
            await wait_for(pilot, lambda s=screen: app.screen is s)
            await every_screen.check_screen(
                pilot, f"{type(screen).__name__} {lang} {mode}", mode, problems
            )
            app.pop_screen()
            await pilot.pause()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_each_step_refuses_bad_input_in_the_staff_words(backend: Backend, lang: str) -> None:
    words = WORDS[lang]
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "c001")
        app.open_workflow("card_write")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountCustomerScreen))
        customer = app.screen
        # The starred address is required: marked under the field, nothing typed is lost.
        await pilot.press(*"王小明", "enter", *"11010519491231002X", "enter", *"13800138000")
        await pilot.press("enter", "f5")
        await wait_for(pilot, lambda: customer.query_one("#cw-err-address").display)
        assert customer.query_one("#cw-contact", Input).value == "13800138000"
        await pilot.press(*CUSTOMER["address"], "enter")
        # Recommender: an unknown staff ID is refused, then left empty.
        await wait_for(pilot, lambda: isinstance(app.screen, AccountRecommenderScreen))
        step = app.screen
        await pilot.press(*"x999", "enter")
        await wait_for(pilot, lambda: words["recommender"] in status_of(app))
        assert app.screen is step
        step.query_one("#cw-recommender", Input).value = "c002"
        await pilot.press("enter")
        await take_the_first_number(pilot)
        # Account info: e-mail bills without an address.
        step = app.screen
        step.query_one("#cw-delivery", OptionList).highlighted = 1
        await pilot.press("f5")
        await wait_for(pilot, lambda: words["email"] in status_of(app))
        assert app.screen is step
        step.query_one("#cw-email", Input).value = "wang@example.com"
        await pilot.press("f5")
        # Package P99 and the data pack it already includes.
        await wait_for(pilot, lambda: isinstance(app.screen, AccountPackageScreen))
        packages = app.screen.query_one("#cw-packages", OptionList)
        await wait_for(pilot, lambda: packages.option_count == 3)
        await pilot.press("down", "down", "enter", "enter")  # P99, full month
        await wait_for(pilot, lambda: isinstance(app.screen, AccountPacksScreen))
        step = app.screen
        await pilot.press("space", "f5")  # D10, the data pack
        await wait_for(pilot, lambda: words["pack"] in status_of(app))
        assert app.screen is step
        step.query_one("#cw-packs", SelectionList).deselect_all()
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountActivityScreen))
        await pilot.press("down", "enter")  # S50 with P99: allowed
        await wait_for(pilot, lambda: isinstance(app.screen, AccountSummaryScreen))
        summary = str(app.screen.query_one("#cw-summary").render())
        assert "249.00" in summary and "c002" in summary
        # Back to the package: P39 is below the activity's threshold.
        for _ in range(3):
            app.pop_screen()
            await pilot.pause()
        assert isinstance(app.screen, AccountPackageScreen)
        app.screen.query_one("#cw-packages", OptionList).highlighted = 0
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountPacksScreen))
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountActivityScreen))
        step = app.screen
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: words["activity"] in status_of(app))
        assert app.screen is step
