"""Snapshots of the login and home screens at 80x24 in zh-CN and en (review the SVG report)."""

from __future__ import annotations

from typing import Any

import pytest

from branchdesk.clients.local.backend import Backend
from support.tui import SIZE, login, make_app, wait_for


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_login_screen(snap_compare: Any, backend: Backend, lang: str) -> None:
    app = make_app(backend, lang)

    async def ready(pilot: Any) -> None:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_home_screen(snap_compare: Any, backend: Backend, lang: str) -> None:
    app = make_app(backend, lang)

    async def logged_in(pilot: Any) -> None:
        await login(pilot, "s001")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=logged_in)


def test_keys_help(snap_compare: Any, backend: Backend) -> None:
    app = make_app(backend, "zh-CN")

    async def keys(pilot: Any) -> None:
        await login(pilot, "k001")
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=keys)
