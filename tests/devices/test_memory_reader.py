"""The card flows through MemoryReader: same APDU sequences as PcscReader, no pcscd."""

from __future__ import annotations

import threading

import pytest

from branchdesk.devices import sim_files as fids
from branchdesk.devices.errors import (
    AdmLastTry,
    CardMismatch,
    CardNotBlank,
    CardRemoved,
    NoReaderOrCard,
    ServiceUnavailable,
    WriteCancelled,
)
from branchdesk.devices.memory import MemoryReader
from branchdesk.devices.profile import SimProfile
from branchdesk.devices.reader import Reader
from branchdesk.devices.virtual_card import VirtualCard
from support import sim_card

ICCID = "89860070310112094320"
IMSI = "460011234567890"
KI = "000102030405060708090a0b0c0d0e0f"
OPC = "f0e0d0c0b0a090807060504030201000"
PROFILE = SimProfile(ICCID, IMSI, KI, OPC, "88888888")
FULL_PROFILE = SimProfile(ICCID, IMSI, KI, OPC, "88888888", msisdn="+8613012345678", spn="CU")
# EF.ICCID, ADM tries, SELECT ADF.USIM, EF.IMSI, VERIFY; EF.SMSP 3; AD, ACC, three PLMN
# lists, LOCI, PSLOCI, FPLMN by SFI; Ki and OPc 2 each; EF.IMSI by SFI.
PLAIN_WRITE_APDUS = 5 + 3 + 8 + 4 + 1


@pytest.fixture
def card() -> VirtualCard:
    return VirtualCard.blank(ICCID)


@pytest.fixture
def reader(card: VirtualCard) -> MemoryReader:
    return MemoryReader(card)


def test_memory_reader_is_a_reader(reader: MemoryReader) -> None:
    assert isinstance(reader, Reader)


def test_reads_a_blank_card(reader: MemoryReader) -> None:
    assert reader.wait_for_card(0.1) == reader.name
    assert reader.read_iccid() == ICCID
    assert reader.is_blank()
    assert reader.read_imsi() is None


def test_write_then_verify(reader: MemoryReader, card: VirtualCard) -> None:
    count = reader.write_profile(PROFILE)
    assert count == PLAIN_WRITE_APDUS
    sim_card.assert_written_with(reader, card, PROFILE)
    assert not card.adm_verified  # the session ended with a reset


def test_write_with_msisdn_and_spn(reader: MemoryReader) -> None:
    reader.write_profile(FULL_PROFILE)
    assert reader.verify(FULL_PROFILE).matches
    other_number = SimProfile(ICCID, IMSI, KI, OPC, "88888888", msisdn="+8613000000000")
    assert not reader.verify(other_number).matches
    other_keys = SimProfile(ICCID, IMSI, OPC, KI, "88888888", msisdn="+8613012345678", spn="CU")
    result = reader.verify(other_keys)
    assert not result.authenticated and not result.matches


def test_verify_detects_a_different_imsi(reader: MemoryReader) -> None:
    reader.write_profile(PROFILE)
    assert not reader.verify(SimProfile(ICCID, "460019999999999", KI, OPC, "88888888")).matches


def test_progress_reports_every_apdu_up_to_the_total(reader: MemoryReader) -> None:
    calls: list[tuple[int, int]] = []
    count = reader.write_profile(
        FULL_PROFILE, progress=lambda done, total: calls.append((done, total))
    )
    assert [done for done, _total in calls] == list(range(1, count + 1))
    assert {total for _done, total in calls} == {count}


def test_apdu_count_accumulates(reader: MemoryReader) -> None:
    reader.read_iccid()
    assert reader.apdu_count == 3  # EF.ICCID by SFI, SELECT ADF.USIM, EF.IMSI by SFI
    reader.write_profile(PROFILE)
    assert reader.apdu_count == 3 + PLAIN_WRITE_APDUS


def test_cancel_before_start_sends_nothing(reader: MemoryReader, card: VirtualCard) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(WriteCancelled) as caught:
        reader.write_profile(PROFILE, cancel=cancel)
    assert caught.value.apdu_count == 0
    assert caught.value.card_untouched
    assert card.commands == []


def test_cancel_before_first_update_leaves_card_untouched(
    reader: MemoryReader, card: VirtualCard
) -> None:
    cancel = threading.Event()

    def progress(done: int, _total: int) -> None:
        if done == 5:  # just after VERIFY ADM
            cancel.set()

    with pytest.raises(WriteCancelled) as caught:
        reader.write_profile(PROFILE, progress=progress, cancel=cancel)
    assert caught.value.apdu_count == 5
    assert caught.value.card_untouched
    assert card.update_count == 0
    assert card.peek(fids.PATH_KI) == b"\xff" * 16


def test_cancel_mid_write_keeps_card_blank(reader: MemoryReader, card: VirtualCard) -> None:
    cancel = threading.Event()
    with pytest.raises(WriteCancelled) as caught:
        reader.write_profile(
            PROFILE, progress=lambda done, _t: done == 8 and cancel.set(), cancel=cancel
        )
    assert not caught.value.card_untouched
    assert card.update_count == 1  # EF.SMSP written, EF.IMSI (the commit mark) not
    assert card.is_blank
    assert reader.write_profile(PROFILE) == PLAIN_WRITE_APDUS  # a retry starts over
    assert reader.verify(PROFILE).matches


def test_service_down() -> None:
    reader = MemoryReader(VirtualCard.blank(ICCID), service_running=False)
    with pytest.raises(ServiceUnavailable) as caught:
        reader.list_readers()
    assert caught.value.code == "pcsc_unavailable"
    with pytest.raises(ServiceUnavailable):
        reader.read_iccid()


