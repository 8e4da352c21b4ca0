"""Login → home for every role at 80x24, in both languages, and what goes wrong on the way."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from branchdesk.clients.local.backend import Backend
from branchdesk.screens.common.home import HomeScreen
from branchdesk.screens.common.keys_help import KeysHelpScreen
from branchdesk.screens.common.login import LoginScreen
from branchdesk.screens.common.startup_error import StartupErrorScreen
from branchdesk.screens.common.too_small import TooSmallScreen
from branchdesk.tui.app import BranchdeskApp
from branchdesk.tui.options import AppOptions
from branchdesk.tui.workflows import allowed_workflows
from support.backend import DEMO_ROLES, make_backend
from support.tui import SIZE, focus, login, make_app, wait_for


def _text(app: BranchdeskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("staff_id", sorted(DEMO_ROLES))
async def test_each_role_reaches_home(backend: Backend, staff_id: str, lang: str) -> None:
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, staff_id)
        assert isinstance(app.screen, HomeScreen)
        info = _text(app, "#home-info")
        assert staff_id in info
        assert backend.store.get("staff", staff_id)["name"] in info
        role_label = {"en": DEMO_ROLES[staff_id]}.get(lang)
        if role_label:
            assert role_label in info
        assert ("local" if lang == "en" else "本地后台") in info
        options = app.screen.query_one("#workflows")
        assert options.option_count == len(allowed_workflows([DEMO_ROLES[staff_id]]))


async def test_demo_accounts_are_shown_on_the_login_screen(backend: Backend) -> None:
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()
        text = _text(app, "#demo-accounts")
        assert "demo-pass-1" in text
        for staff_id in DEMO_ROLES:
            assert staff_id in text


async def test_no_demo_accounts_outside_demo_data() -> None:
    app = make_app(make_backend(demo=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()
        assert not app.screen.query("#demo-accounts")


async def test_wrong_password_keeps_the_staff_id_and_says_why(backend: Backend) -> None:
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await focus(pilot, "#staff-id")
        await pilot.press(*"m001", "enter", *"nope", "enter")
        await wait_for(pilot, lambda: "tries left" in _text(app, "#login-status"))
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#staff-id", Input).value == "m001"
        assert app.screen.query_one("#password", Input).value == ""


async def test_empty_fields_are_explained_before_asking_the_server(backend: Backend) -> None:
    app = make_app(backend, "zh-CN")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await focus(pilot, "#password")
        await pilot.press("enter")
        assert _text(app, "#login-status") == "请输入工号。"
        assert app.focused is app.screen.query_one("#staff-id")
        await pilot.press(*"m001", "enter", "enter")
        assert _text(app, "#login-status") == "请输入密码。"
        assert backend.store.count("sessions") == 0


async def test_too_many_failures_show_how_long_to_wait(backend: Backend) -> None:
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await focus(pilot, "#staff-id")
        await pilot.press(*"c001", "enter")
        for _ in range(5):
            await pilot.press(*"bad", "enter")
            await wait_for(pilot, lambda: not app.screen.checking)
            await pilot.pause()
        said = _text(app, "#login-status")
        # No lockout a stranger could cause: the staff ID waits, and the screen says how long.
        assert "try again in 30 seconds" in said and "supervisor can unlock" in said


async def test_f1_lists_the_keys_of_the_screen(backend: Backend) -> None:
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "k001")
        await pilot.press("f1")
        assert isinstance(app.screen, KeysHelpScreen)
        rows = dict(app.screen.rows)
        assert rows.get("f10", rows.get("F10")) == "Log out", rows
        assert "Quit" in rows.values()
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_the_command_palette_lists_what_the_user_may_open(backend: Backend) -> None:
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert titles[0] == "Home"
        assert {"Log out", "Keys", "Quit"} <= set(titles)
        expected = len(allowed_workflows(["supervisor"]))
        assert len(titles) == expected + 4
        await pilot.press("ctrl+p")
        await pilot.pause()
        from textual.command import CommandPalette

        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")


async def test_log_out_returns_to_the_login_screen(backend: Backend) -> None:
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "m001")
        await pilot.press("f10")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert app.staff is None
        assert backend.store.count("sessions") == 0


async def test_a_small_terminal_gets_a_notice_not_a_broken_layout(backend: Backend) -> None:
    app = make_app(backend)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        assert "60x20" in _text(app, "#too-small-text")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)


async def test_ctrl_q_quits(backend: Backend) -> None:
    app = make_app(backend)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "t001")
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_corrupt_store_stops_the_app_with_the_file_named(tmp_path: Path) -> None:
    (tmp_path / "store.json").write_text('{"staff": {')
    app = BranchdeskApp(AppOptions(lang="en", data_dir=tmp_path, cursor_blink=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query("#startup-error-text")))
        text = _text(app, "#startup-error-text")
        assert str(tmp_path / "store.json") in text
        assert "left untouched" in text
        assert isinstance(app.screen, StartupErrorScreen)
    assert (tmp_path / "store.json").read_text() == '{"staff": {'


async def test_a_store_in_use_suggests_branchdesk_serve(tmp_path: Path) -> None:
    owner = make_backend(tmp_path)
    app = BranchdeskApp(AppOptions(lang="zh-CN", data_dir=tmp_path, cursor_blink=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query("#startup-error-text")))
        assert isinstance(app.screen, StartupErrorScreen)
        text = _text(app, "#startup-error-text")
        assert str(tmp_path / "store.json") in text
        assert "branchdesk serve" in text
    owner.store.close()


async def test_the_embedded_backend_is_opened_and_closed_with_the_app(tmp_path: Path) -> None:
    app = BranchdeskApp(AppOptions(lang="en", data_dir=tmp_path, cursor_blink=False))
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "m001")
        assert app.backend_label == "local"
    # The store was released: another owner can open it now.
    make_backend(tmp_path).store.close()


async def test_an_unreachable_backend_is_reported_and_nothing_crashes() -> None:
    from support.backend import free_port

    url = f"http://127.0.0.1:{free_port()}"
    app = BranchdeskApp(AppOptions(lang="en", api_url=url, cursor_blink=False))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.connection is not None, timeout=10)
        app.client.retry_delay = 0.01
        await wait_for(pilot, lambda: "Cannot reach" in _text(app, "#login-status"), timeout=10)
        await focus(pilot, "#staff-id")
        await pilot.press(*"m001", "enter", *"demo-pass-1", "enter")
        await wait_for(pilot, lambda: not app.screen.checking)
        await pilot.pause()
        assert "Cannot reach" in _text(app, "#login-status")
        assert app.screen.query_one("#staff-id", Input).value == "m001"
        assert app.online is False
