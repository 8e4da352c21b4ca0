"""Issue 15 for the SIM stock screens: a pasted ICCID list, a preview that lists every card, a
range with gaps that offers the available cards, the remembered card source, batch history with
reprint, labels instead of keys, and focus that shows without colour."""

from __future__ import annotations

from typing import Any

import pytest
from sim.sim_cards import card_range, hand_back, listed, pick_up, transfer_in
from sim.stock_screens import choose_source, open_batch, open_batch_form, open_stock
from textual import events
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Input, RichLog, Select, TextArea

from branchdesk.clients.api import Action
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.sim.rules import CARDS
from branchdesk.clients.local.sim.seed import demo_iccid
from branchdesk.screens.common.confirm import ConfirmModal
from branchdesk.screens.sim.batch import SimBatchScreen, problem_line
from branchdesk.screens.sim.batches import SimBatchesScreen
from branchdesk.screens.sim.card_list import PreviewList
from branchdesk.screens.sim.receipt import SimReceiptScreen
from branchdesk.screens.sim.stock import SimStockScreen
from branchdesk.tui.i18n import _
from support.tui import make_app, running_app, wait_for

N = "128k_normal"
SIZE = (80, 24)


def log_text(screen: SimBatchScreen) -> str:
    return "\n".join(line.text for line in screen.query_one("#batch-log", RichLog).lines)


def status(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector).render())


async def paste(pilot, screen: SimBatchScreen, text: str) -> None:  # noqa: ANN001
    area = screen.query_one("#paste", TextArea)
    area.focus()
    # What the terminal sends for a paste (bracketed paste), as over SSH: to the App, which
    # hands it to the focused widget.
    pilot.app.post_message(events.Paste(text))
    await wait_for(pilot, lambda: area.text.strip() == text.strip())


# -- paste area ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_pasted_list_reports_bad_lines_by_number_then_picks_up(
    backend: Backend, lang: str
) -> None:
    cards = [demo_iccid(1, N, n) for n in range(201, 211)]
    bad = cards[3][:-1] + str((int(cards[3][-1]) + 1) % 10)
    async with running_app(backend, lang) as (app, pilot):
        screen = await open_batch_form(pilot, app, source="paste")
        await paste(pilot, screen, "\n".join([*cards[:3], bad, "8986 0126", *cards[3:]]) + "\n")
        await pilot.press("f5")
        await wait_for(pilot, lambda: "-error" in screen.query_one("#batch-status").classes)
        text = log_text(screen)
        line = _("sim.file.bad_line", line=4, text=bad, reason=_("sim.reason.luhn"))
        assert line in text
        assert _("sim.file.bad_line", line=5, text="8986 0126", reason="").split("—")[0] in text
        assert screen.preview is None and screen.focused is screen.query_one("#paste")
        # Fixed in the box: the same text minus the two bad lines.
        area = screen.query_one("#paste", TextArea)
        area.text = "\n".join(cards)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.preview is not None)
        assert screen.preview["accepted"] and screen.preview["found"] == 10
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SimReceiptScreen))
        assert app.screen.moved["count"] == 10
    assert backend.store.get(CARDS, cards[-1])["loc_id"] == "A00101"


async def test_an_empty_paste_is_a_field_error(backend: Backend) -> None:
    async with running_app(backend, "en") as (app, pilot):
        screen = await open_batch_form(pilot, app, source="paste")
        await pilot.press("f5")
        await pilot.pause()
        assert status(screen, "#batch-status") == _("sim.error.paste_required")
        assert screen.focused is screen.query_one("#paste")


