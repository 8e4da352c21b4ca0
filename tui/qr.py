"""QR codes drawn with half-block characters, so a phone camera can scan them off a terminal.

Each character cell holds two modules stacked vertically: ``▀`` upper, ``▄`` lower, ``█``
both, space neither. The glyph ink is a *light* module: terminals draw text light on dark by
default, so the code reads dark-on-light even with NO_COLOR (the glyphs carry the picture, not
colours). On a light-background terminal the code comes out inverted, which most scanners read
too; ``invert=True`` flips it for those that do not. A quiet zone of light modules surrounds it.
"""

from __future__ import annotations

from typing import Any

import segno
from rich.text import Text
from textual.widgets import Static

QUIET_ZONE = 2
"""Modules of light border; the standard asks for 4, but 2 is what fits at 80x24 and scanners
(phone cameras, zxing) read it, since the terminal around it adds more light or dark margin."""

_GLYPHS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}
_CELLS = {glyph: pair for pair, glyph in _GLYPHS.items()}


def qr_matrix(data: str, quiet_zone: int = QUIET_ZONE) -> list[list[bool]]:
    """Rows of modules, True for dark, including the quiet zone."""
    code = segno.make(data, error="m", micro=False)
    return [[bool(m) for m in row] for row in code.matrix_iter(scale=1, border=quiet_zone)]


def half_blocks(matrix: list[list[bool]], invert: bool = False) -> list[str]:
    """Text lines, two module rows per line (a missing last row counts as light)."""
    lines = []
    width = len(matrix[0]) if matrix else 0
    for top_index in range(0, len(matrix), 2):
        top = matrix[top_index]
        bottom = matrix[top_index + 1] if top_index + 1 < len(matrix) else [False] * width
        # ink = light module (see the module docstring); invert flips that.
        lines.append(
            "".join(
                _GLYPHS[((not t) != invert, (not b) != invert)]
                for t, b in zip(top, bottom, strict=True)
            )
        )
    return lines


def render_qr(data: str, invert: bool = False, quiet_zone: int = QUIET_ZONE) -> list[str]:
    return half_blocks(qr_matrix(data, quiet_zone), invert)


def matrix_from_half_blocks(lines: list[str], invert: bool = False) -> list[list[bool]]:
    """The module rows (True = dark) drawn by ``half_blocks``: the reverse, for checking."""
    rows: list[list[bool]] = []
    for line in lines:
        cells = [_CELLS[ch] for ch in line]
        rows.append([ink == invert for ink, _lower in cells])
        rows.append([ink == invert for _upper, ink in cells])
    return rows


class QrCode(Static):
    """A QR code widget; light modules are the glyphs, drawn white on black when colour is on."""

    DEFAULT_CSS = """
    QrCode { width: auto; height: auto; color: #ffffff; background: #000000; }
    """

    def __init__(self, data: str = "", *, invert: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data = data
        self.invert = invert
        self.lines: list[str] = []

    def on_mount(self) -> None:
        if self.data:
            self.show(self.data)

    def show(self, data: str, invert: bool | None = None) -> None:
        self.data = data
        if invert is not None:
            self.invert = invert
        self.lines = render_qr(data, self.invert) if data else []
        self.update(Text("\n".join(self.lines), no_wrap=True, overflow="crop"))
