"""ASCII-only output for the Linux console and CJK-width terminals (``--ascii``).

Box-drawing and block characters are "ambiguous width" in East Asian terminals (drawn two cells
wide, so every bordered line breaks) and are missing from many console fonts. Instead of
restyling each widget's border, the App gets a line filter that rewrites those glyphs to ASCII
in everything it draws: borders of any type, scrollbars, progress bars, the header's separators,
arrows and dots, and any widget added later. Each glyph is one cell wide and so is its
replacement, so layouts stay exactly as they are.
"""

from __future__ import annotations

import unicodedata

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

BOX_DRAWING = range(0x2500, 0x2580)
_QR_KEY = "branchdesk_qr"  # tui.qr.QR_META: kept apart so this module imports no widgets
BLOCK_ELEMENTS = range(0x2580, 0x25A0)

# Block elements: borders of type tall/wide/outer/inner/panel, scrollbars, bars and sparklines.
# Heights keep their order (. : + #) so a sparkline still reads as one.
_BLOCKS = {
    "▀": "-",
    "▁": "_",
    "▂": "_",
    "▃": ":",
    "▄": ":",
    "▅": "+",
    "▆": "+",
    "▇": "#",
    "█": "#",
    "▉": "#",
    "▊": "|",
    "▋": "|",
    "▌": "|",
    "▍": "|",
    "▎": "|",
    "▏": "|",
    "▐": "|",
    "░": ".",
    "▒": ":",
    "▓": "#",
    "▔": "-",
    "▕": "|",
    "▖": "+",
    "▗": "+",
    "▘": "+",
    "▙": "+",
    "▚": "+",
    "▛": "+",
    "▜": "+",
    "▝": "+",
    "▞": "+",
    "▟": "+",
}

# Symbols Textual and the screens draw that are "ambiguous width" in CJK terminals or missing
# from console fonts: arrows (Select, Tree, Footer), state dots, dashes, quotes, the ellipsis
# of cut text. Each keeps a distinct one-cell stand-in.
_SYMBOLS = {
    "▲": "^",
    "△": "^",
    "▴": "^",
    "▼": "v",
    "▽": "v",
    "▾": "v",
    "▶": ">",
    "▷": ">",
    "►": ">",
    "▸": ">",
    "◀": "<",
    "◁": "<",
    "◄": "<",
    "◂": "<",
    "→": ">",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "⇅": "^",
    "●": "*",
    "○": "o",
    "✓": "v",
    "✔": "v",
    "✗": "x",
    "✘": "x",
    "⚠": "!",
    "·": ".",
    "—": "-",
    "–": "-",
    "…": "~",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
}

_DIRECTIONS = {"UP", "DOWN", "LEFT", "RIGHT"}


def _box_glyph(char: str) -> str:
    """The ASCII stand-in for one box-drawing character, from its Unicode name."""
    name = unicodedata.name(char)
    if "DIAGONAL CROSS" in name:
        return "X"
    if "UPPER RIGHT TO LOWER LEFT" in name:
        return "/"
    if "UPPER LEFT TO LOWER RIGHT" in name:
        return "\\"
    words = set(name.split())
    directions = words & _DIRECTIONS
    if "HORIZONTAL" in words:
        directions |= {"LEFT", "RIGHT"}
    if "VERTICAL" in words:
        directions |= {"UP", "DOWN"}
    if directions <= {"LEFT", "RIGHT"}:
        return "=" if name.endswith("DOUBLE HORIZONTAL") else "-"
    if directions <= {"UP", "DOWN"}:
        return "|"
    return "+"


def _table() -> dict[int, str]:
    table = {code: _box_glyph(chr(code)) for code in BOX_DRAWING}
    table.update({ord(k): v for k, v in _BLOCKS.items()})
    table.update({ord(k): v for k, v in _SYMBOLS.items()})
    return table


ASCII_TABLE = _table()
NON_ASCII_GLYPHS = frozenset(chr(code) for code in ASCII_TABLE)


def to_ascii(text: str) -> str:
    return text.translate(ASCII_TABLE)


class AsciiGlyphs(LineFilter):
    """Rewrites box-drawing, block and arrow glyphs to ASCII in every line drawn."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        table = ASCII_TABLE
        return [
            Segment(text if _is_qr(style) else text.translate(table), style, control)
            for text, style, control in segments
        ]


def _is_qr(style: Style | None) -> bool:
    """The QR's own segments (``tui.qr.QR_META``): block glyphs there are the picture."""
    return style is not None and style._meta is not None and bool(style.meta.get(_QR_KEY))
