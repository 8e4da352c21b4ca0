"""Plays a tour: shows each step over the current screen, waits for the trainee's action or
does it itself (auto-play at the chosen speed), and moves on. Next / Back / Pause / Quit come
from the tour keys (``tui.tour_host``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from textual import events
from textual.css.query import NoMatches
from textual.keys import _character_to_key
from textual.timer import Timer
from textual.widget import Widget

from branchdesk.tui import screen_registry
from branchdesk.tui.i18n import _
from branchdesk.tui.tour import Step, Tour
from branchdesk.tui.tour_panel import HIGHLIGHT, TourPanel

if TYPE_CHECKING:
    from branchdesk.tui.tour_host import TourHost

TICK = 0.05
DONE_PAUSE = 0.6
"""How long a finished step stays up (with its tick) before the next one."""
NAMED_CHARS = {"enter": "\r", "tab": "\t", "space": " ", "escape": "\x1b", "backspace": "\x7f"}
MISSING_GRACE = 2.0
"""How long a step's screen may take to show its target before the step is reported broken."""
STALL_GRACE = 15.0
"""How long auto-play waits for what its keys should bring about before it reports the step."""


def choose_moves(select: Widget, highlighted: int | None, value: str) -> list[str]:
    """The arrow keys from the highlighted option of an open Select to ``value``'s, and Enter."""
    options = [option for _prompt, option in getattr(select, "_options", [])]
    if value not in options:
        return ["escape"]  # not offered: the wait reports the step
    moves = options.index(value) - (highlighted or 0)
    return [*(["down"] * moves if moves > 0 else ["up"] * -moves), "enter"]


