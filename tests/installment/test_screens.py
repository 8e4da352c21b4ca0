"""Pilot at 80x24 in both languages: register → QR (scan, quota, new code) → board → back office."""

from __future__ import annotations

import pytest
from installment.helpers import (
    CLERK_NAME,
    ID_NUMBER,
    JOB_NO,
    bind_clerk,
    latest_code,
    open_board,
    open_home,
    open_qr,
)
from installment.test_qr_render import decode

from branchdesk.clients.api import Action
from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.screens.common.confirm import ConfirmModal
from branchdesk.screens.installment.board import PAGE_SIZE
from branchdesk.screens.installment.home import InstallmentHomeScreen
from branchdesk.screens.installment.orders import InstallmentOrdersScreen
from branchdesk.screens.installment.register import InstallmentRegisterScreen
from branchdesk.tui.i18n import _
from support.backend import logged_in
from support.tui import SIZE, push, running_app, wait_for

LANGS = ["en", "zh-CN"]


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def inside_screen(app, selector: str) -> bool:
    region = app.screen.query_one(selector).region
    return region.right <= SIZE[0] and region.bottom <= SIZE[1] - 1 and region.height > 0


@pytest.mark.parametrize("lang", LANGS)
async def test_register_and_bind(backend, lang):
    async with running_app(backend, lang, "c001") as (app, pilot):
        await open_home(pilot)
        assert _("inst.profile.unregistered")[:6] in text(app, "#inst-profile")
        assert inside_screen(app, "#inst-warning")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, InstallmentRegisterScreen))
        await pilot.pause()
        bad_id = ID_NUMBER[:-1] + "1"
        await pilot.press(
            *JOB_NO, "enter", *CLERK_NAME, "enter", *bad_id, "enter", *JOB_NO, "enter"
        )
        await wait_for(pilot, lambda: text(app, "#reg-id_number-error") != "")
        assert text(app, "#reg-id_number-error") == _("inst.error.id_checksum")
        assert app.screen.query_one("#reg-name").value == CLERK_NAME  # kept
        assert not backend.sms.messages
        app.screen.query_one("#reg-id_number").value = ID_NUMBER
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen.code_sent)
        assert text(app, "#reg-id_number-error") == ""
        phone = app.screen.query_one("#phone")
        await wait_for(pilot, lambda: "验证码" in phone.latest_text())
        await pilot.press(*latest_code(backend, JOB_NO), "enter")
        await wait_for(pilot, lambda: app.screen.bound)
        assert "中国移动兴义坪东营业厅" in text(app, "#reg-status")
        for field in ("#reg-job_no", "#reg-code", "#reg-status", "#phone"):
            assert inside_screen(app, field), field
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, InstallmentHomeScreen))
        await wait_for(pilot, lambda: app.screen.bound)
        assert JOB_NO in text(app, "#inst-profile")


@pytest.mark.parametrize("lang", LANGS)
async def test_unregistered_job_number_told_to_ask_contact(backend, lang):
    async with running_app(backend, lang, "c001") as (app, pilot):
        await push(pilot, InstallmentRegisterScreen())
        job = "13985900099"
        await pilot.press(*job, "enter", *CLERK_NAME, "enter", *ID_NUMBER, "enter", *job, "enter")
        await wait_for(pilot, lambda: app.screen.code_sent)
        await pilot.press(*latest_code(backend, job), "enter")
        contact = "业务联系人" if lang == "zh-CN" else "business contact"
        await wait_for(pilot, lambda: contact in text(app, "#reg-status"))
        assert not app.screen.bound
        assert app.screen.query_one("#reg-job_no").value == job