def test_no_reader() -> None:
    reader = MemoryReader(VirtualCard.blank(ICCID), reader_connected=False)
    assert reader.list_readers() == []
    with pytest.raises(NoReaderOrCard) as caught:
        reader.wait_for_card(0.05)
    assert caught.value.code == "no_reader_or_card"


def test_no_card() -> None:
    reader = MemoryReader()
    assert reader.list_readers() == [reader.name]
    with pytest.raises(NoReaderOrCard):
        reader.wait_for_card(0.05)
    sim_card.assert_no_card_to_read(reader)


def test_wait_for_card_sees_a_card_inserted_meanwhile() -> None:
    reader = MemoryReader()
    inserter = threading.Timer(0.05, reader.insert, args=(VirtualCard.blank(ICCID),))
    inserter.start()
    assert reader.wait_for_card(2.0) == reader.name
    assert reader.read_iccid() == ICCID


def test_written_card_is_refused() -> None:
    card = VirtualCard.written(ICCID, "460010000000001")
    reader = MemoryReader(card)
    sim_card.assert_a_written_card_is_refused(reader, card, PROFILE, "460010000000001")
    assert card.imsi == "460010000000001"


def test_profile_for_another_card_is_refused() -> None:
    reader = MemoryReader(VirtualCard.blank("89860070310112094338"))
    with pytest.raises(CardMismatch) as caught:
        reader.write_profile(PROFILE)
    assert caught.value.code == "card_not_blank"
    assert caught.value.actual_iccid == "89860070310112094338"


def test_card_pulled_mid_write(reader: MemoryReader, card: VirtualCard) -> None:
    card.schedule_pull(after_updates=1)
    with pytest.raises(CardRemoved) as caught:
        reader.write_profile(PROFILE)
    assert caught.value.code == "card_removed"
    assert reader.card is None
    # EF.SMSP landed, the keys and EF.IMSI did not: the card still reads as blank.
    assert card.peek(fids.PATH_SMSP) != b"\xff" * 56
    assert card.peek(fids.PATH_KI) == b"\xff" * 16
    assert card.is_blank
    sim_card.assert_no_card_to_read(reader)
    reader.insert(card)
    reader.write_profile(PROFILE)
    assert reader.verify(PROFILE).matches


def test_wrong_adm_is_sent_once(card: VirtualCard) -> None:
    sim_card.assert_a_wrong_adm_is_sent_once(MemoryReader(card), card, PROFILE)
    assert card.is_blank


@pytest.mark.parametrize(
    "tries_left",
    [
        pytest.param(1, id="one_adm_try_left_is_not_risked"),
        pytest.param(0, id="blocked_adm_reports_zero_tries"),  # a blocked key is not even tried
    ],
)
def test_an_adm_key_with_no_try_to_spare_is_not_sent(tries_left: int) -> None:
    card = VirtualCard.blank(ICCID)
    card.adm_tries_left = tries_left
    with pytest.raises(AdmLastTry) as caught:
        MemoryReader(card).write_profile(PROFILE)
    assert caught.value.tries_left == tries_left
    assert caught.value.code == "adm_last_try"
    assert sim_card.adm_presented(card) == 0
    assert card.adm_tries_left == tries_left


def test_hex_adm_key() -> None:
    card = VirtualCard.blank(ICCID, adm="3132333435363738")
    reader = MemoryReader(card)
    reader.write_profile(SimProfile(ICCID, IMSI, KI, OPC, "3132333435363738"))
    assert reader.verify(PROFILE).matches


def test_keys_never_in_the_apdu_trace(reader: MemoryReader) -> None:
    reader.write_profile(FULL_PROFILE)
    written = " ".join(reader.last_trace)
    reader.verify(FULL_PROFILE)
    trace = (written + " ".join(reader.last_trace)).upper()
    for secret in (KI, OPC, b"88888888".hex()):
        assert secret.upper() not in trace
    assert "0020000A08 ****" in trace


def test_card_without_sim_files_is_unreadable() -> None:
    card = VirtualCard.blank(ICCID)
    del card.mf.children[fids.EF_ICCID]
    with pytest.raises(CardNotBlank):
        MemoryReader(card).read_iccid()


def test_a_whole_cycle_takes_at_most_40_apdus(reader: MemoryReader, card: VirtualCard) -> None:
    identity = reader.read_card()
    assert identity.blank and identity.iccid == ICCID
    reader.write_profile(FULL_PROFILE)
    result = reader.verify(FULL_PROFILE)
    assert result.matches and result.authenticated and result.gsm_imsi == IMSI
    assert reader.apdu_count == 40
    assert card.sqn_ms > 0  # the test AUTHENTICATE was accepted


@pytest.mark.parametrize("spn", ["中国仿", "仿仿仿仿仿仿仿", "CU"])
def test_an_spn_whose_last_character_ends_in_ff_verifies(card: VirtualCard, spn: str) -> None:
    # Issue 16: 仿 is U+4EFF; the decoder stripped trailing FF bytes, so a correct write of
    # "中国仿" read back as "中国" and the verify failed.
    profile = SimProfile(ICCID, IMSI, KI, OPC, "88888888", spn=spn)
    MemoryReader(card).write_profile(profile)
    result = MemoryReader(card).verify(profile)
    assert result.spn == spn and result.matches


def test_a_card_whose_iccid_fails_luhn_is_refused_on_the_device() -> None:
    # Issue 16: 89860126011000003531 (check digit 3531, Luhn says 3530) was encoded and accepted.
    card = VirtualCard.blank("89860126011000003531")
    reader = MemoryReader(card)
    with pytest.raises(CardNotBlank, match="check digit"):
        reader.read_card()
    with pytest.raises(ValueError, match="Luhn"):
        SimProfile("89860126011000003531", IMSI, KI, OPC, "88888888")
    assert card.update_count == 0
