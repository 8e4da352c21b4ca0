"""The account opening screens at 80x24 in both languages, with the production PcscReader
reading and writing the virtual SIM through pcscd (pyscard -> pcscd -> vpcd -> VirtualSim)."""

from __future__ import annotations

from typing import Any

import pytest
from card_write.account_steps import take_the_first_number
from card_write.orders import blank_cards
from textual.widgets import Input, OptionList

from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.catalog import CARD_DATA, NUMBERS
from branchdesk.clients.local.card_write.rules import ORDERS
from branchdesk.clients.local.card_write.script import open_card_data
from branchdesk.clients.local.sim.rules import CARDS
from branchdesk.devices.vcard import VirtualSim
from branchdesk.devices.virtual_card import VirtualCard
from branchdesk.screens.card_write.activity import AccountActivityScreen
from branchdesk.screens.card_write.customer import AccountCustomerScreen
from branchdesk.screens.card_write.fees import AccountFeesScreen
from branchdesk.screens.card_write.number import AccountNumberScreen
from branchdesk.screens.card_write.orders import AccountOrdersScreen
from branchdesk.screens.card_write.package import AccountPackageScreen
from branchdesk.screens.card_write.packs import AccountPacksScreen
from branchdesk.screens.card_write.receipt import CardWriteReceiptScreen
from branchdesk.screens.card_write.recommender import AccountRecommenderScreen
from branchdesk.screens.card_write.steps import new_draft
from branchdesk.screens.card_write.summary import AccountSummaryScreen
from branchdesk.screens.card_write.write import CardWriteScreen
from branchdesk.screens.common.confirm import ConfirmModal
from support.cups import CupsServer, pdf_text
from support.pcsc import PcscService, insert_card, wait_for_slot
from support.tui import SIZE, login, make_app, running_app, wait_for

pytestmark = pytest.mark.pcsc

CARD_STEP = 10.0  # seconds a card step may take through pcscd in a busy test run

TEXTS = {
    "zh-CN": {
        "no_reader": "连接写卡器失败,请尝试重新插入白卡!",
        "not_blank": "请更换白卡!",
        "script": "写卡脚本内容不存在,请把号卡文件维护到数据库!",
        "id_err": "校验位",
        "interrupted": "写卡中断",
        "written": "写卡成功",
        "receipt": "业务受理单",
        "timeout": "写卡器 1.5 秒无应答",
        "short": "实收金额 100.00 元不足应收 129.50 元",
        "form": "开户业务受理单及发票",
        "light_steady": "读卡器灯 ● 常亮：已插卡",
        "light_busy": "闪烁：正在写卡，请勿拔卡！",
    },
    "en": {
        "no_reader": "Cannot connect to the card reader: re-insert the blank card.",
        "not_blank": "Please use another blank card",
        "script": "no write script",
        "id_err": "check character",
        "interrupted": "Write interrupted",
        "written": "Card written",
        "receipt": "Account opening receipt",
        "timeout": "did not answer within 1.5 s",
        "short": "The amount received, 100.00, is less than the 129.50 due",
        "form": "Account opening form and invoice",
        "light_steady": "Reader light ● steady: card in",
        "light_busy": "flashing: writing — do not remove the card!",
    },
}


@pytest.fixture(autouse=True)
def _no_system_printer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forms print to a private CUPS (the test that asks for it) or to nowhere, never to the
    machine's own printers."""
    monkeypatch.setenv("CUPS_SERVER", "127.0.0.1:9")


def fees_status(app: Any) -> str:
    return str(app.screen.query_one("#cw-fees-status").render())


def status(app: Any) -> str:
    return str(app.screen.query_one("#cw-status").render())


def screen_text(app: Any) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("Static"))


ADDRESS = "天津市和平区南京路100号"


