"""The virtual card's APDU behaviour, driven directly (no reader, no sockets)."""

from __future__ import annotations

import pytest

from branchdesk.devices import apdu, encoding
from branchdesk.devices import sim_files as fids
from branchdesk.devices.virtual_card import CardPulled, VirtualCard

ICCID = "89860070310112094320"
IMSI = "460001234567890"


def send(card: VirtualCard, command: bytes) -> tuple[bytes, str]:
    response = card.process_apdu(command)
    return response[:-2], response[-2:].hex().upper()


def select(card: VirtualCard, *path: int) -> str:
    sw = ""
    for fid in path:
        _data, sw = send(card, apdu.select(fid))
    return sw


@pytest.fixture
def card() -> VirtualCard:
    return VirtualCard.blank(ICCID)


def test_select_answers_9f_and_get_response_describes_the_file(card: VirtualCard) -> None:
    assert select(card, fids.MF) == "9F16"
    sw = select(card, fids.EF_ICCID)
    assert sw == "9F0F"
    data, sw = send(card, apdu.get_response(0x0F))
    assert sw == "9000"
    info = apdu.FileInfo.parse(data)
    assert (info.fid, info.size, info.structure) == (0x2FE2, 10, apdu.FileStructure.TRANSPARENT)
    assert data[8] == 0x0F  # read ALWAYS, update NEVER


def test_iso_style_card_answers_61xx() -> None:
    card = VirtualCard(ICCID, response_ready_sw1=0x61)
    assert select(card, fids.MF, fids.DF_GSM, fids.EF_IMSI) == "610F"


def test_read_iccid_and_blank_imsi(card: VirtualCard) -> None:
    select(card, fids.MF, fids.EF_ICCID)
    data, sw = send(card, apdu.read_binary(0, 10))
    assert (data, sw) == (encoding.encode_iccid(ICCID), "9000")
    select(card, fids.DF_GSM, fids.EF_IMSI)
    data, sw = send(card, apdu.read_binary(0, 9))
    assert (data, sw) == (b"\xff" * 9, "9000")
    assert card.is_blank and card.imsi is None


def test_absent_file_is_6a82_or_9404(card: VirtualCard) -> None:
    assert select(card, fids.MF, 0x6F99) == "6A82"
    assert select(card, fids.MF, fids.EF_IMSI) == "6A82"  # EF.IMSI lives in DF.GSM
    gsm = VirtualCard(ICCID, gsm_errors=True)
    assert select(gsm, fids.MF, 0x6F99) == "9404"


def test_key_files_are_write_only(card: VirtualCard) -> None:
    select(card, fids.MF, fids.DF_GSM, fids.EF_KI)
    assert send(card, apdu.read_binary(0, 16))[1] == "6982"
    assert send(card, apdu.verify_adm("88888888"))[1] == "9000"
    assert send(card, apdu.update_binary(0, bytes(range(16))))[1] == "9000"
    assert send(card, apdu.read_binary(0, 16))[1] == "6982"  # even with ADM
    assert card.peek(fids.PATH_KI) == bytes(range(16))


def test_update_needs_adm(card: VirtualCard) -> None:
    select(card, fids.MF, fids.DF_GSM, fids.EF_IMSI)
    assert send(card, apdu.update_binary(0, encoding.encode_imsi(IMSI)))[1] == "6982"
    assert card.is_blank
    assert send(card, apdu.verify_adm("88888888"))[1] == "9000"
    assert send(card, apdu.update_binary(0, encoding.encode_imsi(IMSI)))[1] == "9000"
    assert card.imsi == IMSI
    assert card.update_count == 1


def test_iccid_cannot_be_rewritten_even_with_adm(card: VirtualCard) -> None:
    send(card, apdu.verify_adm("88888888"))
    select(card, fids.MF, fids.EF_ICCID)
    assert send(card, apdu.update_binary(0, b"\x00" * 10))[1] == "6982"
    assert card.iccid == ICCID


def test_wrong_adm_counts_down_then_blocks(card: VirtualCard) -> None:
    assert send(card, apdu.verify_adm("00000000"))[1] == "63C2"
    assert send(card, apdu.verify_adm("00000001"))[1] == "63C1"
    assert send(card, apdu.verify_adm("00000002"))[1] == "63C0"
    assert card.adm_blocked
    # Blocked: even the right key is refused now.
    assert send(card, apdu.verify_adm("88888888"))[1] == "6983"
    assert not card.adm_verified


def test_right_adm_resets_the_counter(card: VirtualCard) -> None:
    send(card, apdu.verify_adm("00000000"))
    assert send(card, apdu.verify_adm("88888888"))[1] == "9000"
    assert card.adm_tries_left == 3


def test_gsm_status_words_for_wrong_adm() -> None:
    card = VirtualCard(ICCID, gsm_errors=True)
    assert send(card, apdu.verify_adm("00000000"))[1] == "9804"
    assert send(card, apdu.verify_adm("00000000"))[1] == "9804"
    assert send(card, apdu.verify_adm("00000000"))[1] == "9840"


def test_custom_adm_key() -> None:
    card = VirtualCard.blank(ICCID, adm="12345678")
    assert send(card, apdu.verify_adm("88888888"))[1] == "63C2"
    assert send(card, apdu.verify_adm("12345678"))[1] == "9000"


def test_reset_drops_adm_verification(card: VirtualCard) -> None:
    send(card, apdu.verify_adm("88888888"))
    card.reset()
    select(card, fids.MF, fids.DF_GSM, fids.EF_IMSI)
    assert send(card, apdu.update_binary(0, encoding.encode_imsi(IMSI)))[1] == "6982"


def test_msisdn_is_a_record_file(card: VirtualCard) -> None:
    send(card, apdu.verify_adm("88888888"))
    select(card, fids.MF, fids.DF_TELECOM, fids.EF_MSISDN)
    info = apdu.FileInfo.parse(send(card, apdu.get_response(0))[0])
    assert (info.structure, info.record_length) == (apdu.FileStructure.LINEAR_FIXED, 14)
    record = encoding.encode_msisdn("+8613012345678", 14)
    assert send(card, apdu.update_record(1, record))[1] == "9000"
    assert send(card, apdu.read_record(1, 14)) == (record, "9000")
    assert send(card, apdu.read_record(2, 14))[1] == "6A83"
    assert send(card, apdu.read_binary(0, 14))[1] == "6981"


def test_malformed_commands(card: VirtualCard) -> None:
    assert send(card, b"\xa0\xa4")[1] == "6700"
    assert send(card, bytes.fromhex("00A4000002 3F00"))[1] == "6E00"
    assert send(card, bytes.fromhex("A0CA000000"))[1] == "6D00"
    assert send(card, apdu.get_response(10))[1] == "6985"  # nothing pending
    select(card, fids.MF, fids.EF_ICCID)
    assert send(card, apdu.read_binary(0, 11))[1] == "6700"


def test_written_card_is_not_blank() -> None:
    card = VirtualCard.written(ICCID, IMSI)
    assert not card.is_blank
    assert card.imsi == IMSI


def test_scheduled_pull_skips_the_next_command(card: VirtualCard) -> None:
    send(card, apdu.verify_adm("88888888"))
    select(card, fids.MF, fids.DF_GSM, fids.EF_KI)
    card.schedule_pull(after_updates=1)
    assert send(card, apdu.update_binary(0, bytes(16)))[1] == "9000"
    select_ki = apdu.select(fids.EF_OPC)
    with pytest.raises(CardPulled):
        card.process_apdu(select_ki)
    assert select_ki not in card.commands  # never executed
    assert not card.adm_verified  # pulling the card powers it off
