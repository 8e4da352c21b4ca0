"""The app's side of guided tours: the tour keys, every key the trainee presses, and the
trainer's own session, kept while a tour logs in with its tour account.

``BranchdeskApp`` derives from ``TourHost``. The keys are priority bindings (they work whatever
has focus) that are active only while a tour runs; otherwise they pass through to the screen.
The engine itself (``tui.tour_runner``) is imported only when a tour starts.

A tour that starts at the login screen does not log the trainer out: their session (token,
staff, keyring entry) is put aside and their screens stay in the "main" mode; the tour's login
gets a mode of its own (``TOUR_MODE``, which the App's ``main_mode`` names meanwhile). When the
tour ends — its last step, End tour (^G), or Esc where the tour has nothing left to go back to
(the tour's home, the empty login form) — the tour's session is logged out and the trainer is
back where they were, logged in as themselves.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, InvalidModeError, UnknownModeError
from textual.css.query import NoMatches

from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.tui import keymap, secrets

if TYPE_CHECKING:
    from branchdesk.tui.tour_runner import TourRunner

TOUR_COMMANDS = ("next", "back", "pause", "quit")
MAIN_MODE = "main"
TOUR_MODE = "tour"
LAST_STAFF = "_last_staff"


@dataclass(frozen=True)
class TrainerSession:
    """The trainer's session while a tour runs under its own account."""

    staff: Any
    token: str | None
    client_staff: Any
    last_staff: str | None
    """What the keyring named as the last staff member before the tour's login replaced it."""
    sandbox_watch: Any


class TourHost(App[None]):
    BINDINGS = keymap.bindings("tour")

    tour: TourRunner | None = None
    main_mode = MAIN_MODE
    """The mode holding the logged-in staff member's screens: the tour's own while it runs."""
    trainer: TrainerSession | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tour":
            return self.tour is not None
        return super().check_action(action, parameters)

    def action_tour(self, command: str) -> None:
        if self.tour is not None and command in TOUR_COMMANDS:
            getattr(self.tour, command)()

    async def on_event(self, event: events.Event) -> None:
        if self.tour is not None and isinstance(event, events.Key) and not event.is_forwarded:
            if event.key == "escape" and self._escape_leaves_tour():
                event.stop()
                self.tour.quit()
                return
            self.tour.saw_key(event.key)
        await super().on_event(event)

    def start_tour(self, tour: Any, *, auto: bool, speed: float) -> TourRunner:
        from branchdesk.tui.tour_runner import TourRunner

        if self.tour is not None:
            self.tour.quit(restore=False)  # the next tour carries on from the trainer's session
        self.tour = TourRunner(self, tour, auto=auto, speed=speed)
        self.tour.start()
        return self.tour

    # -- the trainer's session --------------------------------------------------------------
    def tour_login(self) -> None:
        """To the login screen for the tour's account, the trainer's session put aside."""
        app: Any = self
        if app.staff is None:
            return
        if self.trainer is not None:  # an earlier tour's session: log it out, not the trainer
            app.action_logout()
            return
        label = app.backend_label
        self.trainer = TrainerSession(
            staff=app.staff,
            token=app.client.token,
            client_staff=app.client.staff,
            last_staff=secrets.load_token(label, LAST_STAFF),
            sandbox_watch=app.sandbox_watch,
        )
        app.client.token = None
        app.client.staff = None
        app.staff = None
        self.main_mode = TOUR_MODE
        with contextlib.suppress(InvalidModeError):  # left by a tour whose restore failed
            self.add_mode(TOUR_MODE, self.MODES[MAIN_MODE])
        self.run_worker(self._show_tour_login(), group="tour-session", exit_on_error=False)

    async def _show_tour_login(self) -> None:
        await self.switch_mode("login")
        login: Any = self.screen
        if hasattr(login, "action_clear"):
            login.action_clear()

    def end_tour_session(self) -> None:
        """Back to the trainer's own session and screen (nothing to do without a tour login)."""
        trainer, self.trainer = self.trainer, None
        if trainer is not None:
            self.run_worker(self._restore(trainer), group="tour-session", exit_on_error=False)

    async def _restore(self, trainer: TrainerSession) -> None:
        from branchdesk.clients.outbox import OutboxSync

        app: Any = self
        label = app.backend_label
        tour_staff = app.staff
        if app.offline_session:
            app._end_offline()
        if app.client.token and app.client.token != trainer.token:
            with contextlib.suppress(ApiError, BackendUnreachable):
                await app.client.logout()
        if tour_staff is not None and tour_staff.id != trainer.staff.id:
            secrets.forget_token(label, tour_staff.id)
        if trainer.last_staff:
            secrets.save_token(label, LAST_STAFF, trainer.last_staff)
        else:
            secrets.forget_token(label, LAST_STAFF)
        app.client.token = trainer.token
        app.client.staff = trainer.client_staff
        app.sandbox_watch = trainer.sandbox_watch
        app.outbox_sync = OutboxSync.attach(
            app.client, app.options.store_dir(), partial(setattr, app, "pending_sync")
        )
        app.staff = trainer.staff
        self.main_mode = MAIN_MODE
        await self.switch_mode(MAIN_MODE)
        with contextlib.suppress(UnknownModeError):  # nothing of the tour is left
            await self.remove_mode(TOUR_MODE)

    def _escape_leaves_tour(self) -> bool:
        """Esc where the tour's session has nothing to go back to: its home, an empty login."""
        if self.trainer is None:
            return False
        from branchdesk.screens.common.home import HomeScreen
        from branchdesk.screens.common.login import LoginScreen

        screen = self.screen
        if isinstance(screen, HomeScreen):
            return self.current_mode == TOUR_MODE
        if isinstance(screen, LoginScreen):
            try:
                fields = [screen.query_one(s) for s in ("#staff-id", "#password")]
            except NoMatches:
                return False
            return not any(getattr(field, "value", "") for field in fields)
        return False
