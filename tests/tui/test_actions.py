"""The action mechanism of every screen (screens/common/actions.py), over the real API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from branchdesk.clients.api import ApiClient
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.settings import Settings
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.error_panel import ErrorPanel
from branchdesk.screens.common.login import LoginScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine
from support.backend import DEMO_PASSWORD, FakeClock, free_port, make_backend
from support.tui import SIZE, make_app, wait_for


class ProbeScreen(BaseScreen):
    BINDINGS = [Binding("f2", "send", "keys.open", id="probe.send")]

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.calls = 0
        self.results: list[Any] = []
        self.failures: list[str] = []

    def compose_body(self) -> ComposeResult:
        yield Input(id="typed")
        yield StatusLine("", id="probe-status")

    async def slow_meta(self) -> Any:
        self.calls += 1
        await self.gate.wait()
        return await self.client.meta()

    def action_send(self) -> None:
        self.call_api("send", self.slow_meta, self.results.append, write=True)

    def read(self) -> None:
        self.call_api("read", self.slow_meta, self.results.append)


def _status(app) -> str:
    return str(app.screen.query_one(StatusLine).render())


async def _probe(pilot, backend_app) -> ProbeScreen:
    app = pilot.app
    await wait_for(pilot, lambda: app.ready and app.meta is not None, 15)
    app.screen.query_one("#staff-id").focus()
    await pilot.pause()
    await pilot.press(*"k001", "enter", *DEMO_PASSWORD, "enter")
    await wait_for(pilot, lambda: app.staff is not None, 15)
    screen = ProbeScreen()
    await app.push_screen(screen)
    await pilot.pause()
    return screen


@asynccontextmanager
async def _probing(
    lang: str, backend: Backend | None = None
) -> AsyncIterator[tuple[Any, Any, ProbeScreen]]:
    """The App over ``backend`` (a fresh demo one when not given) in ``lang``, running, with
    k001 logged in on the probe screen."""
    app = make_app(make_backend() if backend is None else backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        yield app, pilot, await _probe(pilot, app)


async def test_keys_disabled_while_a_write_runs_and_a_second_press_sends_nothing():
    async with _probing("en") as (app, pilot, screen):
        await pilot.press("f2")
        await wait_for(pilot, lambda: screen.busy("send"))
        assert screen.check_action("send", ()) is None  # greyed in the Footer
        await pilot.press("f2")
        screen.action_send()  # even a direct second start (an Enter handler) is refused
        await pilot.pause(0.4)
        assert screen.calls == 1
        assert _status(app) in (_("common.working"), _("common.busy"))
        await pilot.press("escape")  # a write is not cancelled: it is left to finish
        await pilot.pause()
        assert app.screen is screen and _status(app) == _("common.wait_write")
        screen.gate.set()
        await wait_for(pilot, lambda: screen.results)
        assert screen.check_action("send", ()) is True
        assert screen.calls == 1


async def test_progress_after_a_moment_and_esc_cancels_a_read():
    async with _probing("en") as (app, pilot, screen):
        screen.read()
        await pilot.pause(0.1)
        assert _status(app) == ""  # no flicker for a quick answer
        await wait_for(pilot, lambda: _status(app) == _("common.working"))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen  # Esc cancelled the read, it did not leave the screen
        assert _status(app) == _("common.cancelled") and not screen.busy()
        screen.gate.set()
        await pilot.pause(0.2)
        assert screen.results == []


async def test_api_error_unreachable_and_unexpected_errors():
    async with _probing("zh-CN") as (app, pilot, screen):
        # The server's refusal, in the UI language.
        screen.call_api("x", lambda: screen.client.get("/v1/members", phone="13800138999"))
        await wait_for(pilot, lambda: "-error" in screen.query_one(StatusLine).classes)
        assert _status(app) and _status(app) != _("common.unreachable")
        # A backend that does not answer: the one shared text.
        far = ApiClient(f"http://127.0.0.1:{free_port()}", retry_delay=0.01)
        screen.call_api("y", lambda: far.get("/v1/health"), failed=screen.failures.append)
        await wait_for(pilot, lambda: screen.failures)
        assert _status(app) == _("common.unreachable")
        await far.aclose()

        # Anything else: a panel with a reference number; the app keeps running.
        async def broken() -> None:
            raise KeyError("surprise")

        screen.call_api("z", broken)
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorPanel))
        reference = app.screen.reference
        assert reference in str(app.screen.query_one("#error-ref").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        assert reference in _status(app)
        assert app.is_running


async def test_expired_session_goes_to_login_and_keeps_what_was_typed():
    clock = FakeClock()
    backend = make_backend(settings=Settings(clock=clock, session_hours=1))
    async with _probing("en", backend) as (app, pilot, screen):
        screen.query_one("#typed", Input).value = "half-typed note"
        clock.advance(minutes=61)
        screen.call_api("me", lambda: screen.client.get("/v1/sessions/current"))
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.pause()
        assert _("common.session_expired") in str(app.screen.query_one("#login-status").render())
        assert app.screen.query_one("#staff-id", Input).value == "k001"
        assert app.focused is app.screen.query_one("#password")
        await pilot.press(*DEMO_PASSWORD, "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProbeScreen))
        assert app.screen is screen
        assert screen.query_one("#typed", Input).value == "half-typed note"


async def test_f1_lists_the_apps_own_keys_grouped_in_the_ui_language():
    from branchdesk.screens.common.keys_help import KeysHelpScreen

    async with _probing("zh-CN") as (app, pilot, screen):
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, KeysHelpScreen))
        rows = app.screen.rows
        text = " ".join(f"{k} {d}" for k, d in rows)
        for internal in ("super+c", "Page Left", "Scroll Up", "scroll", "Copy"):
            assert internal not in text
        assert rows[0][0].endswith(_("keys_help.group_screen"))
        assert any(d == _("keys.open") for _k, d in rows)  # the probe's own F2
        assert any(k.endswith(_("keys_help.group_app")) for k, _d in rows)
        assert screen is not app.screen
