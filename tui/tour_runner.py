"""Plays a tour: shows each step over the current screen, waits for the trainee's action or
does it itself (auto-play at the chosen speed), and moves on. Next / Back / Pause / Quit come
from the tour keys (``tui.tour_host``)."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import events
from textual.css.query import NoMatches
from textual.geometry import Region, Size
from textual.keys import _character_to_key
from textual.timer import Timer
from textual.widget import Widget

from branchdesk.tui import screen_registry
from branchdesk.tui.i18n import _
from branchdesk.tui.readers import reader_name
from branchdesk.tui.tour import Step, Tour
from branchdesk.tui.tour_panel import BORDER, HIGHLIGHT, Placement, TourPanel

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


@dataclass(frozen=True)
class StepLayout:
    screen: Size
    panel: Region
    target: Region
    lines: tuple[str, ...]
    """The step text as the panel wrapped it."""
    keys: tuple[str, ...]


PROBE_SECONDS = 0.5


def reader_with_card(options: Any) -> bool:
    """A PC/SC reader (``reader_name`` narrows which) holds a card; any failure means no."""
    try:
        from branchdesk.devices.pcsc import PcscReader
    except ImportError:
        return False
    reader = PcscReader(reader_name(options))
    try:
        reader.wait_for_card(PROBE_SECONDS)
    except Exception:  # noqa: BLE001 - no pyscard, no pcscd, no reader, no card: all "no"
        return False
    finally:
        with contextlib.suppress(Exception):
            reader.close()
    return True


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
        self.reader: bool | None = True
        """A card reader holds a card: steps that need one are played (None: still asking)."""
        self.problems: list[str] = []
        """Steps whose target could not be found: a tour that has rotted."""
        self.highlighted: dict[int, bool] = {}
        """Each step shown so far, and whether its target was highlighted on its screen."""
        self.layout: dict[int, StepLayout] = {}
        """Each step shown so far with its target: where the panel and the target were."""
        self._timer: Timer | None = None
        self._highlighted: Widget | None = None
        self._placed: Placement | None = None
        self._shrunk: tuple[Widget, Any, Region] | None = None
        """A target shrunk for the panel: it, its own max-height, its region before."""
        self._panels: list[TourPanel] = []
        self._reset_step()

    # -- control ----------------------------------------------------------------------------
    def start(self) -> None:
        app: Any = self.app
        if self.tour.start == "login":
            self.app.tour_login()
        elif self.tour.start == "home" and hasattr(app, "go_home"):
            app.go_home()
        if self.tour.needs_reader:
            extra = getattr(getattr(self.app, "options", None), "extra", None) or {}
            if extra.get("demo_reader") == "none":  # the demo found no pcscd: say so at once
                self.reader = False
            else:
                self.reader = None
                self.app.run_worker(self._probe, thread=True, exit_on_error=False)
        self._timer = self.app.set_interval(TICK, self._tick)

    def _probe(self) -> None:
        """In a thread: is there a card reader with a card in it (pcscd's virtual SIM)?"""
        found = reader_with_card(getattr(self.app, "options", None))
        self.app.call_from_thread(setattr, self, "reader", found)

    def next(self) -> None:
        if self.index + 1 >= len(self.steps):
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
        return self.steps[self.index]

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps played here: those needing a card reader only where one holds a card."""
        return self.tour.steps_for(bool(self.reader))

    @property
    def skipped(self) -> tuple[Step, ...]:
        return tuple(step for step in self.tour.steps if step not in self.steps)

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
        if self.finished or self.reader is None:
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
        # Auto-play reads a step for ``speed`` seconds from when its target first shows: a slow
        # screen change must not eat the reading time (or the step would never be shown).
        # Read from when the panel stands beside its target (a missing target: from the start).
        seen = self._target_seen_at if target is not None else self._started
        shown_for = now - seen if seen is not None else 0.0
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
        if wait.phase is not None:
            return getattr(self.app.screen, "phase", None) == wait.phase
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
        self._unshrink()
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
        natural = self._natural_region(target)
        state = (self.index, self._state(), self.paused, id(target), natural, screen.size)
        if state != self._shown:
            self._shown = state
            step = self.step
            self._placed = panel.show_step(
                self.tour.title_now(),
                self.index + 1,
                len(self.steps),
                step.text_now(),
                state=self._state(),
                auto=self.auto,
                paused=self.paused,
                target=target,
                natural=natural,
                screen=screen,
            )
            self._shrink(target, self._placed.shrink_to)
        self._record(screen, panel, target)

    def _natural_region(self, target: Widget | None) -> Region | None:
        """The target's region as its screen lays it out (before a shrink for the panel)."""
        if target is None:
            return None
        if self._shrunk is not None and self._shrunk[0] is target:
            return self._shrunk[2]
        return target.region

    def _shrink(self, target: Widget | None, rows: int | None) -> None:
        """A target too tall for the panel beside it ends where the panel begins."""
        if self._shrunk is not None and (self._shrunk[0] is not target or rows is None):
            self._unshrink()
        if target is None or rows is None:
            return
        if self._shrunk is None:
            self._shrunk = (target, target.styles.max_height, target.region)
        target.styles.max_height = rows

    def _unshrink(self) -> None:
        if self._shrunk is not None:
            widget, max_height, _natural = self._shrunk
            self._shrunk = None
            widget.styles.max_height = max_height

    def _record(self, screen: Any, panel: TourPanel, target: Widget | None) -> None:
        """Once the panel (and a shrunk target) are laid out as placed: what the trainee sees.

        Auto-play reads a step from this moment on."""
        placed = self._placed
        if target is None or placed is None or not target.region.height:
            return
        rows = len(placed.lines) + len(placed.keys) + BORDER
        if panel.region != Region(placed.x, placed.y, placed.width, rows):
            return
        if placed.shrink_to is not None and target.region.height > placed.shrink_to:
            return
        self.layout[self.step.number] = StepLayout(
            screen.size, panel.region, target.region, tuple(placed.lines), tuple(placed.keys)
        )
        if self._target_seen_at is None:
            self._target_seen_at = time.monotonic()

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