@pytest.mark.parametrize("lang", LANGS)
async def test_qr_scans_quota_and_new_code(backend, lang):
    api_client = await logged_in(backend, "c001")
    await bind_clerk(InstallmentApi(api_client), backend)
    async with running_app(backend, lang) as (app, pilot):
        screen = await open_qr(pilot)
        qr = screen.query_one("#qr-code")
        assert decode(qr.lines) == [screen.code["token"]]
        for selector in ("#qr-code", "#qr-merchant", "#qr-countdown", "#qr-details"):
            assert inside_screen(app, selector), selector
        assert "中国移动兴义坪东营业厅" in text(app, "#qr-merchant")
        assert "30:00" in text(app, "#qr-countdown") or "29:5" in text(app, "#qr-countdown")
        assert _("inst.qr.remaining", remaining=3, quota=3) in text(app, "#qr-details")
        first_id = screen.code["id"]
        for left in (2, 1, 0):
            await pilot.press("f5")
            await wait_for(pilot, lambda left=left: screen.code["remaining"] == left)
        assert _("inst.qr.used_up") == text(app, "#qr-countdown")
        await pilot.press("f5")
        refused = "3 位客户" if lang == "zh-CN" else "already admitted 3"
        await wait_for(pilot, lambda: refused in text(app, "#qr-status"))
        await pilot.press("f2")
        await wait_for(pilot, lambda: screen.code["id"] != first_id)
        assert screen.code["remaining"] == 3
        assert decode(screen.query_one("#qr-code").lines) == [screen.code["token"]]
        await pilot.press("f6")  # inverted for light-background terminals, still decodes
        await pilot.pause()
        assert decode(screen.query_one("#qr-code").lines, invert=True) == [screen.code["token"]]
    await api_client.aclose()


@pytest.mark.parametrize("lang", LANGS)
async def test_board_steps_and_likely_refused(backend, clock, lang):
    backend.settings.extra["installment.refusal_rate"] = 1.0
    api_client = await logged_in(backend, "c001")
    api = InstallmentApi(api_client)
    await bind_clerk(api, backend)
    qr = await api.new_qr(Action())
    application = await api.simulate_scan(qr["token"], Action())
    async with running_app(backend, lang) as (app, pilot):
        screen = await open_board(pilot, "c001")
        await wait_for(pilot, lambda: len(screen.applications) == 1)
        assert inside_screen(app, "#board-warning")
        assert _("inst.step.select_product") in text(app, "#board-detail")
        for _step in range(3):  # product, identity, submitted
            before = screen.applications[0]["step"], screen.applications[0]["status"]
            await pilot.press("f6")
            await wait_for(
                pilot,
                lambda before=before: (
                    (screen.applications[0]["step"], screen.applications[0]["status"]) != before
                ),
            )
        assert screen.applications[0]["status"] == "in_review"
        clock.advance(minutes=10, seconds=1)
        await pilot.press("f5")
        await wait_for(pilot, lambda: screen.applications[0]["likely_refused"])
        table = screen.query_one("#board-table")
        row = [str(c) for c in table.get_row(application["id"])]
        assert _("inst.board.likely_refused") in row[4] and row[4].startswith("10:01")
        assert inside_screen(app, "#board-table") and inside_screen(app, "#board-status")
    await api_client.aclose()


SEEDED = 8  # the demo's applications


def keys(screen) -> dict[str, bool]:
    """Whether F7 and F8 (previous, next page) are live (greyed otherwise), with their texts."""
    found = {}
    for key in ("f7", "f8"):
        active = screen.active_bindings[key]
        assert _(active.binding.description) in (_("inst.keys.prev_page"), _("inst.keys.next_page"))
        assert active.binding.id.startswith("installment_board.")
        found[key] = active.enabled
    return found


