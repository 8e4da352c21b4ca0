"""The app's side of guided tours: the tour keys, and every key the trainee presses.

``BranchdeskApp`` derives from ``TourHost``. The keys are priority bindings (they work whatever
has focus) that are active only while a tour runs; otherwise they pass through to the screen.
The engine itself (``tui.tour_runner``) is imported only when a tour starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App
from textual.binding import Binding

if TYPE_CHECKING:
    from branchdesk.tui.tour_runner import TourRunner

TOUR_COMMANDS = ("next", "back", "pause", "quit")


class TourHost(App[None]):
    BINDINGS = [
        Binding(
            "ctrl+n", "tour('next')", "tour.keys.next", id="tour.next", show=False, priority=True
        ),
        Binding(
            "ctrl+b", "tour('back')", "tour.keys.back", id="tour.back", show=False, priority=True
        ),
        Binding(
            "ctrl+t", "tour('pause')", "tour.keys.pause", id="tour.pause", show=False, priority=True
        ),
        Binding(
            "ctrl+g", "tour('quit')", "tour.keys.quit", id="tour.quit", show=False, priority=True
        ),
    ]

    tour: TourRunner | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tour":
            return self.tour is not None
        return super().check_action(action, parameters)

    def action_tour(self, command: str) -> None:
        if self.tour is not None and command in TOUR_COMMANDS:
            getattr(self.tour, command)()

    async def on_event(self, event: events.Event) -> None:
        if self.tour is not None and isinstance(event, events.Key) and not event.is_forwarded:
            self.tour.saw_key(event.key)
        await super().on_event(event)

    def start_tour(self, tour: Any, *, auto: bool, speed: float) -> TourRunner:
        from branchdesk.tui.tour_runner import TourRunner

        if self.tour is not None:
            self.tour.quit()
        self.tour = TourRunner(self, tour, auto=auto, speed=speed)
        self.tour.start()
        return self.tour
