"""The trainer's tour picker: start a guided tour for the trainee, or auto-play it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from branchdesk.clients.api import Action
from branchdesk.clients.demo_api import DemoApi
from branchdesk.screens.common.actions import unreachable_says
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.tour import SPEEDS, Tour, TourError, load_tours
from branchdesk.tui.widgets import StatusLine

SPEED_ORDER = ("normal", "fast", "slow")


def reader_line(extra: dict[str, object]) -> str:
    reader = extra.get("demo_reader")
    if reader == "none":
        return _("demo.reader.none")
    if isinstance(reader, str) and reader:
        return _("demo.reader.virtual", reader=reader)
    return _("demo.reader.unknown")


class TourPickerScreen(BaseScreen, keys="demo_tours", title="demo.tours.title"):
    def __init__(self) -> None:
        super().__init__()
        self.tours: list[Tour] = []
        self.speed = SPEED_ORDER[0]

    def compose_body(self) -> ComposeResult:
        with Vertical():
            yield Static(_("demo.tours.list"), classes="title")
            yield OptionList(id="tours")
            yield Static(id="tour-info")
            yield Static(id="speed")
            yield Static(id="reader")
            yield StatusLine(id="tours-status")

    def on_mount(self) -> None:
        status = self.query_one("#tours-status", StatusLine)
        try:
            self.tours = load_tours()
        except TourError as exc:
            status.show(_("demo.tours.broken", problem=str(exc)), "error")
        option_list = self.query_one("#tours", OptionList)
        for number, tour in enumerate(self.tours, start=1):
            option_list.add_option(Option(f"{number}. {tour.title_now()}", id=tour.id))
        if self.tours:
            option_list.highlighted = 0
            option_list.focus()
        else:
            status.show(_("demo.tours.none"), "error")
        self.query_one("#reader", Static).update(reader_line(self.bd_app.options.extra))
        self._show_speed()
        self._show_info()

    def _selected(self) -> Tour | None:
        option_list = self.query_one("#tours", OptionList)
        if option_list.highlighted is None or not self.tours:
            return None
        return self.tours[option_list.highlighted]

    @on(OptionList.OptionHighlighted, "#tours")
    def _show_info(self) -> None:
        tour = self._selected()
        info = self.query_one("#tour-info", Static)
        if tour is None:
            info.update("")
            return
        info.update(
            tour.summary_now()
            + "\n"
            + _(
                "demo.tours.steps",
                n=len(tour.steps),
                login=tour.login or "-",
                preset=tour.preset or _("demo.none"),
            )
        )

    def _show_speed(self) -> None:
        self.query_one("#speed", Static).update(
            _("demo.tours.speed", speed=_(f"demo.speed.{self.speed}"))
        )

    def action_speed(self) -> None:
        self.speed = SPEED_ORDER[(SPEED_ORDER.index(self.speed) + 1) % len(SPEED_ORDER)]
        self._show_speed()

    def action_presets(self) -> None:
        from branchdesk.screens.demo.presets import PresetsScreen

        self.app.push_screen(PresetsScreen())

    def action_start(self, auto: bool) -> None:
        tour = self._selected()
        if tour is not None:
            self._start(tour, auto, SPEEDS[self.speed], Action())

    def _start(self, tour: Tour, auto: bool, speed: float, action: Action) -> None:
        def begin(_result: object = None) -> None:
            self.show_status("")
            self.bd_app.start_tour(tour, auto=auto, speed=speed)

        if not tour.preset:
            begin()
            return
        preset = tour.preset
        self.show_status(_("demo.tours.starting"))
        self.call_api(
            "start",
            lambda: DemoApi(self.client).apply_preset(preset, action),
            begin,
            failed=unreachable_says("demo.presets.unreachable"),
            keys=("start", "presets"),
            write=True,
        )