# -- the preview lists every card ------------------------------------------------------------
async def test_preview_lists_every_card_filterable_by_problem(backend: Backend) -> None:
    async with running_app(backend, "en") as (app, pilot):
        screen = await open_batch_form(pilot, app, source="range")
        screen.query_one("#start", Input).value = demo_iccid(1, N, 331)
        screen.query_one("#end", Input).value = demo_iccid(1, N, 370)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.preview is not None)
        listed = screen.query_one("#cards", PreviewList)
        assert screen.query_one("#cards-pane").display and listed.row_count == 40
        first = listed.row_text(0)
        assert demo_iccid(1, N, 331) in first and "OK" in first and "in stock" in first
        assert "Heping branch channel warehouse 13ZDF14" in first  # a label, not a key
        # 351.. are held by agents: wrong state, where they are named.
        counts = screen.preview["counts"]
        assert counts["wrong_state"] == 20
        filter_ = screen.query_one("#filter", Select)
        filter_.value = "wrong_state"
        await wait_for(pilot, lambda: listed.row_count == 20)
        assert all("wrong state" in listed.row_text(i) for i in range(20))
        assert "picked up" in listed.row_text(0) and "(A001" in listed.row_text(0)
        filter_.value = ""
        await wait_for(pilot, lambda: "OK" in listed.row_text(0))
        assert listed.row_count == 20
        assert all("OK" in listed.row_text(i) for i in range(20))
        # Keyboard: the list scrolls to its last row.
        filter_.value = "*"
        await wait_for(pilot, lambda: listed.row_count == 40)
        listed.focus()
        await pilot.press("ctrl+e")
        assert listed.cursor == 39 and listed.scroll_y > 0


async def test_the_list_renders_only_the_visible_rows_of_100000() -> None:
    from textual.app import App

    cards = {
        "iccid": [demo_iccid(1, N, 100_000 + n) for n in range(100_000)],
        "state": ["in_stock"] * 100_000,
        "location": [0] * 100_000,
        "problem": [""] * 99_999 + ["not_found"],
        "labels": ["Heping branch channel warehouse 13ZDF14"],
    }
    drawn: list[int] = []

    class Counting(PreviewList):
        def row_text(self, position: int) -> str:
            drawn.append(position)
            return super().row_text(position)

    class One(App[None]):
        def compose(self):  # noqa: ANN202
            yield Counting(id="cards")

    app = One()
    async with app.run_test(size=SIZE) as pilot:
        listed = app.query_one(Counting)
        listed.show(cards)
        await pilot.pause()
        assert listed.row_count == 100_000
        assert drawn and max(drawn) < 30  # one screenful, not 100,000 rows
        listed.filter("not_found")
        await pilot.pause()
        assert listed.row_count == 1 and cards["iccid"][-1] in listed.row_text(0)


# -- a range with gaps -----------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_a_range_with_gaps_offers_the_available_cards(backend: Backend, lang: str) -> None:
    start, end = demo_iccid(1, N, 341), demo_iccid(1, N, 360)
    before = {n: dict(backend.store.get(CARDS, demo_iccid(1, N, n))) for n in (351, 360)}
    async with running_app(backend, lang) as (app, pilot):
        screen = await open_batch_form(pilot, app, source="range")
        screen.query_one("#start", Input).value = start
        screen.query_one("#end", Input).value = end
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.preview is not None)
        assert screen.offer_take
        await wait_for(pilot, lambda: "F9" in status(screen, "#batch-status"))
        said = status(screen, "#batch-status")
        assert "F9" in said and "10" in said and "20" in said
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert str(app.screen.query_one("#confirm-title").render()) == _(
            "sim.confirm.take_title", n=10
        )
        await pilot.press("escape")  # no: nothing happens
        await wait_for(pilot, lambda: app.screen is screen)
        assert backend.store.get(CARDS, start)["state"] == "in_stock"
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        detail = str(app.screen.query_one("#confirm-detail").render())
        assert start in detail and demo_iccid(1, N, 350) in detail
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SimReceiptScreen))
        batch = app.screen.moved
        assert (batch["count"], batch["requested"], batch["skipped"]) == (10, 20, 10)
        assert (batch["first"], batch["last"]) == (start, demo_iccid(1, N, 350))
        assert _("sim.receipt.skipped", n=10, requested=20) in app.screen.text
    assert backend.store.get(CARDS, start)["loc_id"] == "A00101"
    for n, card in before.items():
        assert backend.store.get(CARDS, demo_iccid(1, N, n)) == card  # left where they were


