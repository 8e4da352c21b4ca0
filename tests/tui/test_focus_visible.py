"""The focused field stands out from its neighbours in every theme (issue 14: 235 on 234).

Measured on the rendered screen, after the App's line filters (NO_COLOR), at 80x24: the most
common cell style of the focused field against that of an unfocused field beside it. "Clearly"
is reverse video, or backgrounds with a contrast ratio of at least 2 (WCAG formula).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from rich.color import Color as RichColor
from rich.style import Style
from rich.terminal_theme import MONOKAI
from textual.color import Color
from textual.pilot import Pilot
from textual.widget import Widget

from branchdesk.clients.local.backend import Backend
from branchdesk.tui.app import BranchdeskApp
from support.tui import SIZE, login, make_app, wait_for

MODES = {
    "default": ({}, {}),
    "ansi": ({}, {"theme": "ansi"}),
    "no_color": ({"NO_COLOR": "1"}, {}),
}
MIN_CONTRAST = 2.0

RGB = tuple[int, int, int]


def _rgb(color: RichColor | None, foreground: bool) -> RGB:
    if color is None:
        color = RichColor.default()
    # A dark terminal (the app's themes are dark): its own default and 16 colours.
    triplet = color.get_truecolor(MONOKAI, foreground=foreground)
    return (triplet.red, triplet.green, triplet.blue)


def shown(style: Style | None) -> tuple[RGB, RGB]:
    """(background, foreground) as the terminal paints the cell: reverse swaps them."""
    style = style or Style()
    bg, fg = _rgb(style.bgcolor, False), _rgb(style.color, True)
    return (fg, bg) if style.reverse else (bg, fg)


def luminance(rgb: RGB) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def cell_style(app: BranchdeskApp, widget: Widget, text_only: bool = False) -> tuple[RGB, RGB]:
    """The most common painted (background, foreground) of the widget's cells: not the cursor.
    ``text_only``: of the cells that show a character (a blank cell's text colour is unseen)."""
    region = widget.content_region
    assert region.area, f"{widget!r} is not on screen"
    strips = app.screen._compositor.render_strips()
    counts: Counter[tuple[RGB, RGB]] = Counter()
    for y in range(region.y, region.bottom):
        segments = list(strips[y])
        for line_filter in app.get_line_filters():
            segments = line_filter.apply(segments, Color(0, 0, 0))
        x = 0
        for segment in segments:
            for char in segment.text:
                if region.x <= x < region.right and (char != " " or not text_only):
                    counts[shown(segment.style)] += 1
                x += 1
    return counts.most_common(1)[0][0] if counts else ((0, 0, 0), (0, 0, 0))


def assert_stands_out(
    app: BranchdeskApp, focused: Widget, others: list[Widget], where: str
) -> None:
    assert app.focused is focused, f"{where}: focus is on {app.focused!r}"
    mine = cell_style(app, focused)
    for other in others:
        theirs = cell_style(app, other)
        ratio = contrast(mine[0], theirs[0])
        assert ratio >= MIN_CONTRAST, (
            f"{where}: focused {focused.id} background {mine[0]} vs {other.id} {theirs[0]}: "
            f"contrast {ratio:.2f} < {MIN_CONTRAST}"
        )
    # The text (a placeholder, a value) stays readable inside the focused field.
    text = cell_style(app, focused, text_only=True)
    if text != ((0, 0, 0), (0, 0, 0)):
        assert contrast(*text) >= 3.0, f"{where}: focused text {text[1]} on {text[0]}"


async def settle(pilot: Pilot[Any]) -> None:
    """Styles follow focus on the next refreshes: let them land before reading the screen."""
    for _ in range(3):
        await pilot.pause(0.02)


async def walk_fields(pilot: Pilot[Any], ids: list[str], where: str) -> None:
    """Focus each field in turn (Tab order as the user moves): only the focused one stands out."""
    app: BranchdeskApp = pilot.app  # type: ignore[assignment]
    fields = [app.screen.query_one(f"#{i}", Widget) for i in ids]
    fields[0].focus()
    for index, field in enumerate(fields):
        if index:
            await pilot.press("tab")
            await wait_for(pilot, lambda field=field: app.focused is field)
        await settle(pilot)
        assert_stands_out(app, field, [f for f in fields if f is not field], f"{where} #{field.id}")


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_focused_field_is_visible(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    env, options = MODES[mode]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = make_app(backend, "en", **options)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await walk_fields(pilot, ["staff-id", "password"], f"login [{mode}]")
        await login(pilot, "s001")
        from branchdesk.screens.points.grant import PointsGrantScreen

        app.push_screen(PointsGrantScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, PointsGrantScreen))
        await pilot.pause()
        await walk_fields(
            pilot, ["grant-query", "grant-points", "grant-note"], f"points.grant [{mode}]"
        )


def test_the_measure_flags_what_the_issue_saw() -> None:
    """Background 235 on 234 (xterm greys #262626 on #1c1c1c) is not a visible focus."""
    assert contrast((0x26, 0x26, 0x26), (0x1C, 0x1C, 0x1C)) < MIN_CONTRAST
    assert shown(Style(color="white", bgcolor="black", reverse=True))[0] == _rgb(
        RichColor.parse("white"), True
    )
    # A reversed cell without colours shows the terminal's text colour as its background.
    assert contrast(shown(Style(reverse=True))[0], shown(Style())[0]) >= MIN_CONTRAST


@pytest.mark.parametrize("mode", sorted(MODES))
async def test_focused_field_is_visible_on_the_offline_onboarding_screens(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, mode: str, login_as: Any
) -> None:
    """The marketer's offline visit day: customer list, form and checklist item, offline."""
    from branchdesk.screens.onboarding.checklist import ChecklistScreen
    from branchdesk.screens.onboarding.customer_form import CustomerFormScreen
    from branchdesk.screens.onboarding.customers import CustomersScreen
    from branchdesk.screens.onboarding.item import ItemModal
    from support.backend import DEMO_PASSWORD
    from support.offline import FlakyNetwork, app_over, memory_keyring, online_day_before
    from support.offline import type_login as type_offline_login

    memory_keyring()
    env, options = MODES[mode]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    network = FlakyNetwork(backend)
    from onboarding.conftest import valid_customer

    await online_day_before(network, "en", login_as, valid_customer(name="Focus Customer"))
    network.down = True
    app = app_over(network, "en", **options)
    async with app.run_test(size=SIZE) as pilot:
        await type_offline_login(pilot, "m001", DEMO_PASSWORD)
        await wait_for(pilot, lambda: app.offline_session and app.staff is not None)
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        await pilot.pause()
        await walk_fields(pilot, ["onb-search", "onb-area"], f"onb.customers offline [{mode}]")
        app.push_screen(CustomerFormScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, CustomerFormScreen))
        await pilot.pause()
        await walk_fields(
            pilot, ["f-name", "f-id_number", "f-mobile", "f-area"], f"onb.form offline [{mode}]"
        )
        customer = next(iter(app.outbox_sync.outbox.recall("m001", "local", "customers")))
        app.pop_screen()
        app.push_screen(ChecklistScreen(customer))
        await wait_for(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        checklist = app.screen
        await wait_for(pilot, lambda: checklist.data is not None)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ItemModal))
        await pilot.pause()
        await walk_fields(pilot, ["i-status", "i-note"], f"onb.item offline [{mode}]")
