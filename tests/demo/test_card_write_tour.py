"""The card-writing tour does the card work when a reader holds a card — the virtual SIM through
the real PC/SC stack (pyscard -> pcscd -> vpcd -> VirtualSim): read, write, fees, pre-submit
with the form and invoice printed, submit, receipt. Without a reader it says plainly which
steps it skips, and skips them."""

from __future__ import annotations

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.demo_api import DemoApi
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.rules import ORDERS
from branchdesk.clients.local.sim.rules import CARDS
from branchdesk.devices.vcard import VirtualSim
from branchdesk.devices.virtual_card import VirtualCard
from branchdesk.tui.demo_reader import DEMO_BLANK_ICCID
from branchdesk.tui.tour import TOURS_DIR, load_tour
from branchdesk.tui.tour_runner import TourRunner
from support.cups import CupsServer, pdf_text
from support.pcsc import PcscService, insert_card, pcscd, virtual_sim  # noqa: F401
from support.tui import SIZE, TOUR_SPEED, login, make_app, wait_for

TOUR = TOURS_DIR / "card_write.toml"
SKIPS = {
    "zh-CN": "讲解跳过读卡（F5）、写卡（F6）",
    "en": "the tour skips reading (F5), writing (F6)",
}
FORM = {"zh-CN": "开户业务受理单及发票", "en": "Account opening form and invoice"}


def orders_of(backend: Backend) -> list[dict[str, object]]:
    return [dict(order) for order in backend.store.scan(ORDERS)]


async def play(app: object, pilot: object) -> TourRunner:
    tour = load_tour(TOUR)
    await login(pilot, "t001")  # type: ignore[arg-type]
    await DemoApi(app.client).apply_preset(tour.preset or "", Action())  # type: ignore[attr-defined]
    runner: TourRunner = app.start_tour(tour, auto=True, speed=TOUR_SPEED)  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: runner.finished or bool(runner.problems), timeout=180)  # type: ignore[arg-type]
    assert runner.problems == []
    return runner


@pytest.mark.pcsc
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_the_card_tour_reads_writes_and_submits_on_the_virtual_sim(
    backend: Backend,
    pcscd: PcscService,  # noqa: F811
    virtual_sim: VirtualSim,  # noqa: F811
    cups: CupsServer,
    lang: str,
) -> None:
    insert_card(pcscd, virtual_sim, VirtualCard.blank(DEMO_BLANK_ICCID))
    app = make_app(
        backend,
        lang,
        printer=cups.printer,
        print_server=cups.server,
        extra={"demo_reader": pcscd.reader_name, "reader_name": pcscd.reader_name},
    )
    async with app.run_test(size=SIZE) as pilot:
        runner = await play(app, pilot)
        assert runner.reader is True and runner.skipped == tuple(
            s for s in runner.tour.steps if s.needs == "no_reader"
        )
        assert set(runner.highlighted) == {s.number for s in runner.steps}
        await wait_for(pilot, lambda: app.staff is not None and app.staff.id == "t001")
    order = next(o for o in orders_of(backend) if o.get("iccid") == DEMO_BLANK_ICCID)
    assert order["state"] == "activated"
    assert backend.store.get(CARDS, DEMO_BLANK_ICCID)["state"] == "activated"
    assert virtual_sim.card is not None and virtual_sim.card.imsi == order["imsi"]
    printed = "".join(pdf_text(cups.wait_for_pdf()).split())
    payment = order["payment"]
    assert isinstance(payment, dict) and payment["invoice_no"] in printed
    assert "".join(FORM[lang].split()) in printed and payment["received"] == "150.00"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_without_a_reader_the_card_tour_says_what_it_skips(
    backend: Backend, lang: str
) -> None:
    app = make_app(backend, lang, extra={"demo_reader": "none"})
    async with app.run_test(size=SIZE) as pilot:
        runner = await play(app, pilot)
        assert runner.reader is False
        skipped = [s.number for s in runner.skipped]
        assert skipped and all(s.needs == "reader" for s in runner.skipped)
        assert not set(skipped) & set(runner.highlighted)
        said = [s for s in runner.steps if s.needs == "no_reader"]
        assert len(said) == 1 and said[0].number in runner.layout
        assert SKIPS[lang] in "".join(runner.layout[said[0].number].lines)
    # The order reached the card steps (its number reserved); no card was read or written.
    assert any(o["state"] == "reserved" for o in orders_of(backend))
    assert not any(o.get("iccid") == DEMO_BLANK_ICCID for o in orders_of(backend))
    assert backend.store.get(CARDS, DEMO_BLANK_ICCID)["state"] == "picked_up"
