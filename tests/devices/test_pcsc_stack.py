"""PcscReader through the real stack: pyscard -> pcscd -> vpcd -> VirtualSim."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from branchdesk.devices import sim_files as fids
from branchdesk.devices.errors import (
    CardMismatch,
    CardRemoved,
    NoReaderOrCard,
    WriteCancelled,
)
from branchdesk.devices.pcsc import PcscReader
from branchdesk.devices.profile import SimProfile
from branchdesk.devices.vcard import VirtualSim
from branchdesk.devices.virtual_card import VirtualCard
from support import sim_card
from support.pcsc import BLANK_ICCID, PcscService, insert_card, wait_for_slot

pytestmark = pytest.mark.pcsc

IMSI = "460011234567890"
KI = "000102030405060708090a0b0c0d0e0f"
OPC = "f0e0d0c0b0a090807060504030201000"
PROFILE = SimProfile(BLANK_ICCID, IMSI, KI, OPC, "88888888")
FULL_PROFILE = SimProfile(
    BLANK_ICCID, IMSI, KI, OPC, "88888888", msisdn="+8613012345678", spn="中国联通"
)
OTHER_ICCID = "89860070310112094338"
CARD_TIMEOUT = 5.0


@pytest.fixture
def reader(pcscd: PcscService) -> Iterator[PcscReader]:
    reader = PcscReader(pcscd.reader_name)
    yield reader
    reader.close()


def swap_card(sim: VirtualSim, card: VirtualCard, reader: PcscReader, pcscd: PcscService) -> None:
    insert_card(pcscd, sim, card)
    reader.wait_for_card(CARD_TIMEOUT)


def test_lists_the_virtual_reader(pcscd: PcscService) -> None:
    reader = PcscReader()
    try:
        assert pcscd.reader_name in reader.list_readers()
    finally:
        reader.close()


def test_reads_a_blank_card(virtual_sim: VirtualSim, reader: PcscReader) -> None:
    assert reader.wait_for_card(CARD_TIMEOUT) == "Virtual PCD 00 00"
    assert reader.read_iccid() == BLANK_ICCID
    assert reader.is_blank()
    assert reader.read_imsi() is None


def test_writes_verifies_and_reads_back(virtual_sim: VirtualSim, reader: PcscReader) -> None:
    card = virtual_sim.card
    assert card is not None
    reader.wait_for_card(CARD_TIMEOUT)
    progress: list[tuple[int, int]] = []
    count = reader.write_profile(FULL_PROFILE, progress=lambda d, t: progress.append((d, t)))
    # Checks 5 (ICCID, ADM tries, ADF, IMSI, VERIFY); MSISDN, SMSP 3 each; SPN, Ki, OPc
    # 2 each; AD, ACC, three PLMN lists, LOCI, PSLOCI, FPLMN and IMSI 1 each by SFI.
    assert count == 26
    assert progress[-1] == (26, 26)
    sim_card.assert_written_with(reader, card, FULL_PROFILE)
    # A fresh connection (the card was powered down in between) reads the same.
    reader.close()
    second = PcscReader("Virtual PCD")
    try:
        assert second.read_imsi() == IMSI
        assert second.verify(FULL_PROFILE).matches
        other = SimProfile(BLANK_ICCID, "460019999999999", KI, OPC, "88888888")
        assert not second.verify(other).matches
    finally:
        second.close()


def test_no_card_inserted(pcscd: PcscService, reader: PcscReader) -> None:
    assert wait_for_slot(pcscd, card_present=False, timeout=2.0)
    with pytest.raises(NoReaderOrCard) as caught:
        reader.wait_for_card(0.3)
    assert caught.value.code == "no_reader_or_card"
    sim_card.assert_no_card_to_read(reader)


def test_card_taken_out_between_operations(
    pcscd: PcscService, virtual_sim: VirtualSim, reader: PcscReader
) -> None:
    assert reader.read_iccid() == BLANK_ICCID
    virtual_sim.remove()
    assert wait_for_slot(pcscd, card_present=False, timeout=2.0)
    sim_card.assert_no_card_to_read(reader)


def test_swapped_card_is_read_afresh_and_protected(
    pcscd: PcscService, virtual_sim: VirtualSim, reader: PcscReader
) -> None:
    assert reader.read_iccid() == BLANK_ICCID
    other = VirtualCard.blank(OTHER_ICCID)
    swap_card(virtual_sim, other, reader, pcscd)
    assert reader.read_iccid() == OTHER_ICCID
    with pytest.raises(CardMismatch):
        reader.write_profile(PROFILE)
    assert other.is_blank
    assert sim_card.adm_presented(other) == 0


def test_written_card_is_refused(
    pcscd: PcscService, virtual_sim: VirtualSim, reader: PcscReader
) -> None:
    written = VirtualCard.written(BLANK_ICCID, "460010000000001")
    swap_card(virtual_sim, written, reader, pcscd)
    sim_card.assert_a_written_card_is_refused(reader, written, PROFILE, "460010000000001")
    assert written.update_count == 0


def test_card_pulled_mid_write(
    pcscd: PcscService, virtual_sim: VirtualSim, reader: PcscReader
) -> None:
    card = virtual_sim.card
    assert card is not None
    reader.wait_for_card(CARD_TIMEOUT)
    virtual_sim.remove_after_updates(1)
    with pytest.raises(CardRemoved) as caught:
        reader.write_profile(PROFILE)
    assert caught.value.code == "card_removed"
    assert not virtual_sim.inserted
    # EF.SMSP landed, the keys and EF.IMSI (written last) did not: the card is still blank.
    assert card.peek(fids.PATH_KI) == b"\xff" * 16
    assert card.is_blank
    # pcscd notices the empty slot at its next presence poll (every 0.4 s).
    assert wait_for_slot(pcscd, card_present=False, timeout=2.0)
    sim_card.assert_no_card_to_read(reader)
    # Put back, the same card takes a complete write.
    swap_card(virtual_sim, card, reader, pcscd)
    assert reader.is_blank()
    reader.write_profile(PROFILE)
    assert reader.verify(PROFILE).matches


def test_wrong_adm_is_sent_exactly_once(virtual_sim: VirtualSim, reader: PcscReader) -> None:
    card = virtual_sim.card
    assert card is not None
    sim_card.assert_a_wrong_adm_is_sent_once(reader, card, PROFILE)
    assert card.adm_tries_left == 2
    assert reader.is_blank()


def test_cancel_before_first_update(virtual_sim: VirtualSim, reader: PcscReader) -> None:
    card = virtual_sim.card
    assert card is not None
    cancel = threading.Event()
    with pytest.raises(WriteCancelled) as caught:
        reader.write_profile(
            PROFILE, progress=lambda done, _t: done == 5 and cancel.set(), cancel=cancel
        )
    assert caught.value.card_untouched
    assert card.update_count == 0
    assert card.is_blank


def test_pcscd_not_running() -> None:
    # libpcsclite picks its socket once per process, so ask from a child process whose
    # socket path leads nowhere: exactly what a client sees when pcscd is not running.
    script = (
        "from branchdesk.devices.pcsc import PcscReader\n"
        "from branchdesk.devices.errors import ReaderError\n"
        "reader = PcscReader()\n"
        "for call in (reader.list_readers, lambda: reader.wait_for_card(0.2), reader.read_iccid):\n"
        "    try:\n"
        "        call()\n"
        "        print('ok')\n"
        "    except ReaderError as exc:\n"
        "        print(type(exc).__name__, exc.code)\n"
    )
    env = dict(os.environ, PCSCLITE_CSOCK_NAME="/nonexistent/branchdesk/pcscd.comm")
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["ServiceUnavailable pcsc_unavailable"] * 3
