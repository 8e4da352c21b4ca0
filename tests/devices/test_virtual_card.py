"""The virtual USIM's APDU behaviour, driven directly (no reader, no sockets)."""

from __future__ import annotations

import pytest

from branchdesk.devices import apdu, encoding
from branchdesk.devices import sim_files as fids
from branchdesk.devices.milenage import Milenage, build_autn, c2_sres, c3_kc
from branchdesk.devices.virtual_card import CardPulled, VirtualCard

ICCID = "89860070310112094320"
IMSI = "460001234567890"
ADM = b"88888888"


def send(card: VirtualCard, command: bytes | str) -> tuple[bytes, str]:
    raw = bytes.fromhex(command.replace(" ", "")) if isinstance(command, str) else command
    response = card.process_apdu(raw)
    return response[:-2], response[-2:].hex().upper()


def select(card: VirtualCard, *path: int) -> str:
    sw = ""
    for fid in path:
        _data, sw = send(card, apdu.select(fid))
    return sw


@pytest.fixture
def card() -> VirtualCard:
    return VirtualCard.blank(ICCID)


def test_gsm_select_answers_9f_and_get_response_describes_the_file(card: VirtualCard) -> None:
    assert select(card, fids.MF) == "9F16"
    sw = select(card, fids.EF_ICCID)
    assert sw == "9F0F"
    data, sw = send(card, apdu.get_response(0x0F))
    assert sw == "9000"
    info = apdu.FileInfo.parse(data)
    assert (info.fid, info.size, info.structure) == (0x2FE2, 10, apdu.FileStructure.TRANSPARENT)
    assert data[8] == 0x0F  # read ALWAYS, update NEVER


def test_uicc_select_by_aid_answers_61xx_with_an_fcp(card: VirtualCard) -> None:
    _data, sw = send(card, apdu.select_aid(fids.USIM_AID_PREFIX, fcp=True))
    assert sw.startswith("61")
    fcp, sw = send(card, apdu.get_response(int(sw[2:], 16), apdu.CLA_UICC))
    assert sw == "9000"
    objects = apdu.parse_tlvs(fcp[2:])
    assert objects[0x84] == fids.USIM_AID
    assert objects[0x82][0] & 0x38 == 0x38  # a DF
    # The ADF is now the current application: 7FFF and its EFs by path.
    assert send(card, "00A4080C04 7FFF 6F07")[1] == "9000"
    assert send(card, "00B0000009")[0] == b"\xff" * 9


def test_read_iccid_by_sfi_and_blank_imsi(card: VirtualCard) -> None:
    data, sw = send(card, apdu.read_binary_sfi(fids.SFI_ICCID, 10))
    assert (data, sw) == (encoding.encode_iccid(ICCID), "9000")
    select(card, fids.MF, fids.DF_GSM, fids.EF_IMSI)
    data, sw = send(card, apdu.read_binary(0, 9))
    assert (data, sw) == (b"\xff" * 9, "9000")
    assert card.is_blank and card.imsi is None


def test_absent_file_status_words_follow_the_class(card: VirtualCard) -> None:
    assert select(card, fids.MF, 0x6F99) == "9404"
    assert select(card, fids.MF, fids.EF_IMSI) == "9404"  # EF.IMSI lives in DF.GSM
    assert send(card, apdu.select_child(0x6F99))[1] == "6A82"
    assert send(card, apdu.select_aid(bytes.fromhex("A000000087FFFF")))[1] == "6A82"


def test_key_files_are_write_only(card: VirtualCard) -> None:
    select(card, fids.MF, fids.DF_GSM, fids.EF_KI)
    assert send(card, apdu.read_binary(0, 16))[1] == "9804"
    assert send(card, apdu.verify_adm(ADM))[1] == "9000"
    assert send(card, apdu.update_binary(0, bytes(range(16))))[1] == "9000"
    assert send(card, apdu.read_binary(0, 16))[1] == "9804"  # even with ADM
    assert card.peek(fids.PATH_KI) == bytes(range(16))
    assert send(card, "00A4080C04 7F20 6FF0")[1] == "9000"
    assert send(card, "00B0000010")[1] == "6982"


