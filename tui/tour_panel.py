"""The tour's step panel, laid over whatever screen is showing, and the target highlight."""

from __future__ import annotations

from rich.text import Text
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from branchdesk.tui.i18n import _

HIGHLIGHT = "tour-target"
PANEL_HEIGHT = 6


class TourPanel(Static):
    """Step text, progress and the tour keys; sits above the Footer, or below the header when
    the target widget is down there."""

    # Not scoped: the highlight class applies to widgets anywhere on the screen.
    SCOPED_CSS = False
    DEFAULT_CSS = f"""
    TourPanel {{
        overlay: screen; position: absolute; width: 100%; height: {PANEL_HEIGHT};
        border: round $warning; background: $panel; padding: 0 1;
    }}
    .{HIGHLIGHT} {{ outline: heavy $warning; text-style: bold reverse; }}
    """

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
    ) -> None:
        mode = _("tour.mode.auto") if auto else _("tour.mode.guided")
        if paused:
            mode = _("tour.mode.paused")
        self.border_title = _("tour.panel_title", title=title, n=number, total=total)
        self.border_subtitle = mode
        body = Text(text)
        body.append("\n")
        body.append(_(f"tour.state.{state}"), style="bold")
        body.append("  ")
        body.append(_("tour.keys_line"), style="dim")
        self.update(body)

    def place(self, target: Widget | None, screen: Screen[object] | None = None) -> None:
        """Bottom of the screen, unless that would cover the target."""
        # A panel mounted in this very tick has no parent yet: take the screen it goes on.
        height = (screen or self.screen).size.height
        bottom = max(1, height - PANEL_HEIGHT - 1)
        y = bottom
        if target is not None:
            region = target.region
            if region.height and region.y + region.height > bottom:
                y = 1
        self.styles.offset = (0, y)