async def open_card_screen(pilot: Any, app: Any, *, bad_id_first: bool = False) -> Any:
    """Every form step of DOMAIN.md E, then the card write screen: basic info, recommender,
    number, account info, package, first-month tariff, optional packs, activity, confirm."""
    await login(pilot, "c001")
    app.open_workflow("card_write")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountCustomerScreen))
    screen = app.screen
    await pilot.press(*"王小明", "enter")
    if bad_id_first:
        await pilot.press(*"110105194912310021", "enter", *"13800138000", "enter")
        await pilot.press(*ADDRESS, "enter")
        assert screen.query_one("#cw-err-id_number").display
        assert TEXTS[app.lang]["id_err"] in str(screen.query_one("#cw-err-id_number").render())
        assert screen.query_one("#cw-contact", Input).value == "13800138000"  # kept
        field = screen.query_one("#cw-id_number", Input)
        field.value = ""
        await pilot.press(*"11010519491231002X")
        await pilot.press("f5")
    else:
        await pilot.press(*"11010519491231002X", "enter", *"13800138000", "enter")
        await pilot.press(*ADDRESS, "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountRecommenderScreen))
    await pilot.press("enter")  # no recommender
    await take_the_first_number(pilot)
    await pilot.press("f5")  # the customer pays, SMS bills
    await wait_for(pilot, lambda: isinstance(app.screen, AccountPackageScreen))
    packages = app.screen.query_one("#cw-packages", OptionList)
    await wait_for(pilot, lambda: packages.option_count == 3)
    await pilot.press("down", "enter")  # P59, then the tariff list
    await pilot.press("down", "enter")  # half month: optional packs
    await wait_for(pilot, lambda: isinstance(app.screen, AccountPacksScreen))
    await pilot.press("f5")  # none
    await wait_for(pilot, lambda: isinstance(app.screen, AccountActivityScreen))
    await pilot.press("enter")  # no activity
    await wait_for(pilot, lambda: isinstance(app.screen, AccountSummaryScreen))
    assert "129.50" in str(app.screen.query_one("#cw-summary").render())
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, CardWriteScreen))
    return app.screen


async def pay_and_submit(pilot: Any, app: Any, amount: str = "150") -> None:
    """Fees, pre-submit (the form and invoice print), formal submit: the receipt."""
    await pilot.press("f10")
    await wait_for(pilot, lambda: isinstance(app.screen, AccountFeesScreen), CARD_STEP)
    fees = app.screen
    await pilot.press(*amount, "f5")
    await wait_for(pilot, lambda: fees.order["state"] == "presubmitted", CARD_STEP)
    await wait_for(pilot, lambda: fees.printed_pdf is not None and not fees.is_printing)
    await pilot.press("f10")
    await wait_for(pilot, lambda: isinstance(app.screen, CardWriteReceiptScreen), CARD_STEP)


