"""The focused Select stands out like the focused Input (``tui/app.tcss``), in every theme.

A compact Select drew its focus as a 5 % tint, not visible on the ansi theme nor with NO_COLOR.
``focused_select_css(Screen)`` gives the rules for one screen class, to put in its
``DEFAULT_CSS`` with ``SCOPED_CSS = False`` (the ``App:nocolor`` rules name the App, which
scoped CSS cannot); each rule names the screen, so nothing leaks onto other screens.
"""

from __future__ import annotations

RULES = """
{s} Select:focus > SelectCurrent {{ background: $primary 70%; background-tint: $foreground 0%; }}
{s} Select:focus > SelectCurrent #label {{ color: $foreground; text-style: none; }}
{s} Select:focus > SelectCurrent .arrow {{ color: $foreground; text-style: none; }}
{s} Select:focus:ansi > SelectCurrent {{ background: ansi_white; }}
{s} Select:focus:ansi > SelectCurrent #label {{ color: ansi_black; }}
{s} Select:focus:ansi > SelectCurrent .arrow {{ color: ansi_black; }}
App:nocolor {s} Select:focus > SelectCurrent {{ background: $foreground 85%; }}
App:nocolor {s} Select:focus > SelectCurrent #label {{ color: $background; }}
App:nocolor {s} Select:focus > SelectCurrent .arrow {{ color: $background; }}
App:nocolor {s} Select:focus:ansi > SelectCurrent {{ text-style: reverse; }}
"""


def focused_select_css(screen: str) -> str:
    return RULES.format(s=screen)
