"""The tour's step panel, laid over whatever screen is showing, and the target highlight.

The panel is as tall as its text: the step text is wrapped here, by terminal cells (CJK is
double width), so the panel knows its height before it is drawn. Chinese breaks between any two
characters except before closing punctuation (，。、：；！？）」” …) and after opening
punctuation (（「“ …), which move to the line with their neighbour; Latin words, numbers and
ICCIDs are never split unless a single one is wider than the line. The panel goes above the
Footer, or in the band of the screen that leaves the highlighted target uncovered.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.geometry import Region, Size
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from branchdesk.tui.i18n import _
from branchdesk.tui.linebreak import break_lines

HIGHLIGHT = "tour-target"
BORDER = 2
"""Rows of a panel besides its text and its state and keys line(s): the border."""
SIDE = 4
"""Columns of a panel besides its text: border and padding on both sides."""
MIN_SIDE_WIDTH = 30
"""The narrowest panel put beside a tall target rather than over it."""


def band(height: int, screen_height: int, target: Region | None) -> int | None:
    """The row the panel starts on: above the Footer when that leaves the target uncovered,
    else the lowest band between the header and the Footer that does; None when none does."""
    bottom = max(1, screen_height - height - 1)
    if target is None or not target.height:
        return bottom
    for y in range(bottom, 0, -1):
        if y >= target.bottom or y + height <= target.y:
            return y
    return None


@dataclass(frozen=True)
class Placement:
    x: int
    y: int
    width: int
    lines: list[str]
    keys: list[str]
    """The state and the tour keys, wrapped like the text (one line at full width)."""
    shrink_to: int | None = None
    """Rows the target is shrunk to (from its top) so that the panel fits below it."""


def placement(text: str, keys: str, screen: Size, target: Region | None) -> Placement:
    """Where the panel goes: full width in a band clear of the target; else beside a narrow
    target; else above the Footer with the tall target shrunk to end where the panel begins."""
    width, height = screen

    def wrapped(room: int) -> tuple[list[str], list[str], int]:
        width = max(10, room - SIDE)
        lines, key_lines = break_lines(text, width), break_lines(keys, width)
        return lines, key_lines, len(lines) + len(key_lines) + BORDER

    lines, key_lines, rows = wrapped(width)
    y = band(rows, height, target)
    if y is not None or target is None:
        return Placement(0, y if y is not None else 1, width, lines, key_lines)
    for x, room in ((0, target.x), (target.right, width - target.right)):
        if room >= MIN_SIDE_WIDTH:
            side, side_keys, side_rows = wrapped(room)
            if side_rows <= height - 2:
                return Placement(x, height - side_rows - 1, room, side, side_keys)
    y = max(1, height - rows - 1)
    return Placement(0, y, width, lines, key_lines, shrink_to=max(1, y - target.y))


class TourPanel(Static):
    """Step text, progress and the tour keys; as tall as its text, placed clear of the target."""

    # Not scoped: the highlight class applies to widgets anywhere on the screen.
    SCOPED_CSS = False
    DEFAULT_CSS = f"""
    TourPanel {{
        overlay: screen; position: absolute; width: 100%; height: 6;
        border: round $warning; background: $panel; padding: 0 1;
    }}
    .{HIGHLIGHT} {{ outline: heavy $warning; text-style: bold reverse; }}
    """

    lines: list[str] = []
    """The step text as wrapped for the panel's width."""
    key_lines: list[str] = []

    def show_step(
        self,
        title: str,
        number: int,
        total: int,
        text: str,
        *,
        state: str,
        auto: bool,
        paused: bool,
        target: Widget | None,
        natural: Region | None,
        screen: Screen[object],
    ) -> Placement:
        """Draw the step clear of ``target`` (laid out in ``natural`` before any shrink); the
        caller shrinks the target when the placement asks for it."""
        mode = _("tour.mode.auto") if auto else _("tour.mode.guided")
        if paused:
            mode = _("tour.mode.paused")
        self.border_title = _("tour.panel_title", title=title, n=number, total=total)
        self.border_subtitle = mode
        region = natural if target is not None else None
        state_text = _(f"tour.state.{state}")
        where = placement(text, f"{state_text}  {_('tour.keys_line')}", screen.size, region)
        self.lines, self.key_lines = where.lines, where.keys
        body = Text("\n".join(self.lines), no_wrap=True, overflow="crop")
        keys = "\n".join(where.keys)
        body.append("\n")
        body.append(keys[: len(state_text)], style="bold")
        body.append(keys[len(state_text) :], style="dim")
        self.styles.width = where.width
        self.styles.height = len(self.lines) + len(self.key_lines) + BORDER
        self.styles.offset = (where.x, where.y)
        self.update(body)
        return where
