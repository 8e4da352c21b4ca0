"""The QR as the terminal finally draws it — after the NO_COLOR and ``--ascii`` filters — is
decoded by zxing in every mode: half blocks by default and on the Linux console in ``--ascii``,
reverse-video spaces on other ``--ascii`` terminals (which need more than 80x24 and say so)."""

from __future__ import annotations

import pytest
import zxingcpp
from installment.helpers import bind_clerk, open_qr
from rich.segment import Segment
from textual.color import Color

from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.tui.qr import QrCode, cells_size, qr_mode
from support.backend import logged_in
from support.tui import SIZE, make_app

UNIT = 3  # image pixels per half cell: a cell is one unit wide and two tall
INKED = {"█": (True, True), "▀": (True, False), "▄": (False, True), " ": (False, False)}


def drawn_cells(app, widget: QrCode) -> list[list[tuple[str, bool]]]:
    """(character, reverse) of every cell the widget shows, through the app's line filters."""
    rows = []
    for y in range(widget.size.height):
        segments: list[Segment] = list(widget.render_line(y))
        for line_filter in app._filters:
            segments = line_filter.apply(segments, Color(0, 0, 0))
        cells = []
        for seg in segments:
            reverse = bool(seg.style and seg.style.reverse)
            cells.extend((ch, reverse) for ch in seg.text)
        rows.append(cells)
    return rows


def decode_cells(rows: list[list[tuple[str, bool]]]) -> list[str]:
    """Light where a cell's half shows the foreground (ink, or background under reverse)."""
    width = max(len(r) for r in rows) * UNIT
    image = bytearray()
    for row in rows:
        halves: list[tuple[bool, bool]] = []
        for ch, reverse in row:
            if ch not in INKED:
                return []  # '#', ':' ... : not a picture a camera can read
            top, bottom = INKED[ch]
            halves.append((top != reverse, bottom != reverse))
        halves += [(False, False)] * (width // UNIT - len(halves))
        for half in (0, 1):
            line = bytes(255 if cell[half] else 0 for cell in halves for _ in range(UNIT))
            image += line * UNIT
    height = len(rows) * 2 * UNIT
    view = memoryview(bytes(image)).cast("B", (height, width))
    return [r.text for r in zxingcpp.read_barcodes(view, formats=zxingcpp.BarcodeFormat.QRCode)]


MODES = [
    pytest.param({}, "xterm-256color", SIZE, "blocks", id="default"),
    pytest.param({"NO_COLOR": "1"}, "vt100", SIZE, "blocks", id="no_color"),
    pytest.param({}, "linux", SIZE, "blocks", id="ascii-linux-console"),
    pytest.param({"NO_COLOR": "1"}, "linux", SIZE, "blocks", id="ascii-linux-no_color"),
    pytest.param({}, "xterm", (80, 40), "cells", id="ascii-cjk-terminal"),
    pytest.param({"NO_COLOR": "1"}, "vt100", (80, 40), "cells", id="ascii-cells-no_color"),
]


@pytest.mark.parametrize(("env", "term", "size", "mode"), MODES)
async def test_the_drawn_code_decodes(backend, monkeypatch, env, term, size, mode):
    monkeypatch.setenv("TERM", term)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    ascii_glyphs = mode == "cells" or term == "linux"
    assert qr_mode(ascii_glyphs, term) == mode
    api_client = await logged_in(backend, "c001")
    await bind_clerk(InstallmentApi(api_client), backend)
    app = make_app(backend, "en", ascii=ascii_glyphs)
    async with app.run_test(size=size) as pilot:
        screen = await open_qr(pilot)
        widget = screen.query_one("#qr-code", QrCode)
        assert decode_cells(drawn_cells(app, widget)) == [screen.code["token"]]
        await pilot.press("f6")  # inverted for light-background terminals
        await pilot.pause()
        assert decode_cells(drawn_cells(app, widget)) == [screen.code["token"]]
    await api_client.aclose()


async def test_reverse_video_code_says_what_it_needs_at_80x24(backend, monkeypatch):
    monkeypatch.setenv("TERM", "xterm")
    api_client = await logged_in(backend, "c001")
    await bind_clerk(InstallmentApi(api_client), backend)
    app = make_app(backend, "zh-CN", ascii=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_qr(pilot)
        shown = str(screen.query_one("#qr-code", QrCode).render())
        columns, rows = cells_size(screen.code["token"])
        assert f"{columns + 2}x{rows + 2}" in shown and "80x24" in shown
    await api_client.aclose()
