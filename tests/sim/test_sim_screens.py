"""SIM stock screens at 80x24, keyboard only, in both languages (Pilot, real client + backend)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sim.sim_cards import card_range, pick_up
from sim.stock_screens import open_batch, open_stock
from textual.widgets import Input, RichLog, Select

from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.sim.rules import CARDS
from branchdesk.clients.local.sim.seed import demo_iccid
from branchdesk.screens.common.confirm import ConfirmModal
from branchdesk.screens.sim.batch import SimBatchScreen
from branchdesk.screens.sim.receipt import SimReceiptScreen
from support.tui import running_app, wait_for

N = "128k_normal"


def log_text(screen: SimBatchScreen) -> str:
    return "\n".join(line.text for line in screen.query_one("#batch-log", RichLog).lines)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_file_pickup_to_receipt(backend: Backend, tmp_path: Path, lang: str) -> None:
    cards = [demo_iccid(1, N, n) for n in range(101, 131)]
    path = tmp_path / "cards.txt"
    path.write_bytes(("\ufeff" + "\r\n".join(f" {c} " for c in cards) + "\r\n\r\n").encode())
    async with running_app(backend, lang) as (app, pilot):
        await open_stock(pilot, app)
        screen = await open_batch(pilot, app)
        screen.query_one("#file", Input).focus()
        await pilot.press(*str(path))
        await pilot.press("f9")  # not checked yet: refused
        assert "F5" in str(screen.query_one("#batch-status").render())
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.preview is not None)
        assert screen.preview["accepted"] and screen.preview["found"] == 30
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        question = str(app.screen.query_one("#confirm-title").render())
        if lang == "zh-CN":
            assert question == "批量领卡成功，确认正式提交？"
        else:
            assert question == "Batch pick-up checked. Submit it now?"
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SimReceiptScreen))
        receipt = app.screen
        assert receipt.moved["count"] == 30
        for text in (cards[0], cards[-1], "A00101", "c001"):
            assert text in receipt.text
        save = receipt.query_one("#save-path", Input)
        save.value = str(tmp_path / "receipt.txt")
        await pilot.press("f2")
        await wait_for(pilot, lambda: (tmp_path / "receipt.txt").exists())
        assert cards[-1] in (tmp_path / "receipt.txt").read_text(encoding="utf-8")
    assert backend.store.get(CARDS, cards[5])["loc_id"] == "A00101"


async def test_file_with_bad_lines_reports_them_and_changes_nothing(
    backend: Backend, tmp_path: Path
) -> None:
    good = demo_iccid(1, N, 140)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    path = tmp_path / "bad.txt"
    path.write_text(f"{good}\n12345\n{bad}\n", encoding="utf-8")
    async with running_app(backend, "en") as (app, pilot):
        await open_stock(pilot, app)
        screen = await open_batch(pilot, app)
        screen.query_one("#file", Input).value = str(path)
        await pilot.press("f5")
        await wait_for(pilot, lambda: "line 3" in log_text(screen))
        text = log_text(screen)
        assert "line 2: 12345 — not 19 or 20 digits" in text
        assert "wrong check digit" in text
        assert screen.preview is None
        assert screen.query_one("#file", Input).value == str(path)  # kept what was typed
    assert backend.store.get(CARDS, good)["state"] == "in_stock"


async def _return_range(pilot, app, lang: str, agent_ok: bool) -> SimBatchScreen:  # noqa: ANN001
    await open_stock(pilot, app)
    screen = await open_batch(pilot, app, "f3")
    if not agent_ok:
        screen.query_one("#agent", Select).value = "A00102"
    screen.query_one("#source", Select).value = "range"
    await pilot.pause()
    screen.query_one("#start", Input).focus()
    await pilot.press(*demo_iccid(1, N, 101))
    screen.query_one("#end", Input).focus()
    await pilot.press(*demo_iccid(1, N, 110))
    screen.query_one("#fee", Input).focus()
    await pilot.press(*"1.5")
    return screen


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_range_return_with_fee(backend: Backend, lang: str, login_as) -> None:  # noqa: ANN001
    client = await login_as("c001")
    await pick_up(client, "A00101", card_range(1, N, 101, 110))
    async with running_app(backend, lang) as (app, pilot):
        screen = await _return_range(pilot, app, lang, agent_ok=True)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.preview is not None)
        assert screen.preview["found"] == 10
        received = str(screen.query_one("#received").render())
        assert "15.00" in received
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SimReceiptScreen))
        assert app.screen.moved["amount_received"] == "15.00"
    card = backend.store.get(CARDS, demo_iccid(1, N, 105))
    assert (card["state"], card["loc_id"]) == ("in_stock", "13ZDF14")


async def test_range_return_to_other_agent_shows_location_mismatch(
    backend: Backend,
    login_as,  # noqa: ANN001
) -> None:
    client = await login_as("c001")
    await pick_up(client, "A00101", card_range(1, N, 101, 110))
    async with running_app(backend, "zh-CN") as (app, pilot):
        screen = await _return_range(pilot, app, "zh-CN", agent_ok=False)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.preview is not None)
        assert not screen.preview["accepted"]
        assert "卡库位不一致" in str(screen.query_one("#batch-status").render())
        cards = screen.query_one("#cards")
        assert cards.row_count == 10 and "卡库位不一致" in cards.row_text(0)
        await pilot.press("f9")
        assert not isinstance(app.screen, ConfirmModal)


async def test_bad_range_is_a_field_error(backend: Backend) -> None:
    async with running_app(backend, "en") as (app, pilot):
        await open_stock(pilot, app)
        screen = await open_batch(pilot, app)
        screen.query_one("#source", Select).value = "range"
        await pilot.pause()
        screen.query_one("#start", Input).value = demo_iccid(1, N, 150)
        screen.query_one("#end", Input).value = demo_iccid(1, N, 101)
        await pilot.press("f5")
        await pilot.pause()
        assert "before the start" in str(screen.query_one("#batch-status").render())
        assert screen.query_one("#end", Input).value == demo_iccid(1, N, 101)


async def test_card_lookup_clears_the_previous_card_under_a_new_invalid_iccid(
    backend: Backend,
) -> None:
    """Issue 13: the previous card's state and history stayed under a new, invalid ICCID."""
    from branchdesk.screens.sim.card import SimCardScreen

    async with running_app(backend, "en", "c001", timezone="Asia/Shanghai") as (app, pilot):
        await app.push_screen(SimCardScreen())
        await pilot.pause()
        iccid = demo_iccid(1, N, 101)
        await pilot.press(*iccid, "enter")
        history = app.screen.query_one("#card-history")
        await wait_for(pilot, lambda: history.row_count > 0)
        when = str(history.get_row_at(0)[0])
        assert "T" not in when and "+" not in when and len(when) == 16  # 2026-12-02 04:05
        app.screen.query_one("#card-iccid", Input).value = iccid[:-1] + str(
            (int(iccid[-1]) + 1) % 10
        )
        await pilot.press("enter")
        await pilot.pause()
        assert str(app.screen.query_one("#card-info").render()) == ""
        assert history.row_count == 0
        assert "-error" in app.screen.query_one("#card-status").classes