def test_update_needs_adm(card: VirtualCard) -> None:
    select(card, fids.MF, fids.DF_GSM, fids.EF_IMSI)
    assert send(card, apdu.update_binary(0, encoding.encode_imsi(IMSI)))[1] == "9804"
    assert card.is_blank
    assert send(card, apdu.verify_adm(ADM))[1] == "9000"
    assert send(card, apdu.update_binary(0, encoding.encode_imsi(IMSI)))[1] == "9000"
    assert card.imsi == IMSI
    assert card.update_count == 1


def test_usim_and_gsm_share_the_subscription_files(card: VirtualCard) -> None:
    send(card, apdu.select_aid(fids.USIM_AID_PREFIX))
    send(card, apdu.verify_adm(ADM, apdu.CLA_UICC))
    assert send(card, apdu.update_binary_sfi(0x07, encoding.encode_imsi(IMSI)))[1] == "9000"
    select(card, fids.MF, fids.DF_GSM, fids.EF_IMSI)
    assert send(card, apdu.read_binary(0, 9))[0] == encoding.encode_imsi(IMSI)


def test_iccid_cannot_be_rewritten_even_with_adm(card: VirtualCard) -> None:
    send(card, apdu.verify_adm(ADM))
    select(card, fids.MF, fids.EF_ICCID)
    assert send(card, apdu.update_binary(0, b"\x00" * 10))[1] == "9804"
    assert card.iccid == ICCID


def test_wrong_adm_counts_down_then_blocks(card: VirtualCard) -> None:
    assert send(card, apdu.verify_status(fids.ADM_LEVEL))[1] == "63C3"
    assert send(card, apdu.verify_adm(b"00000000", apdu.CLA_UICC))[1] == "63C2"
    assert send(card, apdu.verify_adm(b"00000001", apdu.CLA_UICC))[1] == "63C1"
    assert send(card, apdu.verify_adm(b"00000002", apdu.CLA_UICC))[1] == "63C0"
    assert card.adm_blocked
    # Blocked: even the right key is refused now.
    assert send(card, apdu.verify_adm(ADM, apdu.CLA_UICC))[1] == "6983"
    assert send(card, apdu.verify_status(fids.ADM_LEVEL))[1] == "6983"
    assert not card.adm_verified


def test_right_adm_resets_the_counter(card: VirtualCard) -> None:
    send(card, apdu.verify_adm(b"00000000", apdu.CLA_UICC))
    assert send(card, apdu.verify_adm(ADM, apdu.CLA_UICC))[1] == "9000"
    assert card.adm_tries_left == 3
    assert send(card, apdu.verify_status(fids.ADM_LEVEL))[1] == "9000"


def test_gsm_status_words_for_wrong_adm(card: VirtualCard) -> None:
    assert send(card, apdu.verify_adm(b"00000000"))[1] == "9804"
    assert send(card, apdu.verify_adm(b"00000000"))[1] == "9804"
    assert send(card, apdu.verify_adm(b"00000000"))[1] == "9840"
    assert send(card, apdu.verify_adm(ADM))[1] == "9840"


def test_hex_adm_key() -> None:
    card = VirtualCard.blank(ICCID, adm="0102030405060708")
    assert send(card, apdu.verify_adm(ADM, apdu.CLA_UICC))[1] == "63C2"
    assert send(card, apdu.verify_adm(bytes(range(1, 9)), apdu.CLA_UICC))[1] == "9000"


def test_reset_drops_adm_verification(card: VirtualCard) -> None:
    send(card, apdu.verify_adm(ADM))
    card.reset()
    select(card, fids.MF, fids.DF_GSM, fids.EF_IMSI)
    assert send(card, apdu.update_binary(0, encoding.encode_imsi(IMSI)))[1] == "9804"


def test_msisdn_is_a_record_file(card: VirtualCard) -> None:
    send(card, apdu.verify_adm(ADM))
    select(card, fids.MF, fids.DF_TELECOM, fids.EF_MSISDN)
    info = apdu.FileInfo.parse(send(card, apdu.get_response(15))[0])
    assert (info.structure, info.record_length) == (apdu.FileStructure.LINEAR_FIXED, 14)
    record = encoding.encode_msisdn("+8613012345678", 14)
    assert send(card, apdu.update_record(1, record))[1] == "9000"
    assert send(card, apdu.read_record(1, 14)) == (record, "9000")
    assert send(card, apdu.read_record(3, 14))[1] == "9402"
    assert send(card, apdu.read_binary(0, 14))[1] == "9408"
    assert send(card, "00B2010400") == (record, "9000")  # Le 00: the whole record
    assert send(card, "00B2010405") == (b"", "6C0E")