async def test_a_range_with_problems_that_cannot_be_left_out_is_refused_with_counts(
    backend: Backend, login_as: Any
) -> None:
    client = await login_as("c001")
    cards = card_range(1, N, 201, 205)
    await pick_up(client, "A00102", cards)
    async with running_app(backend, "en") as (app, pilot):
        # A return to A00101 of A00102's cards.
        screen = await open_batch_form(pilot, app, "f3", source="range")
        screen.query_one("#start", Input).value = cards["range"]["start"]
        screen.query_one("#end", Input).value = demo_iccid(1, N, 206)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.preview is not None)
        assert not screen.offer_take
        await wait_for(pilot, lambda: "-error" in screen.query_one("#batch-status").classes)
        said = status(screen, "#batch-status")
        assert "location mismatch: 5" in said and "wrong state: 1" in said
        await pilot.press("f9")
        await pilot.pause()
        assert app.screen is screen
        assert status(screen, "#batch-status") == _("sim.error.preview_has_problems")


# -- the card source is remembered -----------------------------------------------------------
async def test_the_card_source_is_remembered_per_user_across_restarts(backend: Backend) -> None:
    async with running_app(backend, "en") as (app, pilot):
        screen = await open_batch_form(pilot, app, source="paste")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SimStockScreen))
        screen = await open_batch(pilot, app)
        assert screen.query_one("#source", Select).value == "paste"
        assert screen.query_one("#paste-row").display
        assert not screen.query_one("#file-row").display
    restarted = make_app(backend, "en")
    async with restarted.run_test(size=SIZE) as pilot:
        await open_stock(pilot, restarted)
        screen = await open_batch(pilot, restarted)
        assert screen.query_one("#source", Select).value == "paste"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(restarted.screen, SimStockScreen))
        screen = await open_batch(pilot, restarted, "f4")  # each screen keeps its own
        assert screen.query_one("#source", Select).value == "file"
        warehouse = screen.query_one("#warehouse", Select)
        await wait_for(pilot, lambda: warehouse.value == "130040")
        labels = [str(prompt) for prompt, _value in warehouse._options]
        assert "Heping branch 130040 → channel 13ZDF14" in labels  # names with their codes
    other = make_app(backend, "en")
    async with other.run_test(size=SIZE) as pilot:
        await open_stock(pilot, other, "c002")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(other.screen, SimBatchScreen))
        assert other.screen.query_one("#source", Select).value == "file"


# -- batch history and reprint ---------------------------------------------------------------
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_batch_history_lists_every_kind_and_reprints(
    backend: Backend, login_as: Any, lang: str
) -> None:
    client = await login_as("c001")
    pickup = await pick_up(client, "A00101", card_range(1, N, 201, 210))
    await hand_back(client, "A00101", listed(201))
    await transfer_in(client, "130040", listed(1))
    async with running_app(backend, lang) as (app, pilot):
        await open_stock(pilot, app)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, SimBatchesScreen))
        screen = app.screen
        table = screen.query_one("#batches")
        await wait_for(pilot, lambda: table.row_count == 3)
        kinds = [str(table.get_row_at(i)[1]) for i in range(3)]
        assert kinds == [_(f"sim.action.{a}") for a in ("transfer_out", "return", "pickup")]
        assert_columns_fit(table)
        screen.query_one("#batches-kind", Select).value = "pickup"
        await wait_for(pilot, lambda: table.row_count == 1)
        assert str(table.get_row_at(0)[0]) == pickup["id"]
        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SimReceiptScreen))
        receipt = app.screen
        assert receipt.moved["id"] == pickup["id"]
        assert demo_iccid(1, N, 210) in receipt.text and "A00101" in receipt.text


