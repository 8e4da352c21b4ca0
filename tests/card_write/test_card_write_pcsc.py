"""The card steps of an account opening through the real stack:
pyscard -> pcscd -> vpcd -> VirtualSim, against the real client and the in-process backend."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from branchdesk.clients.api import Action
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.clients.errors import ApiError
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write import script
from branchdesk.clients.local.card_write.catalog import CARD_DATA, NUMBERS
from branchdesk.clients.local.sim.rules import CARDS
from branchdesk.clients.local.sim.seed import DEMO_AGENT
from branchdesk.devices.pcsc import PcscReader
from branchdesk.devices.vcard import VirtualSim
from branchdesk.devices.virtual_card import VirtualCard
from branchdesk.screens.card_write import flow
from support.backend import logged_in, make_backend
from support.pcsc import PcscService, insert_card, wait_for_slot

pytestmark = pytest.mark.pcsc

CUSTOMER = {
    "name": "李华",
    "id_number": "11010519491231002X",
    "contact": "13900139000",
    "address": "天津市和平区南京路 100 号",
}


def blank_cards(backend: Backend, with_data: bool = True) -> list[str]:
    cards = sorted(
        c["iccid"]
        for c in backend.store.scan(CARDS)
        if c["state"] == "picked_up" and c["loc_id"] == DEMO_AGENT
    )
    return [i for i in cards if (backend.store.get(CARD_DATA, i) is not None) == with_data]


def adm_presented(card: VirtualCard) -> int:
    """VERIFY commands that carried a key (not retry-counter queries)."""
    return sum(1 for c in card.commands if c[1] == 0x20 and len(c) > 5)


def insert(sim: VirtualSim, pcscd: PcscService, card: VirtualCard) -> None:
    insert_card(pcscd, sim, card)


def remove(sim: VirtualSim, pcscd: PcscService) -> None:
    sim.remove()
    assert wait_for_slot(pcscd, card_present=False, timeout=5.0)


@pytest.fixture
def reader(pcscd: PcscService) -> Iterator[PcscReader]:
    reader = PcscReader(pcscd.reader_name)
    yield reader
    reader.close()


@pytest.fixture
async def steps(login_as: Any) -> flow.OrderSteps:
    api = CardWriteApi(await login_as("c001"))
    number = (await api.numbers())[0]
    order = await api.create_order(CUSTOMER, number, "P39", "full", Action())
    return flow.OrderSteps(api, order)


async def test_happy_path_read_script_write_verify_confirm(
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    reader: PcscReader,
    steps: flow.OrderSteps,
    backend: Backend,
) -> None:
    iccid = blank_cards(backend)[0]
    insert(virtual_sim, pcscd, VirtualCard.blank(iccid))
    card = flow.read_card(reader)
    assert (card.iccid, card.blank, card.imsi) == (iccid, True, None)
    profile = await steps.bind(card.iccid)
    progress: list[tuple[int, int]] = []
    result = flow.write_card(reader, profile, lambda d, t: progress.append((d, t)))
    assert isinstance(result, int) and progress[-1] == (result, result)
    matches, read_iccid, read_imsi = flow.read_back(reader, profile)
    assert matches and read_iccid == iccid and read_imsi == steps.order["imsi"]
    assert reader.apdu_count <= 40  # the whole card cycle (issue 16)
    await steps.written(read_iccid, read_imsi)
    await steps.presubmit("150")
    done = await steps.confirm()
    assert done["state"] == "activated"
    assert backend.store.get(CARDS, iccid)["state"] == "activated"
    number = backend.store.get(NUMBERS, done["msisdn"])
    assert number["state"] == "active" and number["imsi"] == read_imsi
    # What the card holds is what the backend issued, readable by standard tooling.
    sim_card = virtual_sim.card
    assert sim_card is not None and sim_card.imsi == read_imsi
    secrets = script.open_card_data(backend, CARD_DATA, backend.store.get(CARD_DATA, iccid))
    from branchdesk.devices import sim_files as fids

    assert secrets is not None and sim_card.peek(fids.PATH_KI).hex() == secrets["ki"]


async def test_no_card_in_the_reader(pcscd: PcscService, reader: PcscReader) -> None:
    assert wait_for_slot(pcscd, card_present=False, timeout=2.0)
    with pytest.raises(flow.NoReaderOrCard) as err:
        flow.read_card(reader, timeout=0.3)
    assert flow.problem_key(err.value) == "cw.error.no_reader"


async def test_no_reader_at_all(pcscd: PcscService) -> None:
    reader = PcscReader("No Such Reader")
    try:
        with pytest.raises(flow.NoReaderOrCard) as err:
            flow.read_card(reader, timeout=0.2)
        assert flow.problem_key(err.value) == "cw.error.no_reader"
    finally:
        reader.close()


def test_pcsc_service_down_is_the_driver_message(pcscd: PcscService) -> None:
    # libpcsclite reads its socket path once per process: a child with a dead socket.
    code = textwrap.dedent("""
        from branchdesk.devices.errors import ReaderError
        from branchdesk.devices.pcsc import PcscReader
        from branchdesk.screens.card_write import flow
        try:
            flow.read_card(PcscReader(), timeout=0.2)
        except ReaderError as exc:
            print(flow.problem_key(exc))
    """)
    env = dict(os.environ, PCSCLITE_CSOCK_NAME="/nonexistent/branchdesk/pcscd.comm")
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "cw.error.driver"


async def test_written_card_is_refused_before_anything_is_bound(
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    reader: PcscReader,
    steps: flow.OrderSteps,
    backend: Backend,
) -> None:
    iccid = blank_cards(backend)[0]
    insert(virtual_sim, pcscd, VirtualCard.written(iccid, "460011234567890"))
    card = flow.read_card(reader)
    assert not card.blank and card.imsi == "460011234567890"
    assert not flow.already_written_by(steps.order, card)
    # The server refuses it too, should the app not have looked: bind then write.
    profile = await steps.bind(card.iccid)
    result = flow.write_card(reader, profile)
    assert isinstance(result, flow.WriteFailure) and result.outcome == "untouched"
    assert flow.problem_key(result.error) == "cw.error.not_blank"
    await steps.failed(result)
    assert steps.order["state"] == "reserved"
    assert backend.store.get(CARDS, iccid)["state"] == "picked_up"


async def test_missing_write_script(
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    reader: PcscReader,
    steps: flow.OrderSteps,
    backend: Backend,
) -> None:
    iccid = blank_cards(backend, with_data=False)[0]
    insert(virtual_sim, pcscd, VirtualCard.blank(iccid))
    card = flow.read_card(reader)
    steps.api.client.lang = "zh-CN"
    with pytest.raises(ApiError) as err:
        await steps.bind(card.iccid)
    assert err.value.code == "write_script_missing"
    assert err.value.message == "写卡脚本内容不存在,请把号卡文件维护到数据库!"
    assert virtual_sim.card is not None and virtual_sim.card.update_count == 0


async def test_card_pulled_mid_write_then_retry_with_the_same_number(
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    reader: PcscReader,
    steps: flow.OrderSteps,
    backend: Backend,
) -> None:
    iccid = blank_cards(backend)[0]
    number = steps.order["msisdn"]
    free_before = len(backend.store.lookup(NUMBERS, "state", "free"))
    sim_card = VirtualCard.blank(iccid)
    insert(virtual_sim, pcscd, sim_card)
    profile = await steps.bind(flow.read_card(reader).iccid)
    imsi = steps.order["imsi"]
    virtual_sim.remove_after_updates(2)
    result = flow.write_card(reader, profile)
    assert isinstance(result, flow.WriteFailure) and result.outcome == "interrupted"
    assert flow.problem_key(result.error) == "cw.error.no_reader"
    await steps.failed(result)
    assert steps.order["state"] == "write_interrupted"
    assert backend.store.get(CARDS, iccid)["state"] == "write_interrupted"
    assert sim_card.is_blank  # EF.IMSI, the commit mark, was never written
    assert wait_for_slot(pcscd, card_present=False, timeout=5.0)

    insert(virtual_sim, pcscd, sim_card)  # the clerk re-inserts the same card
    card = flow.read_card(reader)
    assert card.iccid == iccid and card.blank
    profile = await steps.bind(card.iccid)
    assert steps.order["msisdn"] == number and steps.order["imsi"] == imsi
    assert isinstance(flow.write_card(reader, profile), int)
    matches, read_iccid, read_imsi = flow.read_back(reader, profile)
    assert matches
    await steps.written(read_iccid, read_imsi or "")
    await steps.presubmit("150")
    await steps.confirm()
    assert backend.store.get(CARDS, iccid)["state"] == "activated"
    assert len(backend.store.lookup(NUMBERS, "state", "free")) == free_before
    assert len(backend.store.lookup(NUMBERS, "state", "active")) == 1


async def test_wrong_adm_is_presented_once_and_never_retried(
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    reader: PcscReader,
    steps: flow.OrderSteps,
    backend: Backend,
) -> None:
    iccid, other = blank_cards(backend)[:2]
    sim_card = VirtualCard.blank(iccid, adm="12345678")  # the card data file says 88888888
    insert(virtual_sim, pcscd, sim_card)
    profile = await steps.bind(flow.read_card(reader).iccid)
    result = flow.write_card(reader, profile)
    assert isinstance(result, flow.WriteFailure) and result.outcome == "adm_rejected"
    assert result.tries_left == 2 and flow.problem_key(result.error) == "cw.error.adm"
    assert adm_presented(sim_card) == 1 and sim_card.update_count == 0
    await steps.failed(result)
    with pytest.raises(ApiError) as err:
        await steps.bind(iccid)
    assert err.value.code == "card_adm_rejected"
    assert adm_presented(sim_card) == 1
    # The same number goes on another blank card.
    remove(virtual_sim, pcscd)
    insert(virtual_sim, pcscd, VirtualCard.blank(other))
    profile = await steps.bind(flow.read_card(reader).iccid)
    assert isinstance(flow.write_card(reader, profile), int)


async def test_card_with_one_adm_try_left_is_not_written(
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    reader: PcscReader,
    steps: flow.OrderSteps,
    backend: Backend,
) -> None:
    iccid = blank_cards(backend)[0]
    sim_card = VirtualCard.blank(iccid)
    sim_card.adm_tries_left = 1
    insert(virtual_sim, pcscd, sim_card)
    profile = await steps.bind(flow.read_card(reader).iccid)
    result = flow.write_card(reader, profile)
    assert isinstance(result, flow.WriteFailure) and result.outcome == "adm_rejected"
    assert result.tries_left == 1
    assert flow.problem_key(result.error) == "cw.error.adm_last_try"
    assert adm_presented(sim_card) == 0 and sim_card.adm_tries_left == 1
    await steps.failed(result)
    with pytest.raises(ApiError) as err:
        await steps.bind(iccid)
    assert err.value.code == "card_adm_rejected"


async def test_card_keys_never_reach_a_file_or_a_log(
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    reader: PcscReader,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Write a card on a durable store, then search every file and log line for the keys."""
    caplog.set_level(logging.DEBUG)
    data_dir = tmp_path / "data"
    durable = make_backend(data_dir)
    client = await logged_in(durable, "c001")
    try:
        iccid = blank_cards(durable)[0]
        secrets = {"adm": "73915046", "ki": os.urandom(16).hex(), "opc": os.urandom(16).hex()}
        with durable.store.transaction() as txn:
            txn.put(CARD_DATA, iccid, script.seal_card_data(durable, CARD_DATA, iccid, secrets))
        api = CardWriteApi(client)
        order = await api.create_order(CUSTOMER, (await api.numbers())[0], "P39", "full", Action())
        steps = flow.OrderSteps(api, order)
        insert(virtual_sim, pcscd, VirtualCard.blank(iccid, adm=secrets["adm"]))
        profile = await steps.bind(flow.read_card(reader).iccid)
        assert isinstance(flow.write_card(reader, profile), int)
        matches, read_iccid, read_imsi = flow.read_back(reader, profile)
        assert matches and read_imsi is not None
        await steps.written(read_iccid, read_imsi)
        await steps.presubmit("150")
        await steps.confirm()
        trace = "\n".join(reader.last_trace)
    finally:
        await client.aclose()
        durable.store.close()
    needles = {secrets["ki"], secrets["opc"], secrets["adm"], secrets["adm"].encode().hex()}
    needles |= {n.upper() for n in needles}
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "the durable store wrote nothing"
    for path in files:
        content = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in content, f"a key is in {path}"
    logged = caplog.text + trace
    assert "APDU" in caplog.text  # the trace was logged, masked
    for needle in needles:
        assert needle not in logged
