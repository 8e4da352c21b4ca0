"""Pilot at 80x24: lists refresh on return, "d Done" asks only what is missing, Esc on a
changed form asks, duplicates point to the existing customer, exports read as labels."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from textual.widgets import DataTable, Input, OptionList, Select, Static

from branchdesk.clients.api import Action
from branchdesk.clients.onboarding_api import OnboardingApi
from branchdesk.screens.common.confirm import ConfirmModal
from branchdesk.screens.onboarding.checklist import ChecklistScreen
from branchdesk.screens.onboarding.customers import CustomersScreen
from branchdesk.screens.onboarding.item import ItemModal
from support.onboarding import new_customer_form, open_customers
from support.tui import SIZE, make_app, screen_text, wait_for

LANGS = ["en", "zh-CN"]


async def _customer(login_as, data) -> dict:
    api = OnboardingApi(await login_as("m001"))
    return await api.create_customer(data, Action())


async def _search(pilot, text: str, rows: int = 1) -> DataTable:
    search = pilot.app.screen.query_one("#onb-search", Input)
    search.focus()
    search.value = text
    table = pilot.app.screen.query_one("#onb-table", DataTable)
    await wait_for(pilot, lambda: table.row_count == rows)
    return table


async def _checklist(pilot, name: str) -> ChecklistScreen:
    await _search(pilot, name)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChecklistScreen))
    checklist = pilot.app.screen
    await wait_for(pilot, lambda: checklist.data is not None)
    return checklist


@pytest.mark.parametrize("lang", LANGS)
async def test_the_list_shows_progress_at_once_after_an_item_is_ticked(
    backend, login_as, customer_data, lang
):
    await _customer(login_as, customer_data(name="回来刷新"))
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_customers(pilot)
        table = await _search(pilot, "回来刷新")
        assert table.get_row_at(0)[-1] == "0/6"
        checklist = await _checklist(pilot, "回来刷新")
        await pilot.press("d")  # the card item: done
        await wait_for(pilot, lambda: checklist.data["progress"]["done"] == 1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        await wait_for(pilot, lambda: table.row_count == 1 and table.get_row_at(0)[-1] == "1/6")


@pytest.mark.parametrize("lang", LANGS)
async def test_d_done_asks_only_for_the_missing_serial(backend, login_as, customer_data, lang):
    customer = await _customer(login_as, customer_data(name="令牌客户"))
    api = OnboardingApi(await login_as("m001"))
    for item in ("card", "online_banking"):
        await api.set_item(customer["id"], item, status="done", base_version=0, action=Action())
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_customers(pilot)
        checklist = await _checklist(pilot, "令牌客户")
        items = checklist.query_one("#onb-items", OptionList)
        items.highlighted = items.get_option_index("security_device")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ItemModal))
        modal = app.screen
        text = screen_text(app)
        not_started = "Not started" if lang == "en" else "未开始"
        assert not_started not in text  # no status to choose: it is being marked done
        assert not modal.query("#i-status") and not modal.query("#i-note")
        assert [i.id for i in modal.query(Input)] == ["i-ukey_serial"]
        assert app.focused is modal.query_one("#i-ukey_serial", Input)
        await pilot.press(*"UK-778899", "enter")
        await wait_for(pilot, lambda: app.screen is checklist)
        await wait_for(pilot, lambda: checklist.data["progress"]["done"] == 3)
        item = checklist._item("security_device")
        assert item["status"] == "done" and item["evidence"] == {"ukey_serial": "UK-778899"}


@pytest.mark.parametrize("lang", LANGS)
async def test_esc_on_a_changed_form_asks_before_discarding(backend, lang):
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        customers = await open_customers(pilot)
        form = await new_customer_form(pilot)
        await pilot.press("escape")  # nothing typed: straight back
        await wait_for(pilot, lambda: app.screen is customers)
        form = await new_customer_form(pilot)
        await pilot.press(*"半填客户")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "半填客户" in screen_text(app)
        await pilot.press("n")  # keep typing: nothing lost
        await wait_for(pilot, lambda: app.screen is form)
        assert form.query_one("#f-name", Input).value == "半填客户"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is customers)


async def test_esc_on_a_changed_item_asks_too(backend, login_as, customer_data):
    await _customer(login_as, customer_data(name="事项客户"))
    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await open_customers(pilot)
        checklist = await _checklist(pilot, "事项客户")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ItemModal))
        modal = app.screen
        modal.query_one("#i-note", Input).value = "客户下午再来"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is modal)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is checklist)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_duplicate_customer_is_refused_with_a_pointer_on_screen(
    backend, login_as, customer_data, lang
):
    existing = await _customer(login_as, customer_data(name="王大明"))
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_customers(pilot)
        form = await new_customer_form(pilot)
        same = customer_data(name="另一个人", mobile="13900001111", licence_no="522301100999")
        for field in ("name", "id_number", "mobile", "licence_no", "order_amount"):
            form.query_one(f"#f-{field}", Input).value = same[field]
        form.query_one("#f-card_number", Input).value = _other_card()
        form.query_one("#f-area", Select).value = "桔山"
        await pilot.pause()
        await pilot.press("f2")
        error = form.query_one("#err-id_number", Static)
        await wait_for(pilot, lambda: error.display)
        shown = str(error.render())
        assert existing["id"] in shown and "王*" in shown and "王大明" not in shown
        assert ("ID number" if lang == "en" else "身份证号") in shown
        assert app.screen is form  # nothing created, what was typed stays
        assert form.query_one("#f-name", Input).value == "另一个人"


def _other_card() -> str:
    from branchdesk.clients import validators

    body = "621799000098765432"
    return body + str(validators.luhn_check_digit(body))


@pytest.mark.parametrize("lang", LANGS)
async def test_the_handoff_export_reads_as_labels_with_the_bank_and_local_time(
    backend, login_as, customer_data, lang
):
    await _customer(login_as, customer_data(name="交接客户", token_type="ukey"))
    app = make_app(backend, lang, timezone="Asia/Shanghai")
    async with app.run_test(size=SIZE) as pilot:
        await open_customers(pilot)
        checklist = await _checklist(pilot, "交接客户")
        local = ZoneInfo("Asia/Shanghai")
        started = backend.settings.now()
        await pilot.press("d")
        await wait_for(pilot, lambda: checklist.data["progress"]["done"] == 1)
        await pilot.press("x")
        await wait_for(pilot, lambda: getattr(checklist, "last_export", None) is not None)
        ended = backend.settings.now()
        csv_path, txt_path = checklist.last_export
    text = txt_path.read_text(encoding="utf-8")
    table = csv_path.read_text(encoding="utf-8-sig")
    device, token, bank = (
        ("Security device", "UKey + SMS", "PSBC")
        if lang == "en"
        else ("安全工具", "UKey + 短信", "邮储")
    )
    for exported in (text, table):
        assert ": ukey" not in exported and ",ukey" not in exported
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", exported)  # no UTC ISO stamps
        assert bank in exported
    assert f"{device}: {token}" in text
    # the export's and the item's local times: some minute between the tick and the export
    # (on a loaded machine the minute may turn between them)
    minutes = {
        (started + timedelta(minutes=n)).astimezone(local).strftime("%Y-%m-%d %H:%M")
        for n in range(int((ended - started).total_seconds() // 60) + 2)
    }
    assert any(m in text for m in minutes)
    assert any(m in table for m in minutes)
