"""The branchdesk App: login first, then the workflows the staff member's roles allow."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from textual import events, work
from textual.app import App, SystemCommand
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget

from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.tui import i18n, keymap, secrets, terminal, timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.options import AppOptions
from branchdesk.tui.tour_host import TourHost
from branchdesk.tui.widgets import NEXT_ON_ENTER
from branchdesk.tui.workflows import allowed_workflows, by_id

if TYPE_CHECKING:
    # httpx and the server framework load after the first frame (see _connect).
    from textual.timer import Timer

    from branchdesk.clients.api import ApiClient, StaffInfo
    from branchdesk.clients.models import MetaOut
    from branchdesk.clients.outbox import OutboxSync
    from branchdesk.tui.app_protocol import AppProtocol
    from branchdesk.tui.connect import Connection
    from branchdesk.tui.sandbox_notice import SandboxWatch

HEALTH_INTERVAL = 15.0
OFFLINE_ROLE = "marketer"
"""The one role that may work offline: the visit day at a customer's shop without signal."""


@dataclass(frozen=True)
class SignIn:
    """An online login (``staff``), or the answer of the offline check (``offline``)."""

    staff: StaffInfo | None
    offline: secrets.OfflineCheck | None
    offline_kept: bool = False
    """Online: a verifier for offline work was kept in the keyring."""


def _open_connection(options: AppOptions, lang: str) -> Connection:
    """In a thread: even importing the client (httpx) would hold up the first frame."""
    from branchdesk.tui.connect import connect

    return connect(options, lang)


def _takes_tab(widget: Widget | None) -> bool:
    """A text area that indents with Tab keeps the key for itself."""
    return getattr(widget, "tab_behavior", None) == "indent"


def _login_screen() -> Screen[Any]:
    from branchdesk.screens.common.login import LoginScreen

    return LoginScreen()


def _home_screen() -> Screen[Any]:
    from branchdesk.screens.common.home import HomeScreen

    return HomeScreen()


