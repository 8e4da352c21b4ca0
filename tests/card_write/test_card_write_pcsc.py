"""The card steps of an account opening through the real stack:
pyscard -> pcscd -> vpcd -> VirtualSim, against the real client and the in-process backend."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from card_write.orders import blank_cards, refused

from branchdesk.clients.api import Action
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write import script
from branchdesk.clients.local.card_write.catalog import CARD_DATA, NUMBERS
from branchdesk.clients.local.sim.rules import CARDS
from branchdesk.devices.pcsc import PcscReader
from branchdesk.devices.vcard import VirtualSim
from branchdesk.devices.virtual_card import VirtualCard
from branchdesk.screens.card_write import flow
from support.backend import logged_in, make_backend
from support.pcsc import PcscService, insert_card, wait_for_slot

if TYPE_CHECKING:
    from branchdesk.clients.models import OrderOut
    from branchdesk.devices.profile import SimProfile

pytestmark = pytest.mark.pcsc

CUSTOMER = {
    "name": "李华",
    "id_number": "11010519491231002X",
    "contact": "13900139000",
    "address": "天津市和平区南京路 100 号",
}


def adm_presented(card: VirtualCard) -> int:
    """VERIFY commands that carried a key (not retry-counter queries)."""
    return sum(1 for c in card.commands if c[1] == 0x20 and len(c) > 5)


@pytest.fixture
def reader(pcscd: PcscService) -> Iterator[PcscReader]:
    reader = PcscReader(pcscd.reader_name)
    yield reader
    reader.close()


async def new_steps(api: CardWriteApi) -> flow.OrderSteps:
    order = await api.create_order(CUSTOMER, (await api.numbers())[0], "P39", "full", Action())
    return flow.OrderSteps(api, order)


@dataclass
class Desk:
    """The clerk's desk: the virtual SIM in the vpcd reader, pyscard, an order's steps."""

    sim: VirtualSim
    pcscd: PcscService
    reader: PcscReader
    steps: flow.OrderSteps
    backend: Backend

    def insert(self, card: VirtualCard) -> VirtualCard:
        insert_card(self.pcscd, self.sim, card)
        return card

    def remove(self) -> None:
        self.sim.remove()
        assert wait_for_slot(self.pcscd, card_present=False, timeout=5.0)

    async def bind(self) -> SimProfile:
        """Read the card in the reader and bind it to the order: the write script."""
        return await self.steps.bind(flow.read_card(self.reader).iccid)

    def write(self, profile: SimProfile) -> flow.WriteFailure:
        """A write expected to fail: how it failed."""
        result = flow.write_card(self.reader, profile)
        assert isinstance(result, flow.WriteFailure)
        return result

    async def finish(self, profile: SimProfile) -> OrderOut:
        """Verify the written card, report it written, take the fees and submit."""
        matches, iccid, imsi = flow.read_back(self.reader, profile)
        assert matches and imsi is not None
        await self.steps.written(iccid, imsi)
        await self.steps.presubmit("150")
        return await self.steps.confirm()


@pytest.fixture
async def desk(
    virtual_sim: VirtualSim,
    pcscd: PcscService,
    reader: PcscReader,
    api: CardWriteApi,
    backend: Backend,
) -> Desk:
    return Desk(virtual_sim, pcscd, reader, await new_steps(api), backend)


async def test_happy_path_read_script_write_verify_confirm(desk: Desk) -> None:
    reader, steps, backend = desk.reader, desk.steps, desk.backend
    iccid = blank_cards(backend)[0]
    desk.insert(VirtualCard.blank(iccid))
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
    sim_card = desk.sim.card
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


async def test_written_card_is_refused_before_anything_is_bound(desk: Desk) -> None:
    iccid = blank_cards(desk.backend)[0]
    desk.insert(VirtualCard.written(iccid, "460011234567890"))
    card = flow.read_card(desk.reader)
    assert not card.blank and card.imsi == "460011234567890"
    assert not flow.already_written_by(desk.steps.order, card)
    # The server refuses it too, should the app not have looked: bind then write.
    result = desk.write(await desk.bind())
    assert result.outcome == "untouched"
    assert flow.problem_key(result.error) == "cw.error.not_blank"
    await desk.steps.failed(result)
    assert desk.steps.order["state"] == "reserved"
    assert desk.backend.store.get(CARDS, iccid)["state"] == "picked_up"


async def test_missing_write_script(desk: Desk) -> None:
    card = desk.insert(VirtualCard.blank(blank_cards(desk.backend, with_data=False)[0]))
    desk.steps.api.client.lang = "zh-CN"
    err = await refused(desk.bind())
    assert err.code == "write_script_missing"
    assert err.message == "写卡脚本内容不存在,请把号卡文件维护到数据库!"
    assert card.update_count == 0


async def test_card_pulled_mid_write_then_retry_with_the_same_number(desk: Desk) -> None:
    reader, steps, backend = desk.reader, desk.steps, desk.backend
    iccid = blank_cards(backend)[0]
    number = steps.order["msisdn"]
    free_before = len(backend.store.lookup(NUMBERS, "state", "free"))
    sim_card = desk.insert(VirtualCard.blank(iccid))
    profile = await desk.bind()
    imsi = steps.order["imsi"]
    desk.sim.remove_after_updates(2)
    result = desk.write(profile)
    assert result.outcome == "interrupted"
    assert flow.problem_key(result.error) == "cw.error.no_reader"
    await steps.failed(result)
    assert steps.order["state"] == "write_interrupted"
    assert backend.store.get(CARDS, iccid)["state"] == "write_interrupted"
    assert sim_card.is_blank  # EF.IMSI, the commit mark, was never written
    assert wait_for_slot(desk.pcscd, card_present=False, timeout=5.0)

    desk.insert(sim_card)  # the clerk re-inserts the same card
    card = flow.read_card(reader)
    assert card.iccid == iccid and card.blank
    profile = await steps.bind(card.iccid)
    assert steps.order["msisdn"] == number and steps.order["imsi"] == imsi
    assert isinstance(flow.write_card(reader, profile), int)
    await desk.finish(profile)
    assert backend.store.get(CARDS, iccid)["state"] == "activated"
    assert len(backend.store.lookup(NUMBERS, "state", "free")) == free_before
    assert len(backend.store.lookup(NUMBERS, "state", "active")) == 1


async def test_wrong_adm_is_presented_once_and_never_retried(desk: Desk) -> None:
    iccid, other = blank_cards(desk.backend)[:2]
    # The card data file says 88888888.
    sim_card = desk.insert(VirtualCard.blank(iccid, adm="12345678"))
    result = desk.write(await desk.bind())
    assert result.outcome == "adm_rejected"
    assert result.tries_left == 2 and flow.problem_key(result.error) == "cw.error.adm"
    assert adm_presented(sim_card) == 1 and sim_card.update_count == 0
    await desk.steps.failed(result)
    assert (await refused(desk.steps.bind(iccid))).code == "card_adm_rejected"
    assert adm_presented(sim_card) == 1
    # The same number goes on another blank card.
    desk.remove()
    desk.insert(VirtualCard.blank(other))
    assert isinstance(flow.write_card(desk.reader, await desk.bind()), int)


async def test_card_with_one_adm_try_left_is_not_written(desk: Desk) -> None:
    iccid = blank_cards(desk.backend)[0]
    sim_card = VirtualCard.blank(iccid)
    sim_card.adm_tries_left = 1
    desk.insert(sim_card)
    result = desk.write(await desk.bind())
    assert result.outcome == "adm_rejected" and result.tries_left == 1
    assert flow.problem_key(result.error) == "cw.error.adm_last_try"
    assert adm_presented(sim_card) == 0 and sim_card.adm_tries_left == 1
    await desk.steps.failed(result)
    assert (await refused(desk.steps.bind(iccid))).code == "card_adm_rejected"


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
        iccid, refusing = blank_cards(durable)[:2]
        secrets = {"adm": "73915046", "ki": os.urandom(16).hex(), "opc": os.urandom(16).hex()}
        # A second card refuses its key: the failure's error text is searched too.
        other = {
            "adm": os.urandom(8).hex(),
            "ki": os.urandom(16).hex(),
            "opc": os.urandom(16).hex(),
        }
        with durable.store.transaction() as txn:
            txn.put(CARD_DATA, iccid, script.seal_card_data(durable, CARD_DATA, iccid, secrets))
            txn.put(CARD_DATA, refusing, script.seal_card_data(durable, CARD_DATA, refusing, other))
        desk = Desk(virtual_sim, pcscd, reader, await new_steps(CardWriteApi(client)), durable)
        desk.insert(VirtualCard.blank(iccid, adm=secrets["adm"]))
        profile = await desk.bind()
        assert isinstance(flow.write_card(reader, profile), int)
        await desk.finish(profile)
        trace = "\n".join(reader.last_trace)
        desk.remove()
        desk.steps = await new_steps(CardWriteApi(client))
        desk.insert(VirtualCard.blank(refusing, adm="1122334455667788"))
        failure = desk.write(await desk.bind())
        assert failure.outcome == "adm_rejected"
        await desk.steps.failed(failure)
        trace += "\n".join(reader.last_trace)
        errors = f"{failure.error} {failure.error!r} {failure!r}"
    finally:
        await client.aclose()
        durable.store.close()
    needles = {secrets["ki"], secrets["opc"], secrets["adm"], secrets["adm"].encode().hex()}
    needles |= {other["ki"], other["opc"], other["adm"]}
    needles |= {n.upper() for n in needles}
    files = [p for p in data_dir.rglob("*") if p.is_file()]
    assert files, "the durable store wrote nothing"
    # And the app's own directories (config with the store key file, data, the temp dir).
    for env in ("BRANCHDESK_CONFIG_DIR", "BRANCHDESK_DATA_DIR"):
        files += [p for p in Path(os.environ[env]).rglob("*") if p.is_file()]
    files += [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(data_dir)]
    for path in files:
        content = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in content, f"a key is in {path}"
    logged = caplog.text + trace + errors
    assert "APDU" in caplog.text  # the trace was logged, masked
    for needle in needles:
        assert needle not in logged
