"""Pilot at 80x24: an offline visit day from a cold start, through the real client and ASGI app.

A marketer logs in online once (the app keeps a password verifier in the keyring and the
customers for the visit), then starts the app with the backend out of reach, logs in offline,
works, is asked before quitting with changes waiting, and the next online login sends them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import DataTable, Input, Select, Static

from branchdesk.clients.api import Action
from branchdesk.clients.onboarding_api import OnboardingApi
from branchdesk.screens.common.confirm import ConfirmModal
from branchdesk.screens.common.home import HomeScreen
from branchdesk.screens.common.login import LoginScreen
from branchdesk.screens.onboarding.checklist import ChecklistScreen
from branchdesk.screens.onboarding.customers import CustomersScreen
from branchdesk.tui import secrets
from branchdesk.tui.options import data_dir as user_data_dir
from support.backend import DEMO_PASSWORD
from support.offline import (
    FlakyNetwork,
    app_over,
    online_day_before,
    type_login,
)
from support.onboarding import new_customer_form
from support.tui import SIZE, login, screen_text, wait_for

LANGS = ["en", "zh-CN"]
OFFLINE = {"en": "OFFLINE", "zh-CN": "离线办理"}


async def _type_login(pilot, staff_id: str, password: str) -> None:
    await type_login(pilot, staff_id, password)


async def _online_day_before(backend, network, lang, login_as, customer_data, tmp_path) -> None:
    await online_day_before(network, lang, login_as, customer_data(name="拜访客户甲"))


def _status(app) -> str:
    return str(app.screen.query_one("#login-status").render())


@pytest.mark.parametrize("lang", LANGS)
async def test_an_offline_visit_day_from_a_cold_start(
    backend, ring, login_as, customer_data, lang, tmp_path
):
    network = FlakyNetwork(backend)
    await _online_day_before(backend, network, lang, login_as, customer_data, tmp_path)
    # Only a verifier is kept, in the keyring; the password is nowhere, on disk or in the ring.
    verifier = json.loads(ring.items[("branchdesk", "offline|local|m001")])
    assert DEMO_PASSWORD not in json.dumps(verifier) and len(verifier["salt"]) == 32
    for path in user_data_dir().rglob("*"):
        if path.is_file():
            assert DEMO_PASSWORD.encode() not in path.read_bytes(), path

    network.down = True
    app = app_over(network, lang)
    async with app.run_test(size=SIZE) as pilot:
        await _type_login(pilot, "m001", DEMO_PASSWORD)
        await wait_for(pilot, lambda: isinstance(app.screen, HomeScreen))
        assert app.offline_session and app.staff.roles == ("marketer",)
        # the header says so
        await wait_for(pilot, lambda: OFFLINE[lang] in (screen_text(app).splitlines() or [""])[0])
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        customers = app.screen
        table = customers.query_one("#onb-table", DataTable)
        await wait_for(pilot, lambda: table.row_count > 0)
        search = customers.query_one("#onb-search", Input)
        search.value = "拜访客户甲"
        await wait_for(pilot, lambda: table.row_count == 1)
        assert table.get_row_at(0)[-1] == "0/6"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        checklist = app.screen
        await wait_for(pilot, lambda: checklist.data is not None)
        await pilot.press("d")  # card: queued
        await wait_for(pilot, lambda: app.pending_sync == 1)
        await wait_for(pilot, lambda: checklist.data["progress"]["done"] == 1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is customers)
        await wait_for(pilot, lambda: table.row_count == 1 and table.get_row_at(0)[-1] == "1/6 ⇅")

        await pilot.pause()
        # a new customer at the shop, no signal
        form = await new_customer_form(pilot)
        new = customer_data(
            name="离线新客", mobile="13900002222", licence_no="522301100777", card_number=_card()
        )
        new["id_number"] = _other_id()
        for field in ("name", "id_number", "mobile", "licence_no", "card_number", "order_amount"):
            form.query_one(f"#f-{field}", Input).value = new[field]
        form.query_one("#f-area", Select).value = "桔山"
        await pilot.pause()
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen is customers)
        await wait_for(pilot, lambda: app.pending_sync == 2)
        header = screen_text(app).splitlines()[0]
        assert "(2)" in header or "（2）" in header  # the pending count, in the UI's brackets
        search.value = "离线新客"  # offline search filters the kept copy
        await wait_for(pilot, lambda: table.row_count == 1 and table.get_row_at(0)[0] == "离线新客")
        row = table.get_row_at(0)
        assert row[0] == "离线新客" and "⇅" in row[-1] and row[2] == "139****2222"
        search.value = ""
        await wait_for(pilot, lambda: table.row_count > 2)
        names = [table.get_row_at(i)[0] for i in range(table.row_count)]
        assert "离线新客" in names and "拜访客户甲" in names

        await pilot.press("ctrl+q")  # changes wait: asked first
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert "2" in str(app.screen.query_one("#confirm-detail", Static).render())
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is customers)
        assert app.is_running

    # The next online login sends what waited.
    network.down = False
    app = app_over(network, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "m001")
        assert not app.offline_session
        await wait_for(pilot, lambda: app.pending_sync == 0)
        await pilot.pause()
        assert OFFLINE[lang] not in screen_text(app).splitlines()[0]
    created = [c for c in backend.store.scan("customers") if c["name"] == "离线新客"]
    assert len(created) == 1 and created[0]["marketer_id"] == "m001"
    visited = next(c for c in backend.store.scan("customers") if c["name"] == "拜访客户甲")
    assert visited["progress"]["done"] == 1


def _card() -> str:
    from branchdesk.clients import validators

    body = "621799000055554444"
    return body + str(validators.luhn_check_digit(body))


def _other_id() -> str:
    from branchdesk.clients import validators

    body = "52230119900101123"
    return body + validators.id_check_char(body)


@pytest.mark.parametrize("lang", LANGS)
async def test_offline_login_is_refused_wrong_expired_or_never_online(
    backend, ring, login_as, customer_data, lang, tmp_path
):
    network = FlakyNetwork(backend)
    await _online_day_before(backend, network, lang, login_as, customer_data, tmp_path)
    network.down = True
    app = app_over(network, lang, offline_hours=12)
    async with app.run_test(size=SIZE) as pilot:
        await _type_login(pilot, "m001", "not-the-password")
        wrong = "password is wrong" if lang == "en" else "密码不正确"
        await wait_for(pilot, lambda: wrong in _status(app))
        assert app.staff is None and isinstance(app.screen, LoginScreen)
        app.screen.action_clear()
        await _type_login(pilot, "m002", DEMO_PASSWORD)  # never online on this machine
        never = "logged in online on this machine first" if lang == "en" else "须先在本机在线登录"
        await wait_for(pilot, lambda: never in _status(app))
        assert app.staff is None

    # 13 hours after the last online login: too long.
    account = ("branchdesk", "offline|local|m001")
    record = json.loads(ring.items[account])
    record["online_at"] = (datetime.now(UTC) - timedelta(hours=13)).isoformat()
    ring.items[account] = json.dumps(record)
    app = app_over(network, lang)
    async with app.run_test(size=SIZE) as pilot:
        await _type_login(pilot, "m001", DEMO_PASSWORD)
        expired = "more than 12 h ago" if lang == "en" else "已超过 12 小时"
        await wait_for(pilot, lambda: expired in _status(app))
        assert app.staff is None


@pytest.mark.parametrize("lang", LANGS)
async def test_without_a_keyring_the_online_login_says_offline_work_is_not_available(backend, lang):
    assert not secrets.keyring_available()  # conftest: the null keyring, as over headless SSH
    network = FlakyNetwork(backend)
    app = app_over(network, lang)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.ready)
        await pilot.pause()
        notice = str(app.screen.query_one("#keyring-notice", Static).render())
        says = (
            "Offline work is not available on this machine" if lang == "en" else "本机无法离线办理"
        )
        assert says in notice
        await login(pilot, "m001")
    # nothing kept anywhere: no verifier to check against, no secret in the data dir
    now = datetime.now(UTC)
    assert secrets.check_offline("local", "m001", DEMO_PASSWORD, now, 12).reason == "none"
    for path in user_data_dir().rglob("*"):
        if path.is_file():
            assert DEMO_PASSWORD.encode() not in path.read_bytes(), path


async def test_the_offline_session_ends_after_the_configured_hours(
    backend, ring, login_as, customer_data, tmp_path
):
    network = FlakyNetwork(backend)
    await _online_day_before(backend, network, "en", login_as, customer_data, tmp_path)
    account = ("branchdesk", "offline|local|m001")
    record = json.loads(ring.items[account])
    record["online_at"] = (
        datetime.now(UTC) - timedelta(hours=12) + timedelta(seconds=8)
    ).isoformat()
    ring.items[account] = json.dumps(record)
    network.down = True
    app = app_over(network, "en")
    async with app.run_test(size=SIZE) as pilot:
        await _type_login(pilot, "m001", DEMO_PASSWORD)
        await wait_for(pilot, lambda: app.offline_session)
        await wait_for(pilot, lambda: app.staff is None, timeout=30)
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert not app.offline_session and app.staff is None
        assert "Offline work has ended" in _status(app)


SYNC = {
    "en": ("Sent {s}; conflicts {c}, refused {f}, waiting 0.", "⚠ conflict", "✗ refused"),  # noqa: RUF001
    "zh-CN": ("已发送 {s} 项；冲突 {c} 项，被拒绝 {f} 项，待发送 0 项。", "⚠ 冲突", "✗ 被拒绝"),
}


@pytest.mark.parametrize("lang", LANGS)
async def test_sync_rows_and_summary_agree_and_a_refused_change_is_retried_once_fixed(
    backend, login_as, customer_data, lang
):
    from branchdesk.screens.onboarding.sync import SyncScreen

    mine = OnboardingApi(await login_as("m001"))
    customer = await mine.create_customer(customer_data(name="同步客户乙"), Action())
    cid = customer["id"]
    await mine.set_item(cid, "card", status="done", base_version=0, action=Action())
    network = FlakyNetwork(backend)
    app = app_over(network, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "m001")
        await pilot.press("1")
        await wait_for(pilot, lambda: isinstance(app.screen, CustomersScreen))
        customers = app.screen
        await wait_for(pilot, lambda: customers.query_one("#onb-table", DataTable).row_count > 0)
        network.down = True  # the shop without signal: three changes queue
        api = OnboardingApi(app.client, app.outbox_sync)
        await api.set_item(
            cid, "card", status="in_progress", note="客户要换卡", base_version=1, action=Action()
        )
        await api.set_item(
            cid,
            "security_device",
            status="done",
            evidence={"ukey_serial": "UK-2468"},
            base_version=0,
            action=Action(),
            title="UKey",
        )
        await api.update_customer(cid, {"area": "安龙"}, customer["version"], Action())
        assert app.outbox_sync.count() == 3
        network.down = False
        supervisor = OnboardingApi(await login_as("s001"))
        await supervisor.set_item(
            cid, "card", status="done", note="主管已核实", base_version=1, action=Action()
        )
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, SyncScreen))
        sync_screen = app.screen
        summary, conflict, refused = SYNC[lang]
        status = sync_screen.query_one("#onb-sync-status")
        await pilot.press("f5")
        # The replay when the backend answered again may have sent the area change already:
        # whatever was sent, the counts are those of the rows below.
        first = {summary.format(s=n, c=1, f=1) for n in (0, 1)}
        await wait_for(pilot, lambda: str(status.render()) in first)
        table = sync_screen.query_one("#onb-sync-table", DataTable)
        assert table.row_count == 2
        rows = screen_text(app).splitlines()[2:4]  # under the header line and the column titles
        assert sum(conflict in r for r in rows) == 1 and sum(refused in r for r in rows) == 1
        assert all("同步客户乙" in r for r in rows)  # the customer's name, not its id
        text = screen_text(app)
        assert cid not in text and "{}" not in text and "evidence" not in text
        assert backend.store.get("customers", cid)["area"] == "安龙"
        table.move_cursor(row=next(i for i in range(2) if refused in rows[i]))
        await pilot.pause()
        compare = str(sync_screen.query_one("#onb-server", Static).render())
        assert ("UKey serial: UK-2468" if lang == "en" else "UKey 序列号: UK-2468") in (
            str(sync_screen.query_one("#onb-mine", Static).render())
        )
        assert ("prerequisite" if lang == "en" else "前置事项") in compare

        # The cause is fixed (online banking is opened); the refused change goes at the next sync.
        await mine.set_item(cid, "online_banking", status="done", base_version=0, action=Action())
        await pilot.press("f5")
        await wait_for(pilot, lambda: summary.format(s=1, c=1, f=0) in str(status.render()))
        assert table.row_count == 1
        item = next(i for i in (await mine.checklist(cid))["items"] if i["id"] == "security_device")
        assert item["status"] == "done" and item["evidence"] == {"ukey_serial": "UK-2468"}
