"""QR codes drawn with half-block characters, so a phone camera can scan them off a terminal.

Each character cell holds two modules stacked vertically: ``▀`` upper, ``▄`` lower, ``█``
both, space neither. The glyph ink is a *light* module: terminals draw text light on dark by
default, so the code reads dark-on-light even with NO_COLOR (the glyphs carry the picture, not
colours). On a light-background terminal the code comes out inverted, which most scanners read
too; ``invert=True`` flips it for those that do not. A quiet zone of light modules surrounds it.

With ``--ascii`` the block glyphs would become ``# : -`` (unscannable), so the code is drawn
another way. On the Linux console (``TERM=linux``) the console font has the three half-block
glyphs and no East Asian width problem: the code keeps them, exempt from the ASCII filter
(segments marked with ``QR_META``). Elsewhere (CJK-width terminals, where block glyphs are drawn
two cells wide) each module is two reverse-video spaces, one row per module: scannable in any
font and under NO_COLOR (reverse is an attribute, not a colour), but it needs
``cells_size(data)`` of terminal, more than 80x24 offers, which the widget says instead.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import segno
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

QUIET_ZONE = 2
"""Modules of light border; the standard asks for 4, but 2 is what fits at 80x24 and scanners
(phone cameras, zxing) read it, since the terminal around it adds more light or dark margin."""

QR_META = {"branchdesk_qr": True}
"""Style meta of the QR's own segments: the ASCII filter leaves them as they are."""
CELL_WIDTH = 2
"""Columns per module in the reverse-video drawing (a cell is about twice as tall as wide)."""
Mode = Literal["blocks", "cells"]

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


def cell_lines(matrix: list[list[bool]], invert: bool = False) -> list[list[bool]]:
    """One row per module row, ``CELL_WIDTH`` cells per module: True = reverse video (light)."""
    return [[(not dark) != invert for dark in row for _ in range(CELL_WIDTH)] for row in matrix]


def render_cells(data: str, invert: bool = False, quiet_zone: int = QUIET_ZONE) -> Text:
    """The code as spaces, light modules in reverse video."""
    light = Style(reverse=True, meta=QR_META)
    plain = Style(meta=QR_META)
    text = Text(no_wrap=True, overflow="crop")
    for n, row in enumerate(cell_lines(qr_matrix(data, quiet_zone), invert)):
        if n:
            text.append("\n")
        for reverse in row:
            text.append(" ", light if reverse else plain)
    return text


def cells_size(data: str, quiet_zone: int = QUIET_ZONE) -> tuple[int, int]:
    """(columns, rows) the reverse-video drawing needs."""
    side = len(qr_matrix(data, quiet_zone))
    return side * CELL_WIDTH, side


def qr_mode(ascii_glyphs: bool, term: str | None = None) -> Mode:
    """How to draw the code on this terminal (see the module docstring)."""
    if not ascii_glyphs:
        return "blocks"
    term = os.environ.get("TERM", "") if term is None else term
    return "blocks" if term == "linux" or term.startswith("linux-") else "cells"


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

    @property
    def mode(self) -> Mode:
        options = getattr(self.app, "options", None)
        return qr_mode(bool(options is not None and getattr(options, "ascii", False)))

    def show(self, data: str, invert: bool | None = None) -> None:
        self.data = data
        if invert is not None:
            self.invert = invert
        self.lines = render_qr(data, self.invert) if data else []
        if not data:
            self.update("")
        elif self.mode == "blocks":
            self.update(Text("\n".join(self.lines), style=Style(meta=QR_META), no_wrap=True))
        else:
            self._show_cells(data)

    def _show_cells(self, data: str) -> None:
        from branchdesk.tui.i18n import _

        columns, rows = cells_size(data)
        screen = self.app.size
        if screen.width < columns + 2 or screen.height < rows + 2:
            self.update(
                Text(
                    _(
                        "inst.qr.cells_too_small",
                        columns=columns + 2,
                        rows=rows + 2,
                        width=screen.width,
                        height=screen.height,
                    )
                )
            )
            return
        self.update(render_cells(data, self.invert))

    def on_resize(self) -> None:
        if self.data and self.mode == "cells":
            self._show_cells(self.data)
