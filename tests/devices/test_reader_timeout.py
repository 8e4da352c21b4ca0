"""A reader or card that stops answering, through the real stack (pyscard -> pcscd -> vpcd ->
VirtualSim): PC/SC itself waits for ever, TimedReader gives up after its time limit."""

from __future__ import annotations

import threading
import time

import pytest

from branchdesk.devices.errors import CardRemoved, ReaderTimeout
from branchdesk.devices.pcsc import PcscReader
from branchdesk.devices.profile import SimProfile
from branchdesk.devices.timed import DEFAULT_TIMEOUT, TimedReader
from branchdesk.devices.vcard import VirtualSim
from branchdesk.devices.virtual_card import VirtualCard
from support.pcsc import BLANK_ICCID, PcscService, insert_card, wait_for_slot

pytestmark = pytest.mark.pcsc

LIMIT = 1.0
SLACK = 2.0  # thread start and polling on a loaded machine
PROFILE = SimProfile(
    BLANK_ICCID,
    "460011234567890",
    "000102030405060708090a0b0c0d0e0f",
    "f0e0d0c0b0a090807060504030201000",
    "88888888",
)


def timed(pcscd: PcscService, made: list[PcscReader] | None = None) -> TimedReader:
    def factory() -> PcscReader:
        reader = PcscReader(pcscd.reader_name)
        if made is not None:
            made.append(reader)
        return reader

    return TimedReader(factory, LIMIT)


def test_the_default_limit_is_ten_seconds() -> None:
    assert DEFAULT_TIMEOUT == 10.0


def test_a_card_that_stops_answering_a_read_times_out_and_a_retry_works(
    virtual_sim: VirtualSim, pcscd: PcscService
) -> None:
    made: list[PcscReader] = []
    reader = timed(pcscd, made)
    try:
        card = VirtualCard.blank(BLANK_ICCID)
        insert_card(pcscd, virtual_sim, card)
        virtual_sim.stop_answering(0)
        started = time.monotonic()
        with pytest.raises(ReaderTimeout) as caught:
            reader.read_card()
        assert LIMIT <= time.monotonic() - started < LIMIT + SLACK
        assert isinstance(caught.value, CardRemoved)  # handled like a card pulled out
        assert caught.value.code == "reader_timeout" and caught.value.seconds == LIMIT
        assert reader.abandoned == 1
        # The clerk takes the card out and puts it back: the stuck PC/SC call ends, and the
        # next read uses a fresh reader.
        insert_card(pcscd, virtual_sim, card)
        reader.wait_for_card(5.0)
        assert reader.read_card().iccid == BLANK_ICCID
        assert len(made) == 2
    finally:
        reader.close()


def test_a_write_that_stops_answering_times_out_and_writes_no_further(
    virtual_sim: VirtualSim, pcscd: PcscService
) -> None:
    reader = timed(pcscd)
    try:
        card = VirtualCard.blank(BLANK_ICCID)
        insert_card(pcscd, virtual_sim, card)
        virtual_sim.stop_answering(2)
        cancel = threading.Event()
        progress: list[int] = []
        with pytest.raises(ReaderTimeout):
            reader.write_profile(PROFILE, lambda done, _total: progress.append(done), cancel)
        assert cancel.is_set()  # the write stops before its next command
        assert progress  # a write that shows progress is not timed out while it does
        assert card.update_count == 2
        virtual_sim.remove()
        assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
        assert card.update_count == 2
    finally:
        reader.close()


def test_waiting_for_a_card_is_not_a_silent_reader(pcscd: PcscService) -> None:
    """wait_for_card(t) may take t: the limit counts from the end of the wait."""
    reader = timed(pcscd)
    try:
        assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
        started = time.monotonic()
        with pytest.raises(Exception) as caught:
            reader.wait_for_card(LIMIT + 0.5)
        assert not isinstance(caught.value, ReaderTimeout)
        assert time.monotonic() - started >= LIMIT + 0.5
    finally:
        reader.close()