def test_search_record_and_seek(card: VirtualCard) -> None:
    send(card, apdu.verify_adm(ADM))
    select(card, fids.MF, fids.DF_TELECOM, fids.EF_MSISDN)
    record = encoding.encode_msisdn("+8613012345678", 14)
    send(card, apdu.update_record(2, record))
    assert send(card, "A0A2001001 08") == (b"", "9F01")
    assert send(card, "A0C0000001") == (b"\x02", "9000")
    assert send(card, "A0A2000001 77")[1] == "9404"
    assert send(card, "00A4000C02 6F40")[1] == "9000"
    _data, sw = send(card, "00A2010402 6831")
    assert sw == "6101"
    assert send(card, "00C0000001") == (b"\x02", "9000")
    assert send(card, "00A2010401 77")[1] == "6282"


def test_status_returns_the_current_df(card: VirtualCard) -> None:
    send(card, apdu.select_aid(fids.USIM_AID_PREFIX))
    fcp, sw = send(card, apdu.status())
    assert sw == "9000"
    assert apdu.parse_tlvs(fcp[2:])[0x84] == fids.USIM_AID
    assert send(card, apdu.status(0x01)) == (b"\x84\x10" + fids.USIM_AID, "9000")
    assert send(card, "A0F2000016")[1] == "9000"


def test_pin1_commands(card: VirtualCard) -> None:
    pin = b"1234\xff\xff\xff\xff"
    new = b"4321\xff\xff\xff\xff"
    assert send(card, apdu.verify_status(fids.PIN1))[1] == "9000"  # disabled on a blank card
    assert send(card, "0028000108" + pin.hex())[1] == "9000"  # ENABLE
    card.reset()
    assert send(card, apdu.verify_status(fids.PIN1))[1] == "63C3"
    assert send(card, "00B0870009")[1] == "6A82"  # no SFI 07 at the MF
    send(card, apdu.select_aid(fids.USIM_AID_PREFIX))
    assert send(card, "00B0870009")[1] == "6982"
    assert send(card, "0024000110" + pin.hex() + new.hex())[1] == "9000"  # CHANGE
    assert send(card, "0020000108" + pin.hex())[1] == "63C2"
    assert send(card, "0020000108" + new.hex())[1] == "9000"
    assert send(card, "00B0870009")[1] == "9000"
    card.reset()
    for tries in "210":
        assert send(card, "0020000108" + pin.hex())[1] == "63C" + tries
    assert send(card, "0020000108" + new.hex())[1] == "6983"
    assert send(card, "002C0001")[1] == "63CA"  # PUK tries
    puk = b"12345678"
    assert send(card, "002C000110" + puk.hex() + pin.hex())[1] == "9000"  # UNBLOCK
    assert send(card, "0026000108" + pin.hex())[1] == "9000"  # DISABLE
    assert card.pin1_tries_left == 3


def test_authenticate_3g_with_milenage(card: VirtualCard) -> None:
    ki, opc = bytes(range(16)), bytes(range(16, 32))
    card.poke((fids.MF, fids.ADF_USIM, fids.EF_KI), ki)
    card.poke((fids.MF, fids.ADF_USIM, fids.EF_OPC), opc)
    milenage = Milenage(ki, opc)
    rand, sqn, amf = bytes(16), (64).to_bytes(6, "big"), b"\x80\x00"
    command = apdu.authenticate_3g(rand, build_autn(milenage, rand, sqn, amf))
    assert send(card, command)[1] == "6985"  # no USIM application selected yet
    send(card, apdu.select_aid(fids.USIM_AID_PREFIX))
    _data, sw = send(card, command)
    assert sw == "6135"
    answer, sw = send(card, "00C0000035")
    vector = milenage.f2345(rand)
    kc = c3_kc(vector.ck, vector.ik)
    assert (
        answer
        == b"\xdb\x08" + vector.res + b"\x10" + vector.ck + b"\x10" + vector.ik + b"\x08" + kc
    )
    # The same SQN again is a replay: synchronisation failure with AUTS.
    _data, sw = send(card, command)
    assert sw == "6110"
    auts = send(card, "00C0000010")[0]
    assert auts[:2] == b"\xdc\x0e"
    assert auts[8:] == milenage.f1_star(rand, sqn, b"\x00\x00")
    # A vector from other keys fails its MAC.
    other = Milenage(bytes(16), opc)
    assert send(card, apdu.authenticate_3g(rand, build_autn(other, rand, sqn, amf)))[1] == "9862"
    # RUN GSM ALGORITHM (2G): SRES and Kc by the conversion functions c2 and c3.
    assert send(card, "A088000010" + rand.hex())[1] == "9F0C"
    assert send(card, "A0C000000C")[0] == c2_sres(vector.res) + kc