@pytest.mark.parametrize("lang", LANGS)
async def test_board_pages_with_pgup_and_pgdn(backend, lang):
    api_client = await logged_in(backend, "c001")
    api = InstallmentApi(api_client)
    await bind_clerk(api, backend)
    for n in range(PAGE_SIZE + 1 - SEEDED):  # one more than a page: the last one alone
        if n % 3 == 0:  # a code serves three scans
            qr = await api.new_qr(Action())
        await api.simulate_scan(qr["token"], Action())
    everyone = await InstallmentApi(await logged_in(backend, "s001")).applications(limit=200)
    ids = [a["id"] for a in everyone["items"]]
    assert len(ids) == PAGE_SIZE + 1
    async with running_app(backend, lang) as (app, pilot):
        screen = await open_board(pilot, "s001")
        await wait_for(pilot, lambda: len(screen.applications) == PAGE_SIZE)
        table = screen.query_one("#board-table")
        assert table.has_focus and [a["id"] for a in screen.applications] == ids[:PAGE_SIZE]
        assert table.max_scroll_y == 0  # a whole page fits at 80x24
        first = _("inst.board.count", page=1, pages=2, n=PAGE_SIZE + 1, late=everyone["late"])
        assert text(app, "#board-page") == first and inside_screen(app, "#board-page")
        assert keys(screen) == {"f7": False, "f8": True}  # F7 greyed on page 1
        await pilot.press("f7")  # nothing before page 1
        await pilot.pause()
        assert screen.page == 1 and len(screen.applications) == PAGE_SIZE
        await pilot.press("f8")
        await wait_for(pilot, lambda: screen.page == 2 and len(screen.applications) == 1)
        assert table.get_row_at(0)[0] == ids[-1] and table.row_count == 1
        second = _("inst.board.count", page=2, pages=2, n=PAGE_SIZE + 1, late=everyone["late"])
        assert text(app, "#board-page") == second
        assert ids[-1] in text(app, "#board-detail") or screen.selected()["id"] == ids[-1]
        assert keys(screen) == {"f7": True, "f8": False}
        await pilot.press("f8")  # the last page: stays
        await pilot.pause()
        assert screen.page == 2
        await pilot.press("f7")
        await wait_for(pilot, lambda: screen.page == 1 and len(screen.applications) == PAGE_SIZE)
        assert table.get_row_at(0)[0] == ids[0] and text(app, "#board-page") == first
        assert inside_screen(app, "#board-table") and inside_screen(app, "#board-status")
    await api_client.aclose()


@pytest.mark.parametrize("lang", LANGS)
async def test_back_office_query_and_revoke(backend, lang):
    async with running_app(backend, lang, "s001") as (app, pilot):
        await open_home(pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, InstallmentOrdersScreen))
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.orders) == 8)
        completed = [o for o in screen.orders if o["status"] == "completed"]
        for _n in range(1 + STATUS_INDEX_COMPLETED):
            await pilot.press("f3")
        await wait_for(pilot, lambda: len(screen.orders) == len(completed))
        unpaid = next(o for o in screen.orders if not o["payment_received"])
        table = screen.query_one("#orders-table")
        assert _("inst.card.failed") in str(table.get_row(unpaid["id"])[4])
        old = min(completed, key=lambda o: o["created_at"])
        # Too old: refused with the date.
        table.move_cursor(row=table.get_row_index(old["id"]))
        table.focus()
        await pilot.pause()
        screen.query_one("#orders-reason").value = "客户退机"
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("enter")
        deadline = old["revoke_until"]
        await wait_for(
            pilot,
            lambda: (
                "7" in text(app, "#orders-status") and deadline[:4] in text(app, "#orders-status")
            ),
        )
        assert screen.query_one("#orders-reason").value == "客户退机"
        # Within the window: revoked.
        target = unpaid  # completed two days ago
        table.move_cursor(row=table.get_row_index(target["id"]))
        await pilot.pause()
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert target["id"] in text(app, "#confirm-detail")  # says what will happen
        await pilot.press("escape")  # cancelled: nothing happens
        await pilot.pause(0.2)
        assert backend.store.get("inst_applications", target["id"])["status"] == "completed"
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: _("inst.orders.revoke_done", id=target["id"]) == text(app, "#orders-status"),
        )
        assert backend.store.get("inst_applications", target["id"])["status"] == "revoked"
        for selector in ("#orders-table", "#orders-reason", "#orders-status", "#orders-filter"):
            assert inside_screen(app, selector), selector


STATUS_INDEX_COMPLETED = 6  # STATUSES.index("completed")
