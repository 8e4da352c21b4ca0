"""Snapshots of the login and home screens at 80x24 in zh-CN and en (review the SVG report)."""

from __future__ import annotations

from typing import Any

import pytest

from branchdesk.clients.local.backend import Backend
from support.tui import login, make_app, snapshot_matches, wait_for


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_login_screen(snap_compare: Any, backend: Backend, lang: str) -> None:
    app = make_app(backend, lang)

    async def ready(pilot: Any) -> None:
        await wait_for(pilot, lambda: app.ready)

    assert snapshot_matches(snap_compare, app, ready)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_home_screen(snap_compare: Any, backend: Backend, lang: str) -> None:
    app = make_app(backend, lang)

    async def logged_in(pilot: Any) -> None:
        await login(pilot, "s001")

    assert snapshot_matches(snap_compare, app, logged_in)


def test_keys_help(snap_compare: Any, backend: Backend) -> None:
    app = make_app(backend, "zh-CN")

    async def keys(pilot: Any) -> None:
        await login(pilot, "k001")
        await pilot.press("f1")

    assert snapshot_matches(snap_compare, app, keys)