class BranchdeskApp(TourHost):
    CSS_PATH = "app.tcss"
    TITLE = "branchdesk"
    # Two stacks: "login" has the login screen at its base (it is the first frame, with no
    # blank default screen before it); "main" has home at its base and workflows on top.
    MODES = {"login": _login_screen, "main": _home_screen}
    DEFAULT_MODE = "login"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = keymap.bindings("app")

    staff: reactive[StaffInfo | None] = reactive(None)
    online: reactive[bool | None] = reactive(None)
    pending_sync: reactive[int] = reactive(0)
    offline_session: reactive[bool] = reactive(False)
    """Logged in offline with the verifier kept at the last online login (marketers only)."""
    backend_label: reactive[str] = reactive("")
    demo: reactive[bool] = reactive(False)

    def __init__(self, options: AppOptions | None = None, *, connection: Connection | None = None):
        super().__init__()
        self.options = options or AppOptions()
        self.lang = self.options.lang or i18n.language_from_locale()
        i18n.set_language(self.lang)
        try:
            timefmt.set_zone(self.options.timezone)
        except ValueError:
            timefmt.set_zone(None)  # an unknown zone in the config: the system's, not a crash
        remaps, self.keymap_problems = keymap.check(self.options.keys)
        self.set_keymap(remaps)
        self.connection: Connection | None = None
        self._injected = connection
        self.meta: MetaOut | None = None
        self.ready = False
        """The backend was tried: ``meta`` holds its answer, or None when unreachable."""
        self.keyring_ok = True
        self.outbox_sync: OutboxSync | None = None
        self.sandbox_watch: SandboxWatch | None = None
        """Set at login: queues changes made while the backend cannot be reached."""
        """Probed after the first frame: asking keyring for its backend is slow."""
        terminal.configure(self)
        # Known before the first frame: set without watchers, so the header draws once.
        self.set_reactive(BranchdeskApp.demo, self.options.sandbox)
        self.set_reactive(BranchdeskApp.backend_label, self.options.api_url or "local")

    # -- start-up ---------------------------------------------------------------------------
    @property
    def client(self) -> ApiClient:
        assert self.connection is not None, "backend not connected yet"
        return self.connection.client

    def on_mount(self) -> None:
        self._check_size(self.size.width, self.size.height)
        self._report_keymap()
        self.call_after_refresh(self._connect)

    def _report_keymap(self) -> None:
        """Remaps of the config's ``[keys]`` that were left out, said once at start."""
        if not self.keymap_problems:
            return
        import logging

        lines = [keymap.problem_text(problem, _) for problem in self.keymap_problems]
        logging.getLogger("branchdesk.tui").warning("config [keys]: %s", "; ".join(lines))
        text = "\n".join([_("keymap.left_out"), *lines])
        self.notify(text, severity="warning", timeout=30)

    @work(exclusive=True, group="connect", exit_on_error=False)
    async def _connect(self) -> None:
        self.keyring_ok = await asyncio.to_thread(secrets.keyring_available)
        try:
            if self._injected is not None:
                connection = self._injected
            else:
                connection = await asyncio.to_thread(_open_connection, self.options, self.lang)
        except Exception as exc:
            from branchdesk.tui.connect import StartupError

            if not isinstance(exc, StartupError):
                self.unexpected_error(exc, "connect")
                return
            from branchdesk.screens.common.startup_error import StartupErrorScreen

            await self.push_screen(StartupErrorScreen(exc.key, exc.params))
            return
        self.connection = connection
        connection.client.lang = self.lang
        connection.client.on_online_change.append(self._set_online)
        self.backend_label = connection.client.label
        try:
            self.meta = await connection.client.meta()
        except (BackendUnreachable, ApiError):
            self.meta = None
        if self.meta is not None:
            self.demo = self.demo or bool(self.meta.get("demo"))
        interval = terminal.health_interval(self.options, HEALTH_INTERVAL)
        self.set_interval(interval, self._poll_health)
        self.ready = True
        await self._resume_session()
        screen = self.screen
        if hasattr(screen, "backend_ready"):
            screen.backend_ready(self.meta)

    async def _resume_session(self) -> None:
        """Log in again with the token kept in the OS keyring, if it is still valid."""
        last = secrets.load_token(self.backend_label, "_last_staff")
        token = secrets.load_token(self.backend_label, last) if last else None
        if not token or last is None:
            return
        try:
            staff = await self.client.resume(token)
        except (ApiError, BackendUnreachable):
            secrets.forget_token(self.backend_label, last)
            return
        self.logged_in(staff, remember=False)

    def _set_online(self, online: bool) -> None:
        self.online = online

    @work(exclusive=True, group="health", exit_on_error=False)
    async def _poll_health(self) -> None:
        if self.connection is not None:
            was_online = self.online  # the client reports the answer too: what it was before
            online = await self.connection.client.health()
            if online and self.offline_session and not was_online:
                # Back during an offline session: offered, not forced (Ctrl+O, the header).
                self.notify(_("offline.back_online", n=self.pending_sync), timeout=30)
            self.online = online
            if self.online:
                await self._check_sandbox()

    async def _check_sandbox(self) -> None:
        """A demo session hears of a preset another trainer applied (``sandbox_notice``)."""
        from branchdesk.tui.sandbox_notice import NOTICE_SECONDS, notice_text

        if not self.demo or self.staff is None or self.sandbox_watch is None:
            return
        notice = await self.sandbox_watch.check(self.client, self.staff.id)
        if notice is not None:
            self.notify(notice_text(notice), severity="warning", timeout=NOTICE_SECONDS)

    # -- sessions ---------------------------------------------------------------------------
    async def sign_in(self, staff_id: str, password: str) -> SignIn:
        """Log in online; with the backend out of reach, a marketer who logged in online on
        this machine lately may work offline (the password checked against the keyring's
        verifier). Raises what the online login raised when offline work is not possible."""
        from datetime import UTC, datetime

        try:
            staff = await self.client.login(staff_id, password)
        except BackendUnreachable:
            check = await asyncio.to_thread(
                secrets.check_offline,
                self.backend_label,
                staff_id,
                password,
                datetime.now(UTC),
                self.options.offline_hours,
            )
            if check.reason == "none" and not self.keyring_ok:
                raise  # no keyring, no offline work: the backend is simply out of reach
            return SignIn(None, check)
        kept = False
        if OFFLINE_ROLE in staff.roles:
            record = {"id": staff.id, "name": staff.name, "branch": staff.branch}
            kept = await asyncio.to_thread(
                secrets.save_offline_verifier,
                self.backend_label,
                record,
                password,
                datetime.now(UTC),
            )
        return SignIn(staff, None, offline_kept=kept)

    def logged_in_offline(self, check: secrets.OfflineCheck) -> None:
        """An offline session: the marketer's workflow and the outbox, until the time is up."""
        from datetime import UTC, datetime, timedelta

        from branchdesk.clients.api import StaffInfo
        from branchdesk.clients.outbox import OutboxSync

        assert check.staff is not None and check.online_at is not None
        staff = StaffInfo(
            id=str(check.staff["id"]),
            name=str(check.staff.get("name", "")),
            roles=(OFFLINE_ROLE,),
            branch=str(check.staff.get("branch", "")),
        )
        self._expired_staff = None
        self.client.token = None
        self.client.staff = staff
        self.offline_session = True
        self.staff = staff
        self.online = False
        self.outbox_sync = OutboxSync.attach(
            self.client,
            self.options.store_dir(),
            partial(setattr, self, "pending_sync"),
            offline_session=True,
        )
        ends = check.online_at + timedelta(hours=self.options.offline_hours)
        left = max(1.0, (ends - datetime.now(UTC)).total_seconds())
        self._offline_timer = self.set_timer(left, self._offline_time_up)
        self.run_worker(self._fresh_main(), exit_on_error=False)

    _offline_timer: Timer | None = None
    _left_offline = False

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "online_login":  # only an offline session whose backend is back
            return bool(self.offline_session and self.online)
        if action in ("focus_next", "focus_previous"):
            return not _takes_tab(self.focused)
        if action == "enter_next_field":
            focused = self.focused
            return focused is not None and focused.has_class(NEXT_ON_ENTER)
        return super().check_action(action, parameters)

    def action_enter_next_field(self) -> None:
        """Enter in a field that leads to the next one: move there before the next key arrives
        (the field's own Submitted message would come after keys already typed ahead)."""
        self.screen.focus_next()

    def action_online_login(self) -> None:
        """The backend answers again during an offline session: log in online (which sends
        what waits); the login screen has the staff id filled in."""
        if self.offline_session and self.online:
            self._left_offline = True
            self.session_expired(reason=_("login.back_online", n=self.pending_sync))

    def _offline_time_up(self) -> None:
        if self.offline_session:
            self.session_expired(reason=_("login.offline_ended", hours=self.options.offline_hours))

    def _end_offline(self) -> None:
        if self._offline_timer is not None:
            self._offline_timer.stop()
            self._offline_timer = None
        self.offline_session = False

    def logged_in(self, staff: StaffInfo, *, remember: bool = True) -> None:
        from branchdesk.clients.outbox import OutboxSync
        from branchdesk.tui.sandbox_notice import SandboxWatch

        expired, self._expired_staff = self._expired_staff, None
        was_offline, self._left_offline = self.offline_session or self._left_offline, False
        self._end_offline()
        self.staff = staff
        self.online = True
        self.sandbox_watch = SandboxWatch()
        if self.demo:  # what is known at login is not news
            self.run_worker(self._check_sandbox(), group="sandbox", exit_on_error=False)
        # Changes queued while offline are replayed when the backend answers again.
        self.outbox_sync = OutboxSync.attach(
            self.client, self.options.store_dir(), partial(setattr, self, "pending_sync")
        )
        token = self.connection.client.token if self.connection else None
        if remember and token and secrets.save_token(self.backend_label, staff.id, token):
            secrets.save_token(self.backend_label, "_last_staff", staff.id)
        if OFFLINE_ROLE in staff.roles and self.keyring_ok:
            self.run_worker(self._keep_for_offline(), exit_on_error=False)
        if was_offline:
            # The offline session's screens read kept copies: fresh ones from the server.
            self.run_worker(self._fresh_main(), exit_on_error=False)
            return
        if expired is not None and expired != staff.id:
            # Another staff member after an expired session: nothing of the old one stays.
            self.run_worker(self._fresh_main(), exit_on_error=False)
            return
        self.switch_mode(self.main_mode)

    async def _keep_for_offline(self) -> None:
        """Keep the marketer's customers and checklists for a visit day without signal."""
        from branchdesk.clients.onboarding_api import OnboardingApi

        with contextlib.suppress(ApiError, BackendUnreachable):
            await OnboardingApi(self.client, self.outbox_sync).keep_for_offline()

    async def _fresh_main(self) -> None:
        await self.remove_mode(self.main_mode)
        self.add_mode(self.main_mode, _home_screen)
        await self.switch_mode(self.main_mode)

    _expired_staff: str | None = None

    def session_expired(self, message: str | None = None, *, reason: str | None = None) -> None:
        """A 401 from a screen: back to login; the screens of "main" stay as they were typed,
        so logging in again as the same staff member carries on where they were."""
        staff = self.staff
        if staff is None or self.current_mode != self.main_mode:
            return
        self._expired_staff = staff.id
        self._end_offline()
        secrets.forget_token(self.backend_label, staff.id)
        secrets.forget_token(self.backend_label, "_last_staff")
        self.staff = None

        async def to_login() -> None:
            await self.switch_mode("login")
            login = self.screen
            if hasattr(login, "session_expired"):
                login.session_expired(staff.id, reason or _("common.session_expired"))

        self.run_worker(to_login(), exit_on_error=False)

    def unexpected_error(self, exc: BaseException, where: str) -> None:
        """Logged with a reference number the user can quote; the app keeps running."""
        import logging
        import uuid

        from branchdesk.screens.common.error_panel import ErrorPanel

        reference = uuid.uuid4().hex[:8].upper()
        logging.getLogger("branchdesk.tui").error(
            "unexpected error %s in %s", reference, where, exc_info=exc
        )
        self.push_screen(ErrorPanel(reference))

    @work(exclusive=True, group="logout", exit_on_error=False)
    async def action_logout(self) -> None:
        staff = self.staff
        if staff is None:
            return
        if self.offline_session:
            self._end_offline()
            self.client.staff = None
        with contextlib.suppress(ApiError, BackendUnreachable):
            await self.client.logout()
        secrets.forget_token(self.backend_label, staff.id)
        secrets.forget_token(self.backend_label, "_last_staff")
        self.staff = None
        await self.switch_mode("login")
        # A fresh home stack for the next staff member: nothing of this session stays.
        await self.remove_mode(self.main_mode)
        self.add_mode(self.main_mode, _home_screen)
        login = self.screen
        if hasattr(login, "action_clear"):
            login.action_clear()

    # -- navigation -------------------------------------------------------------------------
    def open_workflow(self, workflow_id: str) -> None:
        workflow = by_id(workflow_id)
        if self.staff is None or not workflow.allowed(self.staff.roles):
            self.notify(_("home.not_allowed"), severity="error")
            return
        self.push_screen(workflow.screen_class()())

    def action_show_keys(self) -> None:
        from branchdesk.screens.common.keys_help import KeysHelpScreen

        if isinstance(self.screen, KeysHelpScreen):
            self.pop_screen()
            return
        title = _(getattr(self.screen, "TITLE_KEY", "app.name"))
        self.push_screen(KeysHelpScreen.for_screen(self.screen, title))

    def go_home(self) -> None:
        from branchdesk.screens.common.home import HomeScreen

        while len(self.screen_stack) > 1 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from branchdesk.tui.palette import Palette

        if self.use_command_palette and not CommandPalette.is_open(cast("App[object]", self)):
            self.push_screen(Palette())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if self.staff is not None:
            yield SystemCommand(_("palette.home"), _("palette.home_help"), self.go_home)
            for workflow in allowed_workflows(self.staff.roles):
                yield SystemCommand(
                    _(workflow.title_key),
                    _(workflow.help_key),
                    partial(self.open_workflow, workflow.id),
                )
            yield SystemCommand(_("palette.logout"), _("palette.logout_help"), self.action_logout)
        yield SystemCommand(_("palette.keys"), _("palette.keys_help"), self.action_show_keys)
        yield SystemCommand(_("palette.quit"), _("palette.quit_help"), self.exit)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        terminal.focused(self, event.widget)

    # -- terminal size ----------------------------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size.width, event.size.height)

    def _check_size(self, width: int, height: int) -> None:
        small = width < terminal.MIN_WIDTH or height < terminal.MIN_HEIGHT
        if not small and type(self.screen).__name__ != "TooSmallScreen":
            return
        from branchdesk.screens.common.too_small import TooSmallScreen

        if isinstance(self.screen, TooSmallScreen):
            if small:
                self.screen.update_size(width, height)
            else:
                self.pop_screen()
        elif small:
            self.push_screen(TooSmallScreen())

    # -- shutdown ---------------------------------------------------------------------------
    async def action_quit(self) -> None:
        from branchdesk.screens.common.confirm import ConfirmModal

        if self.pending_sync and not isinstance(self.screen, ConfirmModal):
            # Changes wait in the outbox: they stay on this machine, but the user should know.
            lines = [_("quit.pending_line", n=self.pending_sync), _("quit.pending_kept")]
            modal = ConfirmModal(_("quit.pending_title"), lines, _("quit.pending_confirm"))
            self.push_screen(modal, self._quit_answered)
            return
        await self._quit()

    def _quit_answered(self, yes: object) -> None:
        if yes is True:
            self.run_worker(self._quit(), exit_on_error=False)

    async def _quit(self) -> None:
        await self.close_connection()
        self.exit()

    async def close_connection(self) -> None:
        if self.connection is not None and self._injected is None:
            connection, self.connection = self.connection, None
            await connection.close()

    async def on_unmount(self) -> None:
        await self.close_connection()


if TYPE_CHECKING:

    def _satisfies_the_protocol(app: BranchdeskApp) -> AppProtocol:
        return app  # mypy: the App provides everything screens may use of it
