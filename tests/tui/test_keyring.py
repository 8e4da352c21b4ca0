"""API tokens live in the OS keyring; with none, nothing is kept and the user is told why."""

from __future__ import annotations

import keyring
from textual.widgets import Static

from branchdesk.clients.local.backend import Backend
from branchdesk.screens.common.home import HomeScreen
from branchdesk.screens.common.login import LoginScreen
from branchdesk.tui import secrets
from support.offline import MemoryKeyring
from support.tui import SIZE, login, make_app, wait_for


async def test_the_token_is_kept_in_the_keyring_and_resumes_the_session(
    backend: Backend,
) -> None:
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    assert secrets.keyring_available()
    first = make_app(backend)
    async with first.run_test(size=SIZE) as pilot:
        await login(pilot, "m001")
        token = first.client.token
    assert ring.items[("branchdesk", "local|m001")] == token
    assert ring.items[("branchdesk", "local|_last_staff")] == "m001"
    # A new process: straight to home with the kept token, no password asked.
    second = make_app(backend)
    async with second.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(second.screen, HomeScreen))
        assert second.staff is not None and second.staff.id == "m001"
        await pilot.press("f10")
        await wait_for(pilot, lambda: isinstance(second.screen, LoginScreen))
    assert ("branchdesk", "local|m001") not in ring.items


async def test_an_expired_kept_token_falls_back_to_the_login_screen(backend: Backend) -> None:
    ring = MemoryKeyring()
    ring.items[("branchdesk", "local|_last_staff")] = "m001"
    ring.items[("branchdesk", "local|m001")] = "not-a-valid-token"
    keyring.set_keyring(ring)
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
    assert ("branchdesk", "local|m001") not in ring.items


async def test_without_a_keyring_nothing_is_kept_and_the_login_screen_says_why(
    backend: Backend,
) -> None:
    # conftest installs the null keyring: no usable backend, as over headless SSH.
    assert not secrets.keyring_available()
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()
        notice = str(app.screen.query_one("#keyring-notice", Static).render())
        assert "asked for your password each session" in notice
        await login(pilot, "k001")
    assert secrets.load_token("local", "k001") is None
