"""Add member (issue 14 item 4): Pilot at 80x24 in both languages, through the real API."""

from __future__ import annotations

import pytest

from branchdesk.clients import validators
from branchdesk.clients.local import pii
from branchdesk.screens.points.add_member import PointsAddMemberScreen
from branchdesk.screens.points.lookup import PointsLookupScreen
from branchdesk.tui.i18n import _
from support.tui import SIZE, make_app, open_workflow, screen_text, wait_for

from .conftest import DEMO_MOBILE
from .test_screens import login

NEW_MOBILE = "13912345678"


def id_number(body17: str = "11010519491231002") -> str:
    return body17 + validators.id_check_char(body17)


def wrong_check() -> str:
    good = id_number()
    return good[:17] + ("1" if good[17] != "1" else "2")


def panel(app) -> str:
    """The member panel: the one added, or the one who already has the number (masked)."""
    return str(app.screen.query_one("#add-member").render())


def status(app) -> str:
    return str(app.screen.query_one("#add-status").render())


async def open_form(pilot, app) -> PointsAddMemberScreen:
    await login(pilot, "s001")
    await open_workflow(pilot, "points.add_member", PointsAddMemberScreen)
    await wait_for(pilot, lambda: app.screen.institutions is not None)
    await pilot.pause()
    return app.screen


async def fill(pilot, app, **values: str) -> None:
    for field, value in values.items():
        widget = app.screen.query_one(f"#add-{field}")
        widget.value = ""
        widget.focus()
        await pilot.press(*value) if value else None
    await pilot.pause()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_each_field_says_what_is_wrong_and_nothing_is_sent(backend, lang):
    before = backend.store.count("members")
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot, app)
        cases = [
            ({"name": ""}, "name", "required"),
            ({"name": "周新", "mobile": "12345"}, "mobile", "mobile_format"),
            ({"mobile": NEW_MOBILE, "id_number": "110105194912310"}, "id_number", "id_length"),
            ({"id_number": wrong_check()}, "id_number", "id_checksum"),
            ({"id_number": id_number(), "card_no": "6210980000000000016"}, "card_no", "luhn"),
            ({"card_no": "", "institution": "NOPE"}, "institution", "institution_unknown"),
        ]
        for values, field, problem in cases:
            await fill(pilot, app, **values)
            await pilot.press("f2")
            await pilot.pause()
            said = _(
                "points.add_member.invalid",
                field=_(f"points.add_member.{field}"),
                problem=_(f"points.add_member.problem.{problem}"),
            )
            assert status(app) == said, (field, status(app))
            assert app.focused is app.screen.query_one(f"#add-{field}")
            assert app.focused.has_class("-invalid")
            assert "add-member" not in screen_text(app)
    assert backend.store.count("members") == before


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_adds_a_member_with_id_bound_then_refuses_duplicates_pointing_at_them(backend, lang):
    app = make_app(backend, lang)
    before = backend.store.count("members")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot, app)
        institution = app.screen.query_one("#add-institution").value
        assert institution and screen.institutions[institution] in screen_text(app)
        await fill(pilot, app, name="周新", mobile=NEW_MOBILE, id_number=id_number())
        await pilot.press("f2")
        await wait_for(pilot, lambda: backend.store.count("members") == before + 1)
        [added] = pii.lookup(backend, "members", "mobile", NEW_MOBILE)  # sealed at rest
        assert pii.value(backend, "members", added, "id_number") == id_number()
        assert added["institution_id"] == institution
        await wait_for(pilot, lambda: added["id"] in status(app))
        shown = screen_text(app)
        assert validators.mask_mobile(NEW_MOBILE) in shown and NEW_MOBILE not in shown
        assert app.screen.query_one("#add-mobile").value == ""

        # The same mobile again: refused, pointing at the existing (demo) member, masked.
        [demo] = pii.lookup(backend, "members", "mobile", DEMO_MOBILE)
        await fill(pilot, app, name="王小梅", mobile=DEMO_MOBILE, id_number="")
        await pilot.press("f2")
        said = _("points.add_member.member_exists", id=demo["id"])
        await wait_for(pilot, lambda: status(app) == said)
        await wait_for(pilot, lambda: validators.mask_mobile(DEMO_MOBILE) in panel(app))
        assert DEMO_MOBILE not in panel(app)
        assert app.screen.shown_member["id"] == demo["id"]

        # Another mobile with the ID number just bound: refused, pointing at the new member.
        await fill(pilot, app, mobile="13912345679", id_number=id_number())
        await pilot.press("f2")
        said = _("points.add_member.member_duplicate_id", id=added["id"])
        await wait_for(pilot, lambda: status(app) == said)
        await wait_for(pilot, lambda: app.screen.shown_member["id"] == added["id"])
        shown = panel(app)
        assert validators.mask_id_number(id_number()) in shown and id_number() not in shown
    assert backend.store.count("members") == before + 1


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_reached_from_lookup_with_the_mobile_filled_in(backend, lang):
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        await open_workflow(pilot, "points.redeem", PointsLookupScreen)
        app.screen.query_one("#member-query").focus()
        await pilot.press(*NEW_MOBILE, "enter")
        hint = _("points.lookup.not_found_add", message="")
        await wait_for(pilot, lambda: hint.strip() in screen_text(app))
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsAddMemberScreen))
        assert app.screen.query_one("#add-mobile").value == NEW_MOBILE


async def test_cashier_has_no_add_member_key_and_the_server_refuses_them(backend, cashier):
    from branchdesk.clients.api import Action
    from branchdesk.clients.errors import ApiError
    from branchdesk.clients.points_api import PointsApi

    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "k001")
        await open_workflow(pilot, "points.redeem", PointsLookupScreen)
        assert app.screen.check_action("add_member", ()) is None
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, PointsLookupScreen)
        assert _("points.keys.add_member") not in screen_text(app)
    body = {"name": "x", "mobile": NEW_MOBILE, "institution_id": "x"}
    with pytest.raises(ApiError) as refused:
        await PointsApi(cashier).create_member(body, Action())
    assert refused.value.status == 403
