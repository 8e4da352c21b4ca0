"""Pilot: create a customer → tick checklist items → export, at 80x24 in both languages."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from branchdesk.screens.onboarding.checklist import ChecklistScreen
from branchdesk.screens.onboarding.customers import CustomersScreen
from branchdesk.screens.onboarding.item import ItemModal
from branchdesk.tui.widgets import StatusLine
from support.onboarding import new_customer_form, open_customers
from support.tui import SIZE, make_app, wait_for


async def _type(pilot, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_create_tick_export(backend, customer_data, lang, tmp_path):
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_customers(pilot)
        form = await new_customer_form(pilot)
        data = customer_data(name="新客户甲", mobile="1381234567")  # 10 digits: refused
        for field in ("name", "id_number", "mobile", "licence_no", "card_number", "order_amount"):
            await _type(pilot, f"#f-{field}", data[field])
        form.query_one("#f-area").value = "桔山"
        form.query_one("#f-token_type").value = "ukey"
        await pilot.press("f2")
        await pilot.pause()
        error = form.query_one("#err-mobile", Static)
        assert error.display and ("11" in str(error.render()))
        assert form.query_one("#f-name", Input).value == "新客户甲"  # kept
        await _type(pilot, "#f-mobile", "13812345678")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        customers = app.screen
        await _type(pilot, "#onb-search", "新客户甲")
        table = customers.query_one("#onb-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        checklist = app.screen
        await wait_for(pilot, lambda: checklist.data is not None)
        # the focused item is the next step: item 1; tick it, then try item 3 (needs 2)
        assert checklist._focused_id() == "card"
        await pilot.press("d")
        await wait_for(pilot, lambda: checklist.data["progress"]["done"] == 1)
        items = checklist.query_one("#onb-items", OptionList)
        status = checklist.query_one("#onb-check-status", StatusLine)
        items.highlighted = items.get_option_index("ukey_installed")
        await pilot.press("d")  # 4 needs 3: the server refuses and names it
        prerequisite = "UKey or e-token issued" if lang == "en" else "已发放 UKey 或电子令牌"
        await wait_for(pilot, lambda: prerequisite in str(status.render()))
        items.highlighted = items.get_option_index("online_banking")
        await pilot.press("d")
        await wait_for(pilot, lambda: checklist.data["progress"]["done"] == 2)
        items.highlighted = items.get_option_index("security_device")
        await pilot.press("d")  # needs the UKey serial: the item form opens
        await wait_for(pilot, lambda: isinstance(app.screen, ItemModal))
        modal = app.screen
        await pilot.press("f2")  # no serial yet: a field message, the modal stays
        error = modal.query_one("#err-ukey_serial", Static)
        await wait_for(pilot, lambda: error.display)
        await _type(pilot, "#i-ukey_serial", "UK-123456")
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen is checklist)
        await wait_for(pilot, lambda: checklist.data["progress"]["done"] == 3)
        guide = str(checklist.query_one("#onb-guide", Static).render())
        assert "100,000" in guide  # limits advice: a 120,000 CNY order needs UKey + SMS
        await pilot.press("x")
        await wait_for(pilot, lambda: getattr(checklist, "last_export", None) is not None)
        csv_path, txt_path = checklist.last_export
        assert csv_path.exists() and txt_path.exists()
        text = txt_path.read_text(encoding="utf-8")
        assert "新客户甲" in text and "13812345678" in text
        assert csv_path.read_text(encoding="utf-8-sig").count("\n") > 22