# (command, expected status word) — every case of issue 16 and the other malformations.
MALFORMED = [
    ("A0A4", "6700"),  # no P1 P2
    ("A0A4040002 3F00", "6B00"),  # GSM SELECT with P1=04
    ("A0A4000C02 3F00", "6B00"),  # GSM SELECT with P2=0C
    ("A0A4000003 3F0000", "6700"),  # GSM SELECT with P3=03
    ("00A4020C02 3F00", "6A86"),  # UICC SELECT with an unknown P1
    ("00A4000002 3F", "6700"),  # Lc says 2, one byte follows
    ("A020010A08 3838383838383838", "6B00"),  # VERIFY with P1=01
    ("0020010A08 3838383838383838", "6B00"),
    ("A020000A04 38383838", "6700"),  # VERIFY with P3=04: no try spent
    ("0020000A04 38383838", "6700"),
    ("0020000B08 3838383838383838", "6A88"),  # no such key
    ("A0B000000A 00", "6700"),  # READ BINARY with a stray data byte
    ("00B082000A 00", "6700"),
    ("A0B0000001 00 0A", "6700"),  # READ BINARY sent as a case 4 command (data, then Le)
    ("00B0000001 00 0A", "6700"),
    ("A0D6000002 01020304", "6700"),  # UPDATE with Lc=02 followed by 4 bytes
    ("00D6000002 01020304", "6700"),
    ("00D6000002 0102 00", "6700"),  # UPDATE with an Le
    ("A0D6000000", "6700"),  # UPDATE with Lc=00
    ("00D6870000", "6700"),
    ("A0B0001001", "6B00"),  # offset beyond EF.ICCID
    ("00B0001001", "6B00"),
    ("A0B000000B", "6700"),  # beyond the end of EF.ICCID
    ("00B0820011", "6282"),  # ISO: what there is, with a warning
    ("00B0E2000A", "6B00"),  # SFI byte with bits 7-6 set
    ("00B09F000A", "6A82"),  # no EF with SFI 1F here
    ("A0B2010514", "6B00"),  # READ RECORD with a bad mode
    ("00B2010500", "6B00"),
    ("A0CA000000", "6D00"),  # unknown instruction
    ("00F2000000", "6E00"),  # STATUS needs class 80
    ("80B0000001", "6E00"),  # READ BINARY is not a class 80 command
    ("01B082000A", "6881"),  # logical channel 1
    ("B0A4000002 3F00", "6E00"),  # unknown class
    ("A0C000000A", "6F00"),  # GSM GET RESPONSE with nothing pending
    ("00C000000A", "6985"),
    ("00C001000A", "6B00"),
    ("A0F2010016", "6B00"),  # GSM STATUS with P1=01
    ("80F200050A", "6B00"),  # STATUS with an unknown P2
    ("0088008222" + "10" * 35, "6B00"),  # AUTHENTICATE with an unknown context
    ("A088000008 0102030405060708", "6700"),  # RUN GSM ALGORITHM with a short RAND
    ("A004000000", "9400"),  # INVALIDATE without a current EF
    ("A044010000", "6B00"),
    # Under CLA A0 the TS 51.011 words, never 6A82/6982/63Cx/6983 (issue 16):
    ("A0A4000002 6F99", "9404"),  # absent file
    ("00A4000C02 6F99", "6A82"),
    ("A0D6000001 00", "9804"),  # UPDATE refused by the access condition (EF.ICCID: NEVER)
    ("00D6000001 00", "6982"),
    ("A020000A08 3838383838383838", "9840", "adm_blocked"),  # the key is blocked
    ("0020000A08 3838383838383838", "6983", "adm_blocked"),
    ("A0B0000009", "9804", "select_ki"),  # a write-only key file
    ("00B0000009", "6982", "select_ki"),
]
SETUP = {
    "adm_blocked": lambda card: setattr(card, "adm_tries_left", 0),
    "select_ki": lambda card: select(card, fids.MF, fids.DF_GSM, fids.EF_KI),
}