class TourRunner:
    _shown: tuple[Any, ...] | None
    """What the panel last drew, so a tick that changes nothing does not redraw it."""

    def __init__(self, app: TourHost, tour: Tour, *, auto: bool, speed: float) -> None:
        self.app = app
        self.tour = tour
        self.auto = auto
        self.speed = speed
        self.paused = False
        self.index = 0
        self.finished = False
        self.problems: list[str] = []
        """Steps whose target could not be found: a tour that has rotted."""
        self.highlighted: dict[int, bool] = {}
        """Each step shown so far, and whether its target was highlighted on its screen."""
        self._timer: Timer | None = None
        self._highlighted: Widget | None = None
        self._panels: list[TourPanel] = []
        self._reset_step()

    # -- control ----------------------------------------------------------------------------
    def start(self) -> None:
        app: Any = self.app
        if self.tour.start == "login":
            self.app.tour_login()
        elif self.tour.start == "home" and hasattr(app, "go_home"):
            app.go_home()
        self._timer = self.app.set_interval(TICK, self._tick)

    def next(self) -> None:
        if self.index + 1 >= len(self.tour.steps):
            self._finish()
            return
        self.index += 1
        self._reset_step()

    def back(self) -> None:
        if self.index > 0:
            self.index -= 1
        self._reset_step()

    def pause(self) -> None:
        self.paused = not self.paused
        self._shown = None  # redraw the mode

    def quit(self, *, restore: bool = True) -> None:
        """End the tour; the trainer is back in their own session unless another tour follows."""
        self._stop()
        self.app.notify(_("tour.quit", title=self.tour.title_now()))
        if restore:
            self.app.end_tour_session()

    def saw_key(self, key: str) -> None:
        self._keys.append(key)

    @property
    def step(self) -> Step:
        return self.tour.steps[self.index]

    # -- the loop ---------------------------------------------------------------------------
    def _reset_step(self) -> None:
        self._started = time.monotonic()
        self._keys: list[str] = []
        self._done_at: float | None = None
        self._performed = False
        self._performed_at: float | None = None
        self._chosen = False
        self._missing_since: float | None = None
        self._reported = False
        self._shown = None
        self._target_seen_at: float | None = None

    def _tick(self) -> None:
        if self.finished:
            return
        step = self.step
        screen = self.app.screen
        on_screen = type(screen).__name__ == step.screen_name
        target = self._find(screen, step.target) if on_screen else None
        self._check_missing(step, on_screen, target)
        self._highlight(target)
        self.highlighted[step.number] = self.highlighted.get(step.number, False) or (
            target is not None
        )
        now = time.monotonic()
        if self._target_seen_at is None and target is not None:
            self._target_seen_at = now
        # Auto-play reads a step for ``speed`` seconds from when its target first shows: a slow
        # screen change must not eat the reading time (or the step would never be shown).
        shown_for = now - (self._target_seen_at or self._started)
        if self._done_at is None and self._satisfied(step, target):
            self._done_at = now
        if self._done_at is not None:
            if now - self._done_at >= (min(DONE_PAUSE, self.speed) if self.auto else DONE_PAUSE):
                self.next()
                return
        elif self.auto and not self.paused and shown_for >= self.speed:
            if step.wait is None:
                self.next()
                return
            if not self._performed and on_screen and target is not None:
                self._performed = True
                self._perform(step, target)
            elif self._performed and step.auto.choose and not self._chosen and target is not None:
                self._choose(step, target)
            self._check_stalled(step)
        self._show_panel(screen, target)

    def _find(self, screen: Any, selector: str) -> Widget | None:
        try:
            found: Widget = screen.query_one(selector)
        except NoMatches:
            return None
        return found

    def _check_missing(self, step: Step, on_screen: bool, target: Widget | None) -> None:
        if not on_screen or target is not None:
            self._missing_since = None
            return
        if self._missing_since is None:
            self._missing_since = time.monotonic()
        elif not self._reported and time.monotonic() - self._missing_since > MISSING_GRACE:
            self._reported = True
            self.problems.append(
                f"{self.tour.path.name} step {step.number}: {step.target!r} not found on "
                f"{step.screen_name}"
            )

    def _satisfied(self, step: Step, target: Widget | None) -> bool:
        wait = step.wait
        if wait is None:
            return False
        if wait.key is not None:
            return wait.key in self._keys
        if wait.screen is not None:
            return type(self.app.screen).__name__ == screen_registry.class_name(wait.screen)
        field = (
            target if wait.field == step.target else self._find(self.app.screen, wait.field or "")
        )
        return field is not None and str(getattr(field, "value", "")) == wait.value

    def _perform(self, step: Step, target: Widget) -> None:
        # The trainee acts on the widget the step points at: it gets the keys (a Select opens).
        self._performed_at = time.monotonic()
        focused = self.app.focused
        inside = focused is not None and (focused is target or target in focused.ancestors)
        # choose: Enter opens the Select; the arrows follow once it is open (_choose).
        keys = ["enter"] if step.auto.choose else list(step.auto.press)
        if (step.auto.type or keys) and target.focusable and not inside:
            self.app.set_focus(target)
        if step.auto.type:
            for char in step.auto.type:
                self._send(char)
        for key in keys:
            self._send(key)

    def _choose(self, step: Step, target: Widget) -> None:
        """The Select is open and has the focus: move to the wanted option and take it."""
        focused = self.app.focused
        if not getattr(target, "expanded", False) or focused is None or focused is target:
            return
        if target not in focused.ancestors:
            return
        self._chosen = True
        for key in choose_moves(target, getattr(focused, "highlighted", None), step.auto.choose):
            self._send(key)

    def _check_stalled(self, step: Step) -> None:
        """Auto-play did its keys and what the step waits for never came: the tour has rotted."""
        if (
            self._performed_at is not None
            and not self._reported
            and self._done_at is None
            and time.monotonic() - self._performed_at > STALL_GRACE
        ):
            self._reported = True
            self.problems.append(
                f"{self.tour.path.name} step {step.number}: auto-play acted on "
                f"{step.target!r} but {step.wait} did not happen"
            )

    def _send(self, key: str) -> None:
        """Post a key event as a terminal would (a printable key carries its character)."""
        if len(key) == 1:
            event = events.Key(key if key.isalnum() else _character_to_key(key), key)
        else:
            event = events.Key(key, NAMED_CHARS.get(key))
        self.app.post_message(event)

    # -- drawing ----------------------------------------------------------------------------
    def _highlight(self, target: Widget | None) -> None:
        if target is self._highlighted:
            return
        if self._highlighted is not None:
            self._highlighted.remove_class(HIGHLIGHT)
        self._highlighted = target
        if target is not None:
            target.add_class(HIGHLIGHT)

    def _state(self) -> str:
        if self._done_at is not None:
            return "done"
        if self.step.wait is None:
            return "read" if not self.auto else "auto"
        return "auto" if self.auto and not self.paused else "waiting"

    def _show_panel(self, screen: Any, target: Widget | None) -> None:
        panels = screen.query(TourPanel)
        panel = panels.first() if panels else None
        if panel is None:
            panel = TourPanel(id="tour-panel")
            screen.mount(panel)
            self._panels.append(panel)
            self._shown = None
        state = (self.index, self._state(), self.paused, id(target), screen.size)
        if state == self._shown:
            return
        self._shown = state
        step = self.step
        panel.show_step(
            self.tour.title_now(),
            step.number,
            len(self.tour.steps),
            step.text_now(),
            state=self._state(),
            auto=self.auto,
            paused=self.paused,
        )
        panel.place(target, screen)

    def _finish(self) -> None:
        self.finished = True
        self._stop()
        self.app.notify(_("tour.finished", title=self.tour.title_now()))
        self.app.end_tour_session()

    def _stop(self) -> None:
        self.finished = True
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._highlight(None)
        for panel in self._panels:
            if panel.is_attached:
                panel.remove()
        self._panels.clear()
        if self.app.tour is self:
            self.app.tour = None
