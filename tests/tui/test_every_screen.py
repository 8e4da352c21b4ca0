"""Every screen at 80x24 in both languages, without colour and in 16 colours with ASCII borders.

The screens come from ``tui/workflows.py`` WORKFLOWS, so a workflow added later is covered
without touching this file: its first screen is opened from the home screen by a demo account
whose role may open it, then checked for what breaks on thin terminals — an exception, a
horizontal scrollbar, a widget cut at the right edge, a missing Footer, box-drawing glyphs in
ASCII mode — and resized below 80x24 and back.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from textual import containers
from textual.pilot import Pilot
from textual.scroll_view import ScrollView
from textual.widget import Widget
from textual.widgets import Footer, OptionList

from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.sessions_routes import DEMO_ACCOUNTS
from branchdesk.screens.common.home import HomeScreen
from branchdesk.screens.common.login import LoginScreen
from branchdesk.screens.common.too_small import TooSmallScreen
from branchdesk.tui.app import BranchdeskApp
from branchdesk.tui.terminal_ascii import BLOCK_ELEMENTS, BOX_DRAWING
from branchdesk.tui.workflows import WORKFLOWS, Workflow, allowed_workflows
from support.tui import SIZE, login, make_app, wait_for
from support.tui import screen_text as support_screen_text

# Log in as few times as possible (password hashing is slow on purpose): the supervisor may open
# most workflows; any other workflow is opened by the first demo account whose role may.
ROLE_ORDER = ("supervisor", "clerk", "cashier", "marketer", "trainer")
ACCOUNT_OF_ROLE = {role: staff_id for staff_id, role in DEMO_ACCOUNTS}

MODES = {
    # Textual's Monochrome/NoColor filters: every state must show without colour.
    "no_color": {"env": {"NO_COLOR": "1"}, "options": {}},
    # The terminal's 16-colour palette and ASCII borders (Linux console, CJK-width terminals).
    "ansi_ascii": {"env": {}, "options": {"theme": "ansi", "ascii": True}},
}
LAYOUT_CONTAINERS = tuple(
    obj
    for obj in vars(containers).values()
    if isinstance(obj, type) and issubclass(obj, Widget) and obj.__module__ == containers.__name__
)


def account_for(workflow: Workflow) -> str:
    for role in ROLE_ORDER:
        if role in workflow.roles and role in ACCOUNT_OF_ROLE:
            return ACCOUNT_OF_ROLE[role]
    raise AssertionError(f"no demo account may open {workflow.id}")


def workflows_by_account() -> dict[str, list[Workflow]]:
    grouped: dict[str, list[Workflow]] = {ACCOUNT_OF_ROLE["supervisor"]: []}
    for workflow in WORKFLOWS:
        grouped.setdefault(account_for(workflow), []).append(workflow)
    return grouped


def screen_text(app: BranchdeskApp) -> str:
    """The screen as the terminal shows it (after the App's line filters)."""
    return support_screen_text(app)


async def settle(pilot: Pilot[Any], timeout: float = 5.0) -> None:
    """Let the screen's own workers (loading its data) finish, then draw."""
    app = pilot.app
    screen = app.screen

    def busy() -> bool:
        for worker in app.workers:
            node = worker.node
            mine = node is screen or (isinstance(node, Widget) and screen in node.ancestors)
            if mine and worker.is_running:
                return True
        return False

    deadline = time.monotonic() + timeout
    while busy() and time.monotonic() < deadline:
        await pilot.pause(0.02)
    await pilot.pause()


async def open_from_home(pilot: Pilot[Any], workflow: Workflow) -> None:
    app = pilot.app
    assert isinstance(app.screen, HomeScreen)
    roles = app.staff.roles
    index = [w.id for w in allowed_workflows(roles)].index(workflow.id)
    if index < 9:
        await pilot.press(str(index + 1))
    else:
        app.screen.query_one("#workflows", OptionList).focus()
        await pilot.press("home", *["down"] * index, "enter")
    screen_class = workflow.screen_class()
    await wait_for(pilot, lambda: isinstance(app.screen, screen_class))


def assert_fits(app: BranchdeskApp, where: str) -> None:
    screen = app.screen
    width, height = app.size
    footers = list(screen.query(Footer))
    assert footers, f"{where}: no Footer"
    footer = footers[0]
    assert footer.display and footer.region.height >= 1, f"{where}: Footer hidden"
    assert footer.region.bottom == height, f"{where}: Footer at {footer.region}, not at the bottom"
    assert footer in screen._compositor.visible_widgets, f"{where}: Footer covered"
    assert footer.virtual_size.width <= footer.size.width, (
        f"{where}: Footer keys cut off ({footer.virtual_size.width} > {footer.size.width})"
    )
    # The screen and its layout containers never scroll sideways (a wide table may, inside).
    for widget in [screen, *screen.query("*")]:
        is_layout = widget is screen or (
            isinstance(widget, LAYOUT_CONTAINERS) and not isinstance(widget, (Footer, ScrollView))
        )
        if is_layout and widget.display and widget.show_horizontal_scrollbar:
            raise AssertionError(f"{where}: {widget!r} scrolls horizontally")
    for widget, (region, clip) in screen._compositor.visible_widgets.items():
        if region.width == 0:
            continue
        assert region.right <= width, f"{where}: {widget!r} runs past the right edge {region}"
        assert region.x >= clip.x and region.right <= clip.right, (
            f"{where}: {widget!r} cut at the side: {region} in {clip}"
        )


def assert_no_box_glyphs(text: str, where: str) -> None:
    bad = sorted({c for c in text if ord(c) in BOX_DRAWING or ord(c) in BLOCK_ELEMENTS})
    assert not bad, f"{where}: box/block glyphs in ASCII mode: {''.join(bad)}\n{text}"


async def check_screen(pilot: Pilot[Any], where: str, mode: str, problems: list[str]) -> None:
    """Record what is wrong with the current screen; resize it too small and back."""
    app = pilot.app
    expected = type(app.screen)
    try:
        await settle(pilot)
        assert_fits(app, where)
        text = screen_text(app)
        assert text.strip(), f"{where}: blank screen"
        if MODES[mode]["options"].get("ascii"):
            assert_no_box_glyphs(text, where)
        if mode == "no_color":
            # Too small: the polite notice; back to size: the same screen, still fitting.
            for size in ((79, 24), (60, 20)):
                await pilot.resize_terminal(*size)
                await pilot.pause()
                assert isinstance(app.screen, TooSmallScreen), f"{where}: no notice at {size}"
            await pilot.resize_terminal(*SIZE)
            await settle(pilot)
            assert type(app.screen) is expected, f"{where}: not back after resizing"
            assert_fits(app, f"{where} after resizing")
    except AssertionError as exc:
        problems.append(str(exc))


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_every_screen_fits_80x24(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, lang: str, mode: str
) -> None:
    for name, value in MODES[mode]["env"].items():
        monkeypatch.setenv(name, value)
    app = make_app(backend, lang, **MODES[mode]["options"])
    problems: list[str] = []
    seen: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        assert isinstance(app.screen, LoginScreen)
        await check_screen(pilot, f"login [{lang}, {mode}]", mode, problems)
        seen.append("login")
        for staff_id, workflows in workflows_by_account().items():
            if not isinstance(app.screen, LoginScreen):
                await pilot.press("f10")
                await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
            await login(pilot, staff_id)
            assert isinstance(app.screen, HomeScreen)
            if staff_id == ACCOUNT_OF_ROLE["supervisor"]:
                await check_screen(pilot, f"home [{lang}, {mode}]", mode, problems)
                seen.append("home")
            for workflow in workflows:
                await open_from_home(pilot, workflow)
                await check_screen(pilot, f"{workflow.id} [{lang}, {mode}]", mode, problems)
                seen.append(workflow.id)
                app.go_home()
                await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
    assert app.return_code in (None, 0)
    assert sorted(seen) == sorted(["login", "home", *(w.id for w in WORKFLOWS)])
    assert not problems, "\n\n".join(problems)
