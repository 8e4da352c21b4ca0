"""Labels, not keys (issue #15 item 10): the SIM screens name warehouses with their codes and
staff by name, every column readable at 80x24 with loaded data, in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from sim.sim_cards import listed, pick_up, transfer_in

from branchdesk.clients.api import Action
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.clients.local.backend import Backend
from branchdesk.screens.card_write.orders import AccountOrdersScreen
from branchdesk.screens.sim.approvals import SimApprovalsScreen
from branchdesk.screens.sim.batches import SimBatchesScreen
from branchdesk.tui.app import BranchdeskApp
from support.tui import SIZE, login, make_app, screen_text, wait_for

N = "128k_normal"
SENDER = "李建国"  # c001
WORDS = {
    "zh-CN": {
        "kinds": ("二级库 130040", "社渠库 13ZDF14"),
        "full": ("和平分公司 二级库 130040", "和平分公司 社会渠道库 13ZDF14"),
        "sender": "李建国（c001）",
    },
    "en": {
        "kinds": ("secondary 130040", "channel 13ZDF14"),
        "full": (
            "Heping branch secondary warehouse 130040",
            "Heping branch channel warehouse 13ZDF14",
        ),
        "sender": "李建国 (c001)",
    },
}


def assert_columns_fit(table: Any) -> None:
    """Every column starts and ends inside the visible table at 80 columns."""
    right = sum(column.get_render_width(table) for column in table.ordered_columns)
    assert right <= table.size.width, (right, table.size.width)


@pytest.fixture(params=["zh-CN", "en"])
def lang(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def app_after_a_transfer_and_a_pickup(
    backend: Backend, login_as: Any, lang: str
) -> BranchdeskApp:
    """c001 has sent a transfer from 130040 and a pick-up by A00101; the App is not started."""
    client = await login_as("c001")
    await transfer_in(client, "130040", listed(2))
    await pick_up(client, "A00101", listed(220))
    return make_app(backend, lang)


async def table_shown(pilot: Any, staff: str, screen: Any, selector: str, rows: int) -> Any:
    """Log in as ``staff``, open ``screen``; its table once ``rows`` rows are in, fitting."""
    await login(pilot, staff)
    await pilot.app.push_screen(screen)
    table = screen.query_one(selector)
    await wait_for(pilot, lambda: table.row_count == rows)
    await pilot.pause()
    assert_columns_fit(table)
    return table


async def test_approvals_name_the_warehouses_and_the_sender(
    app_after_a_transfer_and_a_pickup: BranchdeskApp, lang: str
) -> None:
    app, words = app_after_a_transfer_and_a_pickup, WORDS[lang]
    async with app.run_test(size=SIZE) as pilot:
        table = await table_shown(pilot, "c002", SimApprovalsScreen(), "#transfers", 1)
        cells = [str(c) for c in table.get_row_at(0)]
        assert words["kinds"][0] in cells and words["kinds"][1] in cells
        assert SENDER in cells and "c001" not in cells  # a name, not a staff ID
        text = screen_text(app)
        for label in (*words["full"], words["sender"]):
            assert label in text, label
        # Asking first says who and where in full too.
        await pilot.press("a")
        await pilot.pause()
        asked = " ".join(screen_text(app).replace("█", " ").split())  # wrapped in a box
        assert words["full"][0] in asked and words["sender"] in asked, asked


async def test_batch_history_shows_the_cut_cell_in_full(
    app_after_a_transfer_and_a_pickup: BranchdeskApp, lang: str
) -> None:
    app, words = app_after_a_transfer_and_a_pickup, WORDS[lang]
    async with app.run_test(size=SIZE) as pilot:
        await table_shown(pilot, "c001", SimBatchesScreen(), "#batches", 2)
        assert "A00101" in screen_text(app) and words["sender"] in screen_text(app)
        await pilot.press("down")  # the transfer: both warehouses in full under the table
        await wait_for(pilot, lambda: words["full"][1] in screen_text(app))
        assert words["full"][0] in screen_text(app)


async def test_open_orders_columns_fit(backend: Backend, login_as: Any, lang: str) -> None:
    api = CardWriteApi(await login_as("c001"))
    customer = {
        "name": "欧阳娜娜娜",
        "id_number": "11010519491231002X",
        "contact": "13800138000",
        "address": "天津市和平区南京路100号",
    }
    number = (await api.numbers())[0]
    await api.create_order(customer, number, "P59", "full", Action())
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await table_shown(pilot, "c001", AccountOrdersScreen(), "#cw-orders", 1)
        assert customer["name"] in screen_text(app) and number in screen_text(app)
