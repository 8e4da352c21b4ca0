"""Issue 13 item 6: the command palette speaks the UI language and offers every workflow the
staff member's roles allow (and only those)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandInput, CommandPalette

from branchdesk.tui.i18n import _
from branchdesk.tui.workflows import allowed_workflows
from support.tui import running_app, wait_for


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_palette_placeholder_is_in_the_ui_language(backend: Any, lang: str) -> None:
    async with running_app(backend, lang, "c001") as (app, pilot):
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await wait_for(pilot, lambda: bool(app.screen.query(CommandInput)))
        placeholder = app.screen.query_one(CommandInput).placeholder
        assert placeholder == _("palette.placeholder")
        if lang == "zh-CN":
            assert placeholder == "搜索命令…"


@pytest.mark.parametrize("staff_id", ["c001", "k001", "s001"])
async def test_palette_reaches_every_workflow_the_roles_allow(backend: Any, staff_id: str) -> None:
    async with running_app(backend, "zh-CN", staff_id) as (app, pilot):
        assert app.staff is not None
        titles = {c.title for c in app.get_system_commands(app.screen)}
        allowed = allowed_workflows(app.staff.roles)
        assert allowed
        assert {_(w.title_key) for w in allowed} <= titles
        assert _("palette.placeholder") not in titles


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_palette_says_no_matches_in_the_ui_language(backend: Any, lang: str) -> None:
    from textual.command import CommandList

    async with running_app(backend, lang, "c001") as (app, pilot):
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: bool(app.screen.query(CommandInput)))
        await pilot.press(*"zzqqxx")

        def no_matches_prompt() -> str | None:
            options = app.screen.query_one(CommandList)
            if options.option_count != 1:
                return None
            option = options.get_option_at_index(0)
            return str(option.prompt.renderable) if option.id == "--no-matches" else None

        await wait_for(pilot, lambda: no_matches_prompt() is not None)
        assert no_matches_prompt() == _("palette.no_matches")
        assert "No matches found" not in (no_matches_prompt() or "")
