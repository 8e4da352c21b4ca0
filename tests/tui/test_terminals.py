"""Thin terminals: TERM=xterm-256color, xterm, vt100, linux through a real pty; NO_COLOR; the
16-colour theme; ASCII glyphs; slow-link mode; and the options that switch them on."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest
from textual.widgets import Input

from branchdesk.__main__ import build_parser
from branchdesk.clients.local.backend import Backend
from branchdesk.tui import i18n, terminal
from branchdesk.tui.app import HEALTH_INTERVAL
from branchdesk.tui.options import load_options
from branchdesk.tui.terminal_ascii import ASCII_TABLE, to_ascii
from support.ssh import PtySession
from support.tui import SIZE, make_app, screen_text, wait_for

BOX_OR_BLOCK = re.compile("[\u2500-\u259f]")
COLOUR_SGR = re.compile(r"\x1b\[[0-9;]*(?:3[0-7]|4[0-7]|9[0-7]|10[0-7]|[34]8;[25])[;m]")


def _en(key: str) -> str:
    return i18n.catalog()[key]["en"]


def _run(tmp_path: Path, term: str, *flags: str, **env: str) -> PtySession:
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TERM": term,
        "LANG": "C.UTF-8",
        "BRANCHDESK_CONFIG_DIR": str(tmp_path / "config"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        **env,
    }
    argv = [
        sys.executable,
        "-m",
        "branchdesk",
        "--lang",
        "en",
        "--data",
        str(tmp_path / "d"),
        *flags,
    ]
    session = PtySession(argv, environ, size=SIZE)
    session.expect(_en("login.title"), timeout=30)
    session.expect(_en("login.ready"), timeout=30)
    session.quiet(0.3, timeout=3)  # a blinking cursor is never quiet for longer than 0.5 s
    return session


def _quit(session: PtySession) -> None:
    try:
        session.send("ctrl+q")
        assert session.wait(15) == 0
    finally:
        session.close()


# -- real terminals -----------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    ("term", "flags", "env"),
    [
        ("xterm-256color", (), {}),
        ("xterm", ("--slow-link",), {}),
        ("vt100", ("--ascii", "--theme", "ansi"), {"NO_COLOR": "1"}),
        ("linux", ("--ascii", "--theme", "ansi"), {}),
    ],
)
def test_the_login_screen_on_each_terminal_type(
    tmp_path: Path, term: str, flags: tuple[str, ...], env: dict[str, str]
) -> None:
    session = _run(tmp_path, term, *flags, **env)
    try:
        rows, columns = session.cursor_extent()
        assert 1 <= rows <= 24 and 1 <= columns <= 80, (rows, columns)
        written = session.output.decode("utf-8", "replace")
        if "--ascii" in flags:
            assert not BOX_OR_BLOCK.findall(written), set(BOX_OR_BLOCK.findall(written))
        if env.get("NO_COLOR") and "ansi" in flags:
            assert not COLOUR_SGR.findall(written), set(COLOUR_SGR.findall(written))
        if "--slow-link" in flags:
            # Nothing is redrawn while nobody types, not even a blinking cursor.
            mark = session.mark()
            time.sleep(1.5)
            assert session.since(mark) == b""
    finally:
        _quit(session)


@pytest.mark.slow
def test_a_blinking_cursor_is_the_only_idle_redraw_without_slow_link(tmp_path: Path) -> None:
    session = _run(tmp_path, "xterm-256color")
    try:
        mark = session.mark()
        time.sleep(1.3)
        idle = session.since(mark)
        # Default mode blinks (so the slow-link check above measures something), and the
        # blink is a few bytes, never a full redraw.
        assert 0 < len(idle) < 600, len(idle)
    finally:
        _quit(session)


# -- in-process: what each mode changes -----------------------------------------------------------
async def test_slow_link_turns_off_animation_and_cursor_blink(backend: Backend) -> None:
    app = make_app(backend, slow_link=True, cursor_blink=True)  # slow_link alone turns it off
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()
        assert app.animation_level == "none"
        staff_id = app.screen.query_one("#staff-id", Input)
        assert staff_id.has_focus and staff_id.cursor_blink is False
        await pilot.press("tab")
        assert app.focused is not None and getattr(app.focused, "cursor_blink", False) is False
    assert terminal.health_interval(app.options, HEALTH_INTERVAL) >= 60


async def test_default_mode_keeps_animation_and_blink(backend: Backend) -> None:
    app = make_app(backend, cursor_blink=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        assert app.animation_level != "none"
        assert app.screen.query_one("#staff-id", Input).cursor_blink is True
    assert terminal.health_interval(app.options, HEALTH_INTERVAL) == HEALTH_INTERVAL


async def test_the_test_harness_keeps_the_cursor_steady(backend: Backend) -> None:
    # Snapshots and Pilot tests must not depend on when a blink happens to flip the cursor.
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()
        assert app.screen.query_one("#staff-id", Input).cursor_blink is False
        assert app.animation_level != "none"


async def test_ansi_theme_uses_the_terminal_palette(backend: Backend) -> None:
    app = make_app(backend, theme="ansi")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        assert app.theme == terminal.ANSI_THEME
        assert app.current_theme.ansi
        variables = app.current_theme.variables
        assert variables["border-blurred"] != "ansi_black"  # visible on a black terminal


@pytest.mark.parametrize("theme", ["branchdesk", "ansi"])
async def test_no_color_shows_cursors_in_reverse_video(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, theme: str
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(backend, theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        assert app.no_color and app.theme.endswith("-no-color")
        staff_id = app.screen.query_one("#staff-id", Input)
        assert "reverse" in str(staff_id.get_component_rich_style("input--cursor"))


async def test_ascii_mode_draws_the_login_box_in_ascii(backend: Backend) -> None:
    app = make_app(backend, ascii=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()
        text = screen_text(app)
        assert "+----" in text and "|" in text, text
        assert not BOX_OR_BLOCK.findall(text), text


def test_every_ascii_stand_in_is_one_ascii_cell() -> None:
    for code, replacement in ASCII_TABLE.items():
        assert len(replacement) == 1 and replacement.isascii(), hex(code)
    assert to_ascii("╭─┬─╮│┃║╰─┴─╯") == "+-+-+|||+-+-+"
    assert to_ascii("▁▃▅▇█") == "_:+##"
    assert to_ascii("李建国 — 营业员 ● 已连接") == "李建国 - 营业员 * 已连接"


# -- options ----------------------------------------------------------------------------------
def test_flags_on_the_main_and_demo_commands() -> None:
    args = build_parser().parse_args(["--ascii", "--slow-link", "--theme", "ansi"])
    assert (args.ascii, args.slow_link, args.theme) == (True, True, "ansi")
    args = build_parser().parse_args(["demo", "--ascii", "--slow-link"])
    assert (args.ascii, args.slow_link) == (True, True)
    args = build_parser().parse_args([])
    assert (args.ascii, args.slow_link) == (None, None)


def test_environment_and_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text('ascii = true\ntheme = "ansi"\n')
    env = {"BRANCHDESK_CONFIG_DIR": str(config), "BRANCHDESK_SLOW_LINK": "1"}
    options = load_options({}, env)
    assert (options.ascii, options.slow_link, options.theme) == (True, True, "ansi")
    options = load_options({}, {**env, "BRANCHDESK_ASCII": "0", "BRANCHDESK_SLOW_LINK": "no"})
    assert (options.ascii, options.slow_link) == (False, False)
    options = load_options({"slow_link": True, "ascii": None}, {**env, "BRANCHDESK_SLOW_LINK": "0"})
    assert (options.ascii, options.slow_link) == (True, True)
