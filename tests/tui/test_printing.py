"""Receipts on paper: a PDF with Chinese text, printed through a real CUPS with cups-pdf.

Each test that prints starts its own cupsd (``support.cups``: private directories, a free port, a
printer of its own name) and reads back what cups-pdf wrote with pdftotext.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from branchdesk.screens.points.receipt import PointsReceiptScreen, receipt_text
from branchdesk.tui import printing
from branchdesk.tui.i18n import _
from support.cups import CupsServer, cups_missing, pdf_text
from support.receipts import REDEMPTION, SIM_BATCH
from support.tui import SIZE, make_app, wait_for

MEMBER = {"name": "张*", "card": "6221 **** **** 0001", "points": 942}


def _flat(text: str) -> str:
    return "".join(text.split())


def test_the_pdf_holds_the_chinese_text(tmp_path: Path) -> None:
    if cups_missing() and "pdftotext" in (cups_missing() or ""):
        if os.environ.get("BRANCHDESK_REQUIRE_CUPS") == "1":
            pytest.fail("BRANCHDESK_REQUIRE_CUPS=1 but pdftotext is not installed")
        pytest.skip("pdftotext not installed (apt-get install poppler-utils)")
    text = "批量领卡回执\n批次号:SB000123\n社会渠道:A001 张三通讯\n实收金额:¥12.00"
    path = printing.render_pdf("回执", text, tmp_path / "r.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]  # no temporary file left behind
    read = _flat(pdf_text(path))
    for line in text.splitlines():
        assert _flat(line) in read


def test_lp_prints_through_cups_pdf(cups: CupsServer, tmp_path: Path) -> None:
    text = "兑换凭条\n单号:RD-000042\nPoints left: 942"
    pdf = printing.render_pdf("兑换凭条", text, tmp_path / "points-RD-000042.pdf")
    job = printing.print_pdf(pdf, printer=cups.printer, server=cups.server, title=pdf.stem)
    assert job.startswith(cups.printer)
    printed = _flat(pdf_text(cups.wait_for_pdf()))
    for line in text.splitlines():
        assert _flat(line) in printed


def test_an_unknown_printer_is_named(cups: CupsServer, tmp_path: Path) -> None:
    pdf = printing.render_pdf("t", "x", tmp_path / "t.pdf")
    with pytest.raises(printing.PrintError) as caught:
        printing.print_pdf(pdf, printer="no_such_printer", server=cups.server)
    assert caught.value.kind == "no_printer"
    assert caught.value.reason


def test_a_missing_font_file_is_said() -> None:
    with pytest.raises(printing.PrintError) as caught:
        printing.find_cjk_font("/nonexistent/font.ttf")
    assert caught.value.kind == "no_font"


async def _show_receipt(app, pilot) -> PointsReceiptScreen:
    await wait_for(pilot, lambda: app.ready, 15)
    screen = PointsReceiptScreen(MEMBER, REDEMPTION)  # type: ignore[arg-type]
    app.push_screen(screen)
    await wait_for(pilot, lambda: app.screen is screen)
    await pilot.pause()
    return screen


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_f3_prints_the_receipt(backend, cups: CupsServer, tmp_path: Path, lang) -> None:
    app = make_app(backend, lang, data_dir=tmp_path, printer=cups.printer, print_server=cups.server)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _show_receipt(app, pilot)
        await pilot.press("f3")
        status = screen.query_one("#receipt-status")
        await wait_for(pilot, lambda: not screen.is_printing, 30)
        shown = str(status.render())
        saved = tmp_path / "receipts" / "points-RD-000042.pdf"
        assert _("print.printed", printer=cups.printer, job="", path="")[:6] in shown, shown
        assert saved.exists()
        expected = receipt_text(MEMBER, REDEMPTION)  # type: ignore[arg-type]
    printed = _flat(pdf_text(cups.wait_for_pdf()))
    for line in expected.splitlines():
        assert _flat(line) in printed, (line, printed)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_a_printer_that_is_not_there_is_said_and_the_pdf_kept(
    backend, cups: CupsServer, tmp_path: Path, lang
) -> None:
    app = make_app(
        backend, lang, data_dir=tmp_path, printer="no_such_printer", print_server=cups.server
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = await _show_receipt(app, pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: not screen.is_printing and screen.printed_pdf, 30)
        status = screen.query_one("#receipt-status")
        shown = str(status.render())
        assert "-error" in status.classes
        head = _("print.error.no_printer", reason="@", path="").split("@")[0]
        assert head in shown, shown
        assert (tmp_path / "receipts" / "points-RD-000042.pdf").exists()


BATCH = {
    **SIM_BATCH,
    "agent_id": "A001",
    "agent_name_zh": "张三通讯",
    "agent_name_en": "Zhang San Telecom",
    "fee_per_card": "0.00",
    "amount_received": "0.00",
}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_the_sim_receipt_prints_and_keeps_its_files_in_the_data_dir(
    backend, cups: CupsServer, tmp_path: Path, lang
) -> None:
    from textual.widgets import Input

    from branchdesk.screens.sim.receipt import SimReceiptScreen

    data = tmp_path / "data"
    app = make_app(backend, lang, data_dir=data, printer=cups.printer, print_server=cups.server)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready, 15)
        screen = SimReceiptScreen(BATCH)  # type: ignore[arg-type]
        app.push_screen(screen)
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause()
        # Not the working directory: under `branchdesk web` or SSH that is the server's.
        default = Path(screen.query_one("#save-path", Input).value)
        assert default == data / "receipts" / "receipt-SB000123.txt"
        await pilot.press("f3")
        await wait_for(pilot, lambda: screen.printed_pdf is not None and not screen.is_printing, 30)
        assert screen.printed_pdf == default.with_suffix(".pdf")
        assert "-error" not in screen.query_one("#receipt-status").classes
        text = screen.text
    printed = _flat(pdf_text(cups.wait_for_pdf()))
    for line in text.splitlines():
        assert _flat(line) in printed, (line, printed)
    assert ("批量领卡回执" if lang == "zh-CN" else "BATCHPICK-UPRECEIPT") in printed