async def read_and_write(pilot: Any, app: Any, screen: CardWriteScreen) -> None:
    await pilot.press("f5")
    await wait_for(pilot, lambda: screen.phase == "ready", CARD_STEP)
    await pilot.press("f6")
    await wait_for(pilot, lambda: screen.phase == "written", CARD_STEP)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_open_account_and_write_the_card(
    backend: Backend,
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    cups: CupsServer,
    lang: str,
) -> None:
    iccid = blank_cards(backend)[0]
    insert_card(pcscd, virtual_sim, VirtualCard.blank(iccid))
    app = make_app(backend, lang, printer=cups.printer, print_server=cups.server)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_card_screen(pilot, app, bad_id_first=True)
        order_id = screen.order["id"]
        assert backend.store.get(NUMBERS, screen.order["msisdn"])["state"] == "reserved"
        await read_and_write(pilot, app, screen)
        assert TEXTS[lang]["written"] in status(app)
        text = screen_text(app)
        assert "100.00" in text and screen.order["msisdn"] in text
        assert backend.store.get(CARDS, iccid)["state"] == "written"
        # The secrets never reach the screen.
        secrets = open_card_data(backend, CARD_DATA, backend.store.get(CARD_DATA, iccid))
        assert secrets is not None and secrets["ki"] not in text
        await pilot.press("f10")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountFeesScreen), CARD_STEP)
        fees = app.screen
        await pilot.press(*"100", "f5")  # short of 129.50: refused in the staff's words
        await wait_for(pilot, lambda: TEXTS[lang]["short"] in fees_status(app), CARD_STEP)
        assert fees.order["state"] == "written"
        fees.query_one("#cw-received", Input).value = ""
        await pilot.press(*"200")
        assert "70.50" in str(fees.query_one("#cw-change").render())
        await pilot.press("f5")
        await wait_for(pilot, lambda: fees.order["state"] == "presubmitted", CARD_STEP)
        await wait_for(pilot, lambda: fees.printed_pdf is not None and not fees.is_printing)
        printed = "".join(pdf_text(cups.wait_for_pdf()).split())
        payment = fees.order["payment"]
        assert payment is not None and payment["invoice_no"] in printed
        assert "".join(TEXTS[lang]["form"].split()) in printed and "129.50" in printed
        await pilot.press("f10")
        await wait_for(pilot, lambda: isinstance(app.screen, CardWriteReceiptScreen), CARD_STEP)
        receipt = app.screen.text
        assert TEXTS[lang]["receipt"] in receipt and iccid in receipt
        assert "110105********002X" in receipt and "138****8000" in receipt
    order = backend.store.get(ORDERS, order_id)
    assert order["state"] == "activated"
    assert backend.store.get(CARDS, iccid)["state"] == "activated"
    assert backend.store.get(NUMBERS, order["msisdn"])["state"] == "active"
    assert virtual_sim.card is not None and virtual_sim.card.imsi == order["imsi"]


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_the_staff_errors_on_screen(
    backend: Backend,
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    lang: str,
) -> None:
    texts = TEXTS[lang]
    iccid = blank_cards(backend)[0]
    no_data = blank_cards(backend, with_data=False)[0]
    async with running_app(backend, lang) as (app, pilot):
        screen = await open_card_screen(pilot, app)
        # No card in the reader.
        virtual_sim.remove()
        assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
        await pilot.press("f5")
        await wait_for(pilot, lambda: texts["no_reader"] in status(app), CARD_STEP)
        assert status(app) == texts["no_reader"]
        # An already-written card.
        insert_card(pcscd, virtual_sim, VirtualCard.written(iccid, "460011234567890"))
        await pilot.press("f5")
        await wait_for(pilot, lambda: texts["not_blank"] in status(app), CARD_STEP)
        # A blank card without card data in the database.
        insert_card(pcscd, virtual_sim, VirtualCard.blank(no_data))
        await pilot.press("f5")
        await wait_for(pilot, lambda: texts["script"] in status(app), CARD_STEP)
        if lang == "zh-CN":
            assert status(app) == texts["script"]
        assert screen.phase == "insert"
        # Pulled out mid-write: interrupted, then the same card again, same number.
        number = screen.order["msisdn"]
        card = VirtualCard.blank(iccid)
        insert_card(pcscd, virtual_sim, card)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.phase == "ready", CARD_STEP)
        virtual_sim.remove_after_updates(1)
        await pilot.press("f6")
        await wait_for(pilot, lambda: texts["interrupted"] in status(app), CARD_STEP)
        assert iccid[-4:] in status(app)
        assert backend.store.get(CARDS, iccid)["state"] == "write_interrupted"
        assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
        insert_card(pcscd, virtual_sim, card)
        await read_and_write(pilot, app, screen)
        assert screen.order["msisdn"] == number
        await pay_and_submit(pilot, app)
    assert backend.store.get(CARDS, iccid)["state"] == "activated"
    assert [n["msisdn"] for n in backend.store.lookup(NUMBERS, "state", "active")] == [number]
    assert backend.store.lookup(NUMBERS, "state", "reserved") == []


def next_text(app: Any) -> str:
    return str(app.screen.query_one("#cw-next").render())


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_a_reader_that_stops_answering_times_out_with_a_retry(
    backend: Backend,
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    lang: str,
) -> None:
    """Issue 15: a stopped reader left "正在写卡" on screen for ever (over 20 s)."""
    texts = TEXTS[lang]
    iccid = blank_cards(backend)[0]
    card = VirtualCard.blank(iccid)
    insert_card(pcscd, virtual_sim, card)
    async with running_app(backend, lang, extra={"reader_timeout": 1.5}) as (app, pilot):
        screen = await open_card_screen(pilot, app)
        # Reading: the card stops answering.
        virtual_sim.stop_answering(0)
        await pilot.press("f5")
        await wait_for(pilot, lambda: texts["timeout"] in next_text(app), CARD_STEP)
        assert status(app) == texts["no_reader"] and screen.phase == "insert"
        # The retry path: card out, card in, F5.
        insert_card(pcscd, virtual_sim, card)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.phase == "ready", CARD_STEP)
        light = screen.query_one("#cw-light")
        assert str(light.render()) == texts["light_steady"] and not light.has_class("-busy")
        # Writing: the card stops answering after two updates.
        virtual_sim.stop_answering(2)
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen.phase == "writing", CARD_STEP)
        assert texts["light_busy"] in str(light.render()) and light.has_class("-busy")
        await wait_for(pilot, lambda: texts["interrupted"] in status(app), CARD_STEP)
        assert texts["timeout"] in next_text(app)
        assert screen.phase == "insert"
        assert not light.has_class("-busy")
        assert backend.store.get(CARDS, iccid)["state"] == "write_interrupted"
        insert_card(pcscd, virtual_sim, card)
        await read_and_write(pilot, app, screen)
        await pay_and_submit(pilot, app)
    assert backend.store.get(CARDS, iccid)["state"] == "activated"


