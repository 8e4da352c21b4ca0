"""Field terminals: 16 colours, NO_COLOR, ASCII borders, slow links and keys every terminal sends.

``configure(app)`` applies the user's options to a new App (see docs/SSH.md for when to use
which):

- theme ``ansi``: the terminal's own 16-colour palette (``branchdesk-ansi``), readable on dark
  and light terminal backgrounds alike;
- ``NO_COLOR`` (Textual turns colours off): cursors and highlights switch to reverse video so
  the focused row or field is still visible without colour;
- ``--ascii``: box-drawing and block glyphs are drawn as ASCII (see ``terminal_ascii``);
- ``--slow-link``: no animations, no blinking cursor, a slower health poll — nothing is
  redrawn unless something changed.
"""

from __future__ import annotations

import dataclasses
import string
from typing import TYPE_CHECKING, Any

from textual.filter import Monochrome, NoColor
from textual.theme import BUILTIN_THEMES, Theme
from textual.widget import Widget

from branchdesk.tui.terminal_ascii import AsciiGlyphs

if TYPE_CHECKING:
    from textual.app import App

    from branchdesk.tui.options import AppOptions

DEFAULT_THEME = "textual-dark"
ANSI_THEME = "branchdesk-ansi"
SLOW_LINK_HEALTH_INTERVAL = 60.0

# Textual's ansi-dark, with the two places it goes black-on-black on a dark terminal fixed:
# unfocused borders and the text cursor.
_ANSI_VARIABLES = {
    "border-blurred": "ansi_bright_black",
    "input-cursor-text-style": "reverse",
    "input-cursor-background": "ansi_default",
    "input-cursor-foreground": "ansi_default",
}

# Without colour a highlighted row or a cursor is only visible in reverse video.
_NO_COLOR_VARIABLES = {
    "block-cursor-text-style": "reverse bold",
    "block-cursor-blurred-text-style": "reverse",
    "input-cursor-text-style": "reverse",
    "button-focus-text-style": "bold reverse",
}


MIN_WIDTH = 80
MIN_HEIGHT = 24
"""Below this the app shows a polite notice instead of a broken layout."""


def _ansi_theme() -> Theme:
    base = BUILTIN_THEMES["ansi-dark"]
    return dataclasses.replace(
        base, name=ANSI_THEME, variables={**base.variables, **_ANSI_VARIABLES}
    )


def theme_for(app: App[object], options: AppOptions) -> Theme:
    """The theme the options ask for, with reverse-video cursors when colour is off."""
    theme = _ansi_theme() if options.theme == "ansi" else BUILTIN_THEMES[DEFAULT_THEME]
    if app.no_color:
        theme = dataclasses.replace(
            theme,
            name=f"{theme.name}-no-color",
            variables={**theme.variables, **_NO_COLOR_VARIABLES},
        )
    return theme


def configure(app: App[Any]) -> None:
    """Apply theme, ASCII and slow-link options to a new App (call from its ``__init__``)."""
    options: AppOptions = app.options  # type: ignore[attr-defined]
    theme = theme_for(app, options)
    if theme.name not in BUILTIN_THEMES:
        app.register_theme(theme)
    app.theme = theme.name
    if app.no_color and theme.ansi:
        # Textual picked its NO_COLOR filter before our theme was set: Monochrome turns the
        # terminal's own palette into black on black. Drop the colours instead.
        app._filters[:] = [NoColor() if isinstance(f, Monochrome) else f for f in app._filters]
    if options.ascii:
        # Line filters are how Textual itself applies NO_COLOR; ours runs after it.
        app._filters.append(AsciiGlyphs())
    if options.slow_link:
        app.animation_level = "none"


def is_slow_link(app: App[object]) -> bool:
    options = getattr(app, "options", None)
    return bool(options is not None and options.slow_link)


def health_interval(options: AppOptions, default: float) -> float:
    return max(default, SLOW_LINK_HEALTH_INTERVAL) if options.slow_link else default


def focused(app: App[Any], widget: Widget) -> None:
    """On a slow link a blinking cursor is a redraw twice a second: keep it steady."""
    options = getattr(app, "options", None)
    steady = options is not None and (options.slow_link or not options.cursor_blink)
    if steady and hasattr(widget, "cursor_blink"):
        widget.cursor_blink = False


# -- keys -------------------------------------------------------------------------------------
# What every terminal sends, from vt100 and the Linux console to xterm over SSH. Ctrl+H/I/J/M
# arrive as Backspace/Tab/Enter, so they cannot be told apart and are not portable.
_CTRL_AMBIGUOUS = {"h", "i", "j", "m"}
PORTABLE_KEYS = frozenset(
    list(string.ascii_letters)
    + list(string.digits)
    + [f"f{n}" for n in range(1, 11)]
    + [f"ctrl+{c}" for c in string.ascii_lowercase if c not in _CTRL_AMBIGUOUS]
    + ["up", "down", "left", "right", "enter", "escape", "tab", "space", "backspace"]
)
# Shift+Tab (back-tab) is missing on vt100 and the Linux console. It is accepted only as the
# reverse of Tab (focus back); nothing may need it, Tab always reaches the same places.
TAB_PAIR = "shift+tab"


def binding_keys(key: str) -> list[str]:
    """The key names of one binding (``"f2,ctrl+s"`` → ``["f2", "ctrl+s"]``)."""
    return [k.strip() for k in key.split(",") if k.strip()]


def portable(key: str) -> bool:
    return key in PORTABLE_KEYS
