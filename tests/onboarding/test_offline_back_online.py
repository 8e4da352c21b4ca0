"""Pilot at 80x24: the backend comes back during an offline session (a real ``branchdesk serve``
stopped and started again on the same loopback port). The health poll notices; the app offers
an online login (header, a notice, Ctrl+O), does not force it, and the online login syncs."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from branchdesk.clients.api import Action
from branchdesk.clients.onboarding_api import OnboardingApi
from branchdesk.screens.common.home import HomeScreen
from branchdesk.screens.common.login import LoginScreen
from branchdesk.tui import app as app_module
from branchdesk.tui.app import BranchdeskApp
from branchdesk.tui.options import AppOptions
from support.backend import DEMO_PASSWORD, ServedBackend
from support.offline import type_login
from support.tui import SIZE, focus, login, screen_text, wait_for

HINT = {"en": "OFFLINE·Ctrl+O log in", "zh-CN": "离线·Ctrl+O 在线登录"}
NOTICE = {"en": "The backend answers again", "zh-CN": "后台又能连上了"}


def _app(url: str, lang: str) -> BranchdeskApp:
    return BranchdeskApp(AppOptions(lang=lang, api_url=url, cursor_blink=False))


def _kept(app: BranchdeskApp) -> dict[str, Any]:
    sync = app.outbox_sync
    return (sync.outbox.recall("m001", app.backend_label, "customers") if sync else None) or {}


def header(app) -> str:
    """The header line as drawn ("" until the screen has drawn a frame)."""
    lines = screen_text(app).splitlines()
    return lines[0] if lines else ""


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_the_backend_back_during_an_offline_session_is_offered_then_synced(
    tmp_path, ring, monkeypatch, lang
):
    monkeypatch.setattr(app_module, "HEALTH_INTERVAL", 0.3)
    data = tmp_path / "served-data"
    server = ServedBackend(data)
    try:
        app = _app(server.url, lang)
        async with app.run_test(size=SIZE) as pilot:
            await login(pilot, "m001")
            await wait_for(pilot, lambda: bool(_kept(app)), timeout=30)
            customer = next(iter(_kept(app).values()))
        server.stop()  # the shop without signal

        app = _app(server.url, lang)
        async with app.run_test(size=SIZE) as pilot:
            await type_login(pilot, "m001", DEMO_PASSWORD)
            await wait_for(
                pilot, lambda: app.offline_session and isinstance(app.screen, HomeScreen)
            )
            area = "安龙" if customer["area"] != "安龙" else "桔山"
            api = OnboardingApi(app.client, app.outbox_sync)
            await api.update_customer(customer["id"], {"area": area}, customer["version"], Action())
            await wait_for(pilot, lambda: app.pending_sync == 1)
            await pilot.press("ctrl+o")  # nothing to offer while the backend is away
            await pilot.pause(0.5)
            assert app.offline_session and HINT[lang] not in screen_text(app)

            server = ServedBackend(data, port=server.port)  # the signal is back
            await wait_for(pilot, lambda: HINT[lang] in header(app), 30)
            assert any(NOTICE[lang] in n.message for n in app._notifications)
            await pilot.pause(1.0)  # offered, not forced: the offline session goes on
            assert app.offline_session and isinstance(app.screen, HomeScreen)
            assert app.pending_sync == 1

            await pilot.press("ctrl+o")
            await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
            login_screen = app.screen
            assert login_screen.query_one("#staff-id", Input).value == "m001"
            assert NOTICE[lang] in str(login_screen.query_one("#login-status").render())
            await focus(pilot, "#password")
            await pilot.press(*DEMO_PASSWORD, "enter")
            await wait_for(pilot, lambda: app.staff is not None and not app.offline_session)
            await wait_for(pilot, lambda: app.pending_sync == 0, 30)
            await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
            # The home screen may be current a frame before it is drawn.
            await wait_for(pilot, lambda: bool(header(app)))
            assert "OFFLINE" not in header(app)
        check = server.client()
        try:
            await check.login("m001", DEMO_PASSWORD)
            assert (await OnboardingApi(check).customer(customer["id"]))["area"] == area
        finally:
            await check.aclose()
    finally:
        server.stop()