async def test_an_interrupted_order_resumes_from_the_open_orders(
    backend: Backend,
    virtual_sim: VirtualSim,
    pcscd: PcscService,
) -> None:
    iccid = blank_cards(backend)[0]
    card = VirtualCard.blank(iccid)
    insert_card(pcscd, virtual_sim, card)
    async with running_app(backend, "zh-CN") as (app, pilot):
        screen = await open_card_screen(pilot, app)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.phase == "ready", CARD_STEP)
        virtual_sim.remove_after_updates(2)
        await pilot.press("f6")
        await wait_for(pilot, lambda: "写卡中断" in status(app), CARD_STEP)
        await pilot.press("escape")  # the clerk leaves; the order stays open
        await wait_for(pilot, lambda: not isinstance(app.screen, CardWriteScreen))
        app.open_workflow("card_write")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountCustomerScreen))
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountOrdersScreen))
        table = app.screen.query_one("#cw-orders")
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CardWriteScreen))
        resumed = app.screen
        assert iccid[-4:] in status(app)
        assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
        insert_card(pcscd, virtual_sim, card)
        await read_and_write(pilot, app, resumed)
        await pay_and_submit(pilot, app)
    assert backend.store.get(CARDS, iccid)["state"] == "activated"


def modal_text(app: Any) -> str:
    return " ".join(str(w.render()) for w in app.screen.query("Static"))


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_cancel_an_order_asks_first_saying_what_happens_to_the_number(
    backend: Backend, lang: str
) -> None:
    """Issue 13: F8 cancelled the order at once, the number gone back to the pool unasked."""
    async with running_app(backend, lang) as (app, pilot):
        screen = await open_card_screen(pilot, app)
        order_id, number = screen.order["id"], screen.order["msisdn"]
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        text = modal_text(app)
        assert order_id in text and number in text
        assert screen.order["customer"]["name"] in text
        assert ("尚未绑定卡片" if lang == "zh-CN" else "No card is bound") in text
        assert backend.store.get(ORDERS, order_id)["state"] == "reserved"
        await pilot.press("escape")  # changed their mind: nothing happens
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause(0.2)
        assert backend.store.get(ORDERS, order_id)["state"] == "reserved"
        assert backend.store.get(NUMBERS, number)["state"] == "reserved"
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: backend.store.get(ORDERS, order_id)["state"] == "cancelled")
        await wait_for(pilot, lambda: not isinstance(app.screen, CardWriteScreen))
    assert backend.store.get(NUMBERS, number)["state"] == "free"


async def test_cancel_a_half_written_order_names_the_card(
    backend: Backend, virtual_sim: VirtualSim, pcscd: PcscService
) -> None:
    iccid = blank_cards(backend)[0]
    insert_card(pcscd, virtual_sim, VirtualCard.blank(iccid))
    async with running_app(backend, "zh-CN") as (app, pilot):
        screen = await open_card_screen(pilot, app)
        order_id, number = screen.order["id"], screen.order["msisdn"]
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.phase == "ready", CARD_STEP)
        virtual_sim.remove_after_updates(1)
        await pilot.press("f6")
        await wait_for(pilot, lambda: "写卡中断" in status(app), CARD_STEP)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        text = modal_text(app)
        assert f"…{iccid[-4:]}" in text and number in text and "空白卡" in text
        assert backend.store.get(ORDERS, order_id)["state"] == "write_interrupted"
        await pilot.press("y")
        await wait_for(pilot, lambda: backend.store.get(ORDERS, order_id)["state"] == "cancelled")
    assert backend.store.get(CARDS, iccid)["state"] == "picked_up"
    assert backend.store.get(NUMBERS, number)["state"] == "free"


async def test_number_list_does_not_steal_focus_from_the_ending(backend: Any) -> None:
    """Issue 13: the list took focus when it loaded; "88" + Enter picked its first number."""
    async with running_app(backend, "en", "c001") as (app, pilot):
        customer = {"name": "王小明", "id_number": "11010519491231002X", "contact": "13800138000"}
        await app.push_screen(AccountNumberScreen(new_draft(customer)))
        numbers = app.screen.query_one("#cw-numbers", OptionList)
        await wait_for(pilot, lambda: numbers.option_count > 0)
        await pilot.press("8", "8", "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, AccountNumberScreen)
        assert app.screen.query_one("#cw-digits", Input).value == "88"
        assert app.focused is app.screen.query_one("#cw-digits")
