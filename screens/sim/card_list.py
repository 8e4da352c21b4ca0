"""The cards of a batch preview: a virtualized list (only the visible rows are drawn).

100,000 rows cost one list of row numbers; each frame renders just the rows on screen, so
the first page shows as fast for 100,000 cards as for ten. A filter by problem kind swaps the
row numbers, nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.clients.models import PreviewCards

INDEX_WIDTH = 6
ICCID_WIDTH = 20
STATE_WIDTH = 12
PROBLEM_WIDTH = 17
CURSOR = Style(reverse=True, bold=True)
"""Reverse video: the cursor row shows with NO_COLOR and on any palette."""
PROBLEM_STYLE = Style(bold=True)


def cell(text: str, width: int) -> str:
    """``text`` cut or padded to ``width`` terminal cells (CJK is two cells wide)."""
    return set_cell_size(text, width) if cell_len(text) != width else text


def header_text() -> str:
    return " ".join(
        [
            cell(_("sim.list.index"), INDEX_WIDTH),
            cell(_("sim.list.iccid"), ICCID_WIDTH),
            cell(_("sim.list.problem"), PROBLEM_WIDTH),
            cell(_("sim.list.state"), STATE_WIDTH),
            _("sim.list.location"),
        ]
    )


class PreviewList(ScrollView, can_focus=True):
    """Row i of the preview: its number in the batch, ICCID, problem, state and location."""

    BINDINGS = [
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        # Keys every terminal sends (vt100 has no PgUp/Home): less/readline style.
        Binding("ctrl+u", "page(-1)", show=False),
        Binding("ctrl+d", "page(1)", show=False),
        Binding("ctrl+a", "edge(False)", show=False),
        Binding("ctrl+e", "edge(True)", show=False),
    ]
    DEFAULT_CSS = """
    PreviewList { height: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cards: PreviewCards | None = None
        self.rows: range | list[int] = range(0)
        self.cursor = 0
        self._states: dict[str, str] = {}
        self._problems: dict[str, str] = {}

    # -- data ---------------------------------------------------------------------------------
    def show(self, cards: PreviewCards | None, kind: str | None = None) -> None:
        """Show every card, or only those with problem ``kind`` ("" = the available ones)."""
        self.cards = cards
        # Translated once per code, not once per row.
        self._states = {}
        self._problems = {"": _("sim.list.ok")}
        self.filter(kind)

    def filter(self, kind: str | None) -> None:
        cards = self.cards
        if cards is None:
            self.rows = range(0)
        elif kind is None:
            self.rows = range(len(cards["iccid"]))
        else:
            self.rows = [i for i, p in enumerate(cards["problem"]) if p == kind]
        self.cursor = 0
        width = INDEX_WIDTH + ICCID_WIDTH + PROBLEM_WIDTH + STATE_WIDTH + 4
        if cards is not None and cards["labels"]:
            width += max(cell_len(label) for label in cards["labels"])
        self.virtual_size = Size(width, len(self.rows))
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def row_text(self, position: int) -> str:
        cards = self.cards
        assert cards is not None
        i = self.rows[position]
        state = cards["state"][i]
        problem = cards["problem"][i]
        if state not in self._states:
            self._states[state] = _(f"sim.state.{state}") if state else "—"
        if problem not in self._problems:
            self._problems[problem] = _(f"sim.problem.{problem}")
        where = cards["location"][i]
        return " ".join(
            [
                f"{i + 1:>{INDEX_WIDTH}}",
                cell(cards["iccid"][i], ICCID_WIDTH),
                cell(self._problems[problem], PROBLEM_WIDTH),
                cell(self._states[state], STATE_WIDTH),
                cards["labels"][where] if where >= 0 else "—",
            ]
        )

    # -- drawing ------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        position = scroll_y + y
        width = self.scrollable_content_region.width
        if position >= len(self.rows) or self.cards is None:
            return Strip.blank(width, self.rich_style)
        text = self.row_text(position)
        style = self.rich_style
        if position == self.cursor and self.has_focus:
            style += CURSOR
        elif self.cards["problem"][self.rows[position]]:
            style += PROBLEM_STYLE
        strip = Strip([Segment(text, style)]).crop(scroll_x, scroll_x + width)
        return strip.extend_cell_length(width, style)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- keys ---------------------------------------------------------------------------------
    def _move_to(self, position: int) -> None:
        if not self.rows:
            return
        self.cursor = max(0, min(position, len(self.rows) - 1))
        height = self.scrollable_content_region.height
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)
        self.refresh()

    def action_cursor(self, step: int) -> None:
        self._move_to(self.cursor + step)

    def action_page(self, step: int) -> None:
        self._move_to(self.cursor + step * max(1, self.scrollable_content_region.height - 1))

    def action_edge(self, end: bool) -> None:
        self._move_to(len(self.rows) - 1 if end else 0)
