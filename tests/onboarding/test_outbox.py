"""Offline outbox: changes made during an outage are replayed once, conflicts are kept."""

from __future__ import annotations

import httpx
import pytest

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.local.app import create_app
from branchdesk.clients.onboarding_api import OnboardingApi, Queued
from branchdesk.clients.outbox import CONFLICT, OutboxSync

PASSWORD = "demo-pass-1"


class FlakyNetwork(httpx.AsyncBaseTransport):
    """The network between client and backend: it can go down, or drop responses."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.down = False
        self.drop_responses = False
        self.delivered: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("network down", request=request)
        response = await self.inner.handle_async_request(request)
        self.delivered.append(f"{request.method} {request.url.path}")
        if self.drop_responses:
            await response.aread()
            raise httpx.ReadError("connection reset", request=request)
        return response


@pytest.fixture
async def offline_kit(backend, tmp_path, customer_data):
    network = FlakyNetwork(httpx.ASGITransport(app=create_app(backend)))
    client = ApiClient("http://local.branchdesk", transport=network, retry_delay=0.001)
    await client.login("m001", PASSWORD)
    counts: list[int] = []
    sync = OutboxSync.attach(client, tmp_path, counts.append)
    api = OnboardingApi(client, sync)
    customer = await api.create_customer(customer_data(), Action())
    yield network, client, sync, api, customer, counts
    sync.outbox.close()
    await client.aclose()


def _item_rows(backend, cid):
    return [
        r
        for r in backend.store.scan("audit")
        if r["action"] == "onboarding.item" and r["target"] == cid
    ]


async def test_outage_queues_and_replays_without_duplicates(backend, offline_kit):
    network, client, sync, api, customer, counts = offline_kit
    cid = customer["id"]
    await api.checklist(cid)  # read while online: kept for the visit
    network.down = True
    first = await api.set_item(cid, "card", status="done", base_version=0, action=Action())
    second = await api.set_item(
        cid,
        "online_banking",
        status="in_progress",
        note="柜面办理",
        base_version=0,
        action=Action(),
    )
    assert isinstance(first, Queued) and isinstance(second, Queued)
    assert counts[-1] == 2 and sync.count() == 2
    offline_view = await api.checklist(cid)
    assert offline_view["offline"]
    assert {i["id"]: i["status"] for i in offline_view["items"]}["card"] == "done"
    assert (await sync.replay()).still_offline
    assert _item_rows(backend, cid) == []  # nothing reached the server

    # the network comes back but drops the first response: the change lands, the reply is lost
    network.down = False
    network.drop_responses = True
    result = await sync.replay()
    assert result.still_offline and result.sent == 0
    network.drop_responses = False
    result = await sync.replay()
    assert result.sent == 2 and sync.count() == 0 and counts[-1] == 0
    rows = _item_rows(backend, cid)
    assert [r["details"]["item"] for r in rows] == ["card", "online_banking"]  # once each
    view = await api.checklist(cid)
    assert {i["id"]: i["version"] for i in view["items"]}["card"] == 1


async def test_conflict_keeps_both_versions_until_the_user_chooses(backend, offline_kit, login_as):
    network, client, sync, api, customer, counts = offline_kit
    cid = customer["id"]
    network.down = True
    await api.set_item(
        cid, "card", status="blocked", note="客户未带卡", base_version=0, action=Action()
    )
    network.down = False
    supervisor = OnboardingApi(await login_as("s001"))
    await supervisor.set_item(
        cid, "card", status="done", note="已核实", base_version=0, action=Action()
    )
    result = await sync.replay()
    assert result.conflicts == 1 and sync.count() == 1
    entry = sync.entries()[0]
    assert entry["status"] == CONFLICT
    assert entry["server_copy"]["note"] == "已核实" and entry["body"]["note"] == "客户未带卡"
    await sync.keep_mine(entry["id"])
    assert sync.count() == 0
    current = next(i for i in (await api.checklist(cid))["items"] if i["id"] == "card")
    assert (current["status"], current["version"]) == ("blocked", 2)


async def test_keep_server_discards_only_on_the_users_word(offline_kit, login_as):
    network, client, sync, api, customer, counts = offline_kit
    cid = customer["id"]
    network.down = True
    await api.update_customer(cid, {"name": "离线改名"}, customer["version"], Action())
    network.down = False
    other = OnboardingApi(await login_as("s001"))
    await other.update_customer(cid, {"name": "主管改名"}, customer["version"], Action())
    await sync.replay()
    entry = sync.entries()[0]
    assert entry["server_copy"]["name"] == "主管改名"
    sync.keep_server(entry["id"])
    assert sync.count() == 0
    assert (await api.customer(cid))["name"] == "主管改名"


async def test_outbox_survives_a_restart(backend, offline_kit, tmp_path):
    network, client, sync, api, customer, counts = offline_kit
    network.down = True
    await api.set_item(customer["id"], "card", status="done", base_version=0, action=Action())
    sync.outbox.close()
    network.down = False
    again = OutboxSync.attach(client, tmp_path, counts.append)
    assert again.count() == 1 and counts[-1] == 1
    assert (await again.replay()).sent == 1
    again.outbox.close()


async def test_changes_of_a_refused_new_customer_wait_and_go_with_it(
    backend, offline_kit, customer_data
):
    """The new customer is refused (a duplicate): its ticks wait, never sent to nothing;
    keeping the server's copy discards them with it; keeping mine sends them after it."""
    network, client, sync, api, customer, counts = offline_kit
    network.down = True
    twin = await api.create_customer(customer_data(name="重复客户"), Action())  # same numbers
    assert isinstance(twin, Queued)
    pending = f"pending:{twin.entry['id']}"
    await api.set_item(pending, "card", status="done", base_version=0, action=Action())
    network.down = False
    result = await sync.replay()
    assert result.failed == 1 and result.sent == 0
    states = {e["kind"]: e["status"] for e in sync.entries()}
    assert states == {"customer.create": "failed", "item": "pending"}
    assert not [p for p in network.delivered if "pending:" in p]  # the tick was never sent

    # fixed in the queued customer (other numbers); "keep mine" sends it, then its tick
    await api.update_customer(pending, _other_numbers(), 0, Action())
    created = await sync.keep_mine(twin.entry["id"])
    assert [e["path"] for e in sync.entries()] == [f"/v1/customers/{created['id']}/items/card"]
    await sync.replay()  # (or the one started in the background when the network came back)
    assert sync.entries() == []
    card = next(i for i in (await api.checklist(created["id"]))["items"] if i["id"] == "card")
    assert card["status"] == "done"


async def test_discarding_a_refused_new_customer_discards_its_changes(offline_kit, customer_data):
    network, client, sync, api, customer, counts = offline_kit
    network.down = True
    twin = await api.create_customer(customer_data(name="重复客户"), Action())
    await api.set_item(
        f"pending:{twin.entry['id']}", "card", status="done", base_version=0, action=Action()
    )
    network.down = False
    await sync.replay()
    sync.keep_server(twin.entry["id"])  # the server's copy: the first customer stays alone
    assert sync.entries() == []  # nothing left that points at the discarded customer


def _other_numbers() -> dict[str, str]:
    from branchdesk.clients import validators

    card, body = "621799000077778888", "52230119800202456"
    return {
        "id_number": body + validators.id_check_char(body),
        "card_number": card + str(validators.luhn_check_digit(card)),
        "mobile": "13900009999",
        "licence_no": "522301100888",
    }
