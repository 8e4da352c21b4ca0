"""Issue 13 item 4: numeric fields take full-width digits and refuse the rest with a message;
a paste longer than a field's limit is refused with a message naming it — nothing silently
dropped. At 80x24 in both languages, through the real screens."""

from __future__ import annotations

from typing import Any

import pytest
from textual import events
from textual.widgets import Input

from branchdesk.screens.card_write.customer import AccountCustomerScreen
from branchdesk.screens.points.grant import PointsGrantScreen
from branchdesk.tui.i18n import _
from support.tui import running_app, wait_for


def status(app: Any) -> str:
    return " ".join(str(s.render()) for s in app.screen.query("StatusLine"))


async def paste(pilot: Any, field: Input, text: str) -> None:
    field.focus()
    field.post_message(events.Paste(text))
    await pilot.pause()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_points_field_keeps_1e3_refused_and_reads_full_width_digits(
    backend: Any, lang: str
) -> None:
    async with running_app(backend, lang, "s001") as (app, pilot):
        app.push_screen(PointsGrantScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, PointsGrantScreen))
        await wait_for(pilot, lambda: bool(app.screen.query("#grant-points")))
        field = app.screen.query_one("#grant-points", Input)
        field.focus()
        await pilot.press("1", "e", "3")
        # Before: "e" vanished and 13 points were asked for.
        assert field.value == "1e3"
        assert _("input.digits_only") in status(app)
        field.value = ""
        await paste(pilot, field, "１００")
        assert field.value == "100"  # before: the field stayed empty


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
async def test_a_long_paste_is_refused_with_the_limit(backend: Any, lang: str) -> None:
    async with running_app(backend, lang, "c001") as (app, pilot):
        app.open_workflow("card_write")
        await wait_for(pilot, lambda: isinstance(app.screen, AccountCustomerScreen))
        await wait_for(pilot, lambda: bool(app.screen.query("#cw-name")))
        field = app.screen.query_one("#cw-name", Input)
        assert field.max_length == 40
        await paste(pilot, field, "王" * 500)
        assert field.value == ""
        assert _("input.paste_too_long", n=500, limit=40) in status(app)
        assert "40" in status(app)