@pytest.mark.parametrize("case", MALFORMED, ids=[" ".join(case[:2]) for case in MALFORMED])
def test_malformed_commands(card: VirtualCard, case: tuple[str, ...]) -> None:
    command, expected, *setup = case
    for name in setup:
        SETUP[name](card)
    if (
        not setup
        and command[2:4] in ("B0", "B2", "D6")
        and command[4:6] not in ("82", "87", "E2", "9F")
    ):
        # READ/UPDATE on a current EF: EF.ICCID (binary) or EF.MSISDN (records).
        target = fids.EF_MSISDN if command[2:4] == "B2" else fids.EF_ICCID
        parent = (fids.DF_TELECOM,) if target == fids.EF_MSISDN else ()
        select(card, fids.MF, *parent, target)
    tries = card.adm_tries_left
    assert send(card, command)[1] == expected
    assert card.adm_tries_left == tries  # a malformed VERIFY spends no try


def test_gsm_class_never_answers_iso_status_words(card: VirtualCard) -> None:
    assert select(card, fids.MF, 0x6F99) == "9404"
    select(card, fids.MF, fids.DF_GSM, fids.EF_IMSI)
    assert send(card, apdu.update_binary(0, b"\x00"))[1] == "9804"
    assert send(card, apdu.verify_adm(b"00000000"))[1] == "9804"


def test_written_card_is_not_blank() -> None:
    card = VirtualCard.written(ICCID, IMSI)
    assert not card.is_blank
    assert card.imsi == IMSI


def test_scheduled_pull_skips_the_next_command(card: VirtualCard) -> None:
    send(card, apdu.verify_adm(ADM))
    select(card, fids.MF, fids.DF_GSM, fids.EF_KI)
    card.schedule_pull(after_updates=1)
    assert send(card, apdu.update_binary(0, bytes(16)))[1] == "9000"
    select_opc = apdu.select(fids.EF_OPC)
    with pytest.raises(CardPulled):
        card.process_apdu(select_opc)
    assert select_opc not in card.commands  # never executed
    assert not card.adm_verified  # pulling the card powers it off


def test_invalidate_and_rehabilitate(card: VirtualCard) -> None:
    # Issue 16: INVALIDATE answered 6D00. TS 51.011 9.2.9/9.2.10: ADM, then 9810 on a read.
    select(card, fids.MF, fids.DF_GSM, fids.EF_SPN)
    assert send(card, "A004000000")[1] == "9804"  # needs ADM
    assert send(card, apdu.verify_adm(ADM))[1] == "9000"
    assert send(card, "A004000000")[1] == "9000"
    assert send(card, apdu.read_binary(0, 17))[1] == "9810"
    assert send(card, apdu.get_response(15))[1] == "6F00"  # nothing pending after the error
    assert select(card, fids.EF_SPN) == "9F0F"
    assert send(card, apdu.get_response(15))[0][11] == 0x00  # file status: invalidated
    assert send(card, "A044000000")[1] == "9000"
    assert send(card, apdu.read_binary(0, 17)) == (b"\xff" * 17, "9000")
    # The UICC class: 6985 on an invalidated EF, and the FCP's life cycle byte says so.
    assert send(card, "0004000000")[1] == "9000"
    assert send(card, "00B0000011")[1] == "6985"
    _data, sw = send(card, "00A4000402 6F46")
    fcp = send(card, apdu.get_response(int(sw[2:], 16), apdu.CLA_UICC))[0]
    assert apdu.parse_tlvs(fcp[2:])[0x8A] == b"\x04"
    assert send(card, "0044000000")[1] == "9000"
    assert send(card, "00B0000011")[1] == "9000"
