"""Driving the real App in Pilot tests, over the real client and the in-process backend."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from textual.pilot import Pilot

from branchdesk.clients.local.backend import Backend
from branchdesk.tui.app import BranchdeskApp
from branchdesk.tui.connect import Connection
from branchdesk.tui.options import AppOptions
from branchdesk.tui.tour_runner import TICK
from support.backend import DEMO_PASSWORD, asgi_client

SIZE = (80, 24)
TOUR_SPEED = TICK
"""Auto-play in tests: each step is read for one tick of the runner. The runner counts a
step's reading time only from when its panel stands laid out beside its target (and records
that layout and highlight first), so every step is still shown and checked; a longer read
would only add wall time (0.25 s per step made the tour tests the slowest of the suite)."""


def make_app(backend: Backend, lang: str = "en", **options: object) -> BranchdeskApp:
    """The App over the in-process backend; the cursor never blinks, so frames are stable."""
    connection = Connection(asgi_client(backend, lang))
    settings: dict[str, object] = {"cursor_blink": False, **options}
    return BranchdeskApp(AppOptions(lang=lang, **settings), connection=connection)  # type: ignore[arg-type]


@asynccontextmanager
async def running_app(
    backend: Backend,
    lang: str = "en",
    staff_id: str | None = None,
    *,
    size: tuple[int, int] = SIZE,
    **options: object,
) -> AsyncIterator[tuple[BranchdeskApp, Pilot[object]]]:
    """``make_app(backend, lang, **options)`` running under Pilot at ``size``; logged in as
    ``staff_id`` first when one is given."""
    app = make_app(backend, lang, **options)
    async with app.run_test(size=size) as pilot:
        if staff_id is not None:
            await login(pilot, staff_id)
        yield app, pilot


async def wait_for(pilot: Pilot[object], predicate: object, timeout: float = 15.0) -> None:
    """Let the app run until ``predicate()`` holds (workers finish), or fail after ``timeout``.

    The timeout is generous on purpose: it only matters when something is wrong, and a
    machine running the suite on every core is slow, not broken.
    """
    import time

    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            screen = pilot.app.screen
            try:
                status = screen.query_one("#login-status").render()
            except Exception:  # noqa: BLE001 - only for the failure message
                status = None
            raise AssertionError(
                f"condition not reached in {timeout}s: {predicate}; screen={screen} "
                f"focused={pilot.app.focused} login-status={status!r}"
            )
        await pilot.pause(0.02)


async def focus(pilot: Pilot[object], selector: str) -> None:
    """Focus a widget by query (a click could land before a layout settles)."""
    pilot.app.screen.query_one(selector).focus()
    await pilot.pause()


async def open_workflow(pilot: Pilot[object], workflow_id: str, screen_class: type) -> Any:
    """Open a workflow as the home menu does; returns its screen once it is up and settled."""
    pilot.app.open_workflow(workflow_id)  # type: ignore[attr-defined]
    return await shown(pilot, screen_class)


async def push(pilot: Pilot[object], screen: Any) -> Any:
    """Push ``screen`` and return it once it is up and settled."""
    pilot.app.push_screen(screen)
    return await shown(pilot, type(screen))


async def shown(pilot: Pilot[object], screen_class: type) -> Any:
    """Wait until a ``screen_class`` screen is the current one and settled; returns it."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_class))
    await pilot.pause()
    return pilot.app.screen


async def login(pilot: Pilot[object], staff_id: str, password: str = DEMO_PASSWORD) -> None:
    """Log in as a test's set-up: the fields are filled, Enter submits as a user's would.

    Typing the two fields key by key is the login screen's own test (test_login_home); here
    it would only add a Pilot round trip per character to every test.
    """
    from textual.widgets import Input

    app = pilot.app
    await wait_for(pilot, lambda: app.ready and app.meta is not None)
    app.screen.query_one("#staff-id", Input).value = staff_id
    app.screen.query_one("#password", Input).value = password
    await focus(pilot, "#password")
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.staff is not None)
    await pilot.pause()


def screen_text(app: object) -> str:
    """The screen as the terminal shows it: the compositor's lines after the App's line filters."""
    from textual.color import Color

    lines = []
    for strip in app.screen._compositor.render_strips():  # type: ignore[attr-defined]
        segments = list(strip)
        for line_filter in app.get_line_filters():  # type: ignore[attr-defined]
            segments = line_filter.apply(segments, Color(0, 0, 0))
        lines.append("".join(segment.text for segment in segments))
    return "\n".join(lines)


def snapshot_matches(
    snap_compare: Callable[..., bool],
    app: BranchdeskApp,
    steps: Callable[[Pilot[object]], Awaitable[None]],
    size: tuple[int, int] = SIZE,
) -> bool:
    """``app`` at ``size`` after ``steps`` and one more pause (the last frame settled) looks as
    its stored snapshot does."""

    async def run_before(pilot: Pilot[object]) -> None:
        await steps(pilot)
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=run_before)
