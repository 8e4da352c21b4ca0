"""Styles the SIM screens share."""

# A compact Select shows focus only by a 5 % tint, invisible without colour: give it the
# block cursor's look (reverse video under NO_COLOR, see tui/terminal.py).
COMPACT_SELECT_FOCUS = """
Select.-textual-compact:focus > SelectCurrent {
    background: $block-cursor-blurred-background;
    text-style: $block-cursor-blurred-text-style;
}
"""
