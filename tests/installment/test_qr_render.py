"""The QR as drawn in the terminal decodes, with a real QR decoder, back to the token."""

from __future__ import annotations

import pytest
import zxingcpp

from branchdesk.clients.api import Action
from branchdesk.clients.local.installment.rules import make_token
from branchdesk.tui.qr import QUIET_ZONE, matrix_from_half_blocks, qr_matrix, render_qr

PIXELS_PER_MODULE = 4


def decode(lines: list[str], invert: bool = False) -> list[str]:
    """Rebuild a grey image from the half-block text (each character = 2 vertical modules)."""
    modules = matrix_from_half_blocks(lines, invert)
    width = len(modules[0]) * PIXELS_PER_MODULE
    image = bytearray()
    for row in modules:
        line = bytes(0 if dark else 255 for dark in row for _ in range(PIXELS_PER_MODULE))
        image += line * PIXELS_PER_MODULE
    view = memoryview(bytes(image)).cast("B", (len(modules) * PIXELS_PER_MODULE, width))
    return [r.text for r in zxingcpp.read_barcodes(view, formats=zxingcpp.BarcodeFormat.QRCode)]


def test_token_round_trip_through_rendered_text():
    token = make_token(bytes(32), "Q00000001")
    lines = render_qr(token)
    assert set("".join(lines)) <= {"▀", "▄", "█", " "}
    assert decode(lines) == [token]


def test_fits_80x24_with_quiet_zone():
    lines = render_qr(make_token(b"k" * 32, "Q99999999"))
    assert len(lines) <= 15 and all(len(line) <= 29 for line in lines)
    matrix = qr_matrix(make_token(b"k" * 32, "Q99999999"))
    for border in (matrix[:QUIET_ZONE], [row[:QUIET_ZONE] for row in matrix]):
        assert not any(any(row) for row in border)  # quiet zone is all light
    assert lines[0] == "█" * len(lines[0])  # light modules are the ink glyphs


def test_inverted_rendering_round_trips():
    token = make_token(bytes(range(32)), "Q00000042")
    lines = render_qr(token, invert=True)
    assert lines[0].strip() == ""
    assert decode(lines, invert=True) == [token]


@pytest.mark.parametrize("invert", [False, True])
def test_matrix_round_trip_is_exact(invert):
    matrix = qr_matrix("BDQ1:Q00000007:ABCDEF0123456789ABCD")
    lines = render_qr("BDQ1:Q00000007:ABCDEF0123456789ABCD", invert)
    back = matrix_from_half_blocks(lines, invert)
    assert back[: len(matrix)] == matrix
    assert all(not dark for dark in back[len(matrix) :][0]) if len(back) > len(matrix) else True


async def test_served_token_decodes(bound):
    qr = await bound.new_qr(Action())
    assert decode(render_qr(qr["token"])) == [qr["token"]]