async def test_a_supervisor_sees_the_history_too(backend: Backend, login_as: Any) -> None:
    client = await login_as("c001")
    await pick_up(client, "A00101", listed(220))
    async with running_app(backend, "en") as (app, pilot):
        await open_stock(pilot, app, "s001")
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, SimBatchesScreen))
        table = app.screen.query_one("#batches")
        await wait_for(pilot, lambda: table.row_count == 1)


# -- labels, columns, catalog keys -----------------------------------------------------------
def assert_columns_fit(table: Any) -> None:
    """Every column starts and ends inside the visible table at 80 columns."""
    right = 0
    for column in table.ordered_columns:
        right += column.get_render_width(table)
    assert right <= table.size.width, (right, table.size.width)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_card_lookup_shows_names_and_the_whole_batch(
    backend: Backend, login_as: Any, lang: str
) -> None:
    """Issue 15: ``warehouse:13ZDF14`` on screen, the Batch column cut to "SB000"."""
    from branchdesk.screens.sim.card import SimCardScreen

    client = await login_as("c001")
    iccid = demo_iccid(1, N, 230)
    done = await pick_up(client, "A00101", {"iccids": [iccid]})
    async with running_app(backend, lang, "c001") as (app, pilot):
        await app.push_screen(SimCardScreen())
        await pilot.pause()
        await pilot.press(*iccid, "enter")
        history = app.screen.query_one("#card-history")
        await wait_for(pilot, lambda: history.row_count == 2)
        assert_columns_fit(history)
        cells = [str(c) for c in history.get_row_at(1)]
        assert done["id"] in cells
        text = " ".join(cells) + str(app.screen.query_one("#card-move").render())
        assert "warehouse:" not in text and "agent:" not in text
        assert "13ZDF14" in text and "A00101" in text
        history.focus()
        await pilot.press("down")
        move = str(app.screen.query_one("#card-move").render())
        assert done["id"] in move and ("社会渠道库" in move or "channel warehouse" in move)


def test_wrong_state_problems_name_the_location() -> None:
    row = {
        "index": 3,
        "iccid": "89860000000000000001",
        "state": "in_transfer",
        "location": "warehouse:130040",
        "location_label": "Heping branch secondary warehouse 130040",
    }
    line = problem_line("wrong_state", row)
    assert "warehouse:130040" not in line and "Heping branch secondary warehouse 130040" in line


async def test_approvals_header_and_status_are_different_texts(
    backend: Backend, login_as: Any
) -> None:
    from branchdesk.screens.sim.approvals import SimApprovalsScreen

    client = await login_as("c001")
    await transfer_in(client, "130040", listed(2))
    async with running_app(backend, "zh-CN", "c002") as (app, pilot):
        await app.push_screen(SimApprovalsScreen())
        table = app.screen.query_one("#transfers")
        await wait_for(pilot, lambda: table.row_count == 1)
        said = status(app.screen, "#approvals-status")
        assert said == "待审核的调拨 1 笔"
        assert "数量" in [str(c.label) for c in table.columns.values()]


# -- NO_COLOR --------------------------------------------------------------------------------
def looks(app: Any, widget: Widget) -> list[tuple[tuple[str, str], ...]]:
    """The widget as the terminal gets it (after the App's NO_COLOR filter): text and style."""
    region: Region = widget.region
    update = app.screen._compositor.render_full_update(simplify=True)
    lines = update.strips[region.y : region.bottom]
    out = []
    for line in lines:
        segments = list(Strip.join(list(line)).crop(region.x, region.right))
        for line_filter in app._filters:
            segments = line_filter.apply(segments, app.styles.background)
        out.append(tuple((s.text, str(s.style.without_color) if s.style else "") for s in segments))
    return out


@pytest.mark.parametrize("mode", ["pickup", "return"])
async def test_no_color_shows_which_field_has_focus(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Compact selects showed focus only by a 5 % tint: the same as unfocused without colour."""
    monkeypatch.setenv("NO_COLOR", "1")
    async with running_app(backend, "zh-CN") as (app, pilot):
        await open_stock(pilot, app)
        screen = await open_batch(pilot, app, "f2" if mode == "pickup" else "f3")
        fields = ["#dept", "#agent", "#card-type", "#source", "#file"]
        if mode == "return":
            fields.append("#fee")
        for selector in fields:
            widget = screen.query_one(selector)
            widget.focus()
            await pilot.pause()
            focused = looks(app, widget)
            screen.query_one("#batch-log").focus()
            await pilot.pause()
            assert looks(app, widget) != focused, f"{selector}: focus not visible"


def assert_fits(app: Any, where: str) -> None:
    """Nothing runs past the right edge or is cut at its side at 80x24; the Footer is there."""
    screen = app.screen
    assert not screen.show_horizontal_scrollbar, where
    footer = screen.query_one("Footer")
    assert footer.region.bottom == SIZE[1], where
    for widget, (region, clip) in screen._compositor.visible_widgets.items():
        if region.width:
            assert region.right <= SIZE[0], f"{where}: {widget!r} {region}"
            assert clip.x <= region.x and region.right <= clip.right, f"{where}: {widget!r}"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_the_new_sim_screens_fit_80x24_without_colour(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    async with running_app(backend, lang) as (app, pilot):
        # The return: the most rows.
        screen = await open_batch_form(pilot, app, "f3", source="paste")
        assert_fits(app, f"paste [{lang}]")
        await choose_source(pilot, screen, "range")
        screen.query_one("#start", Input).value = demo_iccid(1, N, 341)
        screen.query_one("#end", Input).value = demo_iccid(1, N, 360)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.preview is not None)
        await pilot.pause()
        assert_fits(app, f"preview [{lang}]")
        listed = screen.query_one("#cards", PreviewList)
        assert listed.region.height >= 3, "the card list has room for rows"
        listed.focus()
        await pilot.pause()
        row = looks(app, listed)[0]
        assert any("reverse" in style for _text, style in row), "the cursor row shows"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SimStockScreen))
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, SimBatchesScreen))
        await pilot.pause()
        assert_fits(app, f"batches [{lang}]")
        assert_columns_fit(app.screen.query_one("#batches"))
        kind = app.screen.query_one("#batches-kind")
        kind.focus()
        await pilot.pause()
        focused = looks(app, kind)
        app.screen.query_one("#batches").focus()
        await pilot.pause()
        assert looks(app, kind) != focused, "the kind filter shows focus"


# -- the API ---------------------------------------------------------------------------------
async def test_a_preview_lists_every_card_only_when_asked(login_as: Any) -> None:
    client = await login_as("c001", "zh-CN")
    iccids = [demo_iccid(1, N, 349), demo_iccid(1, N, 351), "8986", demo_iccid(1, N, 349)]
    iccids.append(demo_iccid(1, N, 9999))
    body = {"agent_id": "A00101", "card_type": N, "iccids": iccids}
    plain = await client.post("/v1/sim/pickups", body, Action(), dry_run="true")
    assert plain.get("cards") is None
    listed = await client.post("/v1/sim/pickups", body, Action(), dry_run="true", cards="true")
    cards = listed["cards"]
    assert cards["iccid"] == iccids
    assert cards["problem"] == ["", "wrong_state", "invalid", "duplicate", "not_found"]
    assert cards["state"][:2] == ["in_stock", "picked_up"] and cards["state"][2:] == [""] * 3
    assert cards["location"][2:] == [-1, -1, -1]
    labels = [cards["labels"][i] for i in cards["location"][:2]]
    assert labels[0] == "和平分公司 社会渠道库 13ZDF14"
    assert labels[1].endswith("）") and "agent:" not in labels[1]
