"""The written USIM through pcscd, seen by a client written here from the specifications.

This file decodes with its own code (TS 31.102 / TS 51.011 / TS 24.008 / TS 23.040), not the
writer's ``encoding``, and talks raw PC/SC: it proves what a standard SIM tool would read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from branchdesk.devices.pcsc import PcscReader
from branchdesk.devices.profile import SimProfile
from branchdesk.devices.vcard import VirtualSim
from support.pcsc import BLANK_ICCID, PcscService

pytestmark = pytest.mark.pcsc

IMSI = "460012200000001"
MSISDN = "+8618602200024"
SPN = "中国联通"
KI = "000102030405060708090a0b0c0d0e0f"
OPC = "f0e0d0c0b0a090807060504030201000"
PROFILE = SimProfile(BLANK_ICCID, IMSI, KI, OPC, "88888888", msisdn=MSISDN, spn=SPN)
SHARING_VIOLATION = 0x8010000B

# Mandatory EFs (TS 31.102 4.2 for the USIM, TS 51.011 10.3 for GSM) and those the issue reads.
USIM_EFS = {
    "LI": 0x6F05,
    "IMSI": 0x6F07,
    "Keys": 0x6F08,
    "KeysPS": 0x6F09,
    "HPPLMN": 0x6F31,
    "UST": 0x6F38,
    "ACC": 0x6F78,
    "FPLMN": 0x6F7B,
    "LOCI": 0x6F7E,
    "AD": 0x6FAD,
    "START-HFN": 0x6F5B,
    "THRESHOLD": 0x6F5C,
    "PSLOCI": 0x6F73,
    "NETPAR": 0x6FC4,
    "ECC": 0x6FB7,
    "EST": 0x6F56,
    "SPN": 0x6F46,
    "MSISDN": 0x6F40,
    "SMSP": 0x6F42,
    "PLMNwAcT": 0x6F60,
    "OPLMNwAcT": 0x6F61,
    "HPLMNwAcT": 0x6F62,
    "EPSLOCI": 0x6FE3,
}
GSM_EFS = {
    "LP": 0x6F05,
    "IMSI": 0x6F07,
    "Kc": 0x6F20,
    "PLMNsel": 0x6F30,
    "HPPLMN": 0x6F31,
    "SST": 0x6F38,
    "BCCH": 0x6F74,
    "ACC": 0x6F78,
    "FPLMN": 0x6F7B,
    "LOCI": 0x6F7E,
    "AD": 0x6FAD,
    "PHASE": 0x6FAE,
    "SPN": 0x6F46,
    "PLMNwAcT": 0x6F60,
    "OPLMNwAcT": 0x6F61,
    "HPLMNwAcT": 0x6F62,
    "ECC": 0x6FB7,
}
MF_EFS = {"DIR": 0x2F00, "ICCID": 0x2FE2, "PL": 0x2F05, "ARR": 0x2F06}
TELECOM_EFS = {"ADN": 0x6F3A, "SMS": 0x6F3C, "MSISDN": 0x6F40, "SMSP": 0x6F42, "SMSS": 0x6F43}
# fmt: on


class RawCard:
    """A raw PC/SC client: every answer and status word is kept for the assertions."""

    def __init__(self, reader: str, share: str = "SHARED") -> None:
        from smartcard import scard

        self.scard = scard
        hresult, self.context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        assert hresult == 0
        mode = getattr(scard, f"SCARD_SHARE_{share}")
        hresult, self.hcard, self.protocol = scard.SCardConnect(
            self.context, reader, mode, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        assert hresult == 0, scard.SCardGetErrorMessage(hresult)
        self.errors: list[str] = []

    def close(self) -> None:
        self.scard.SCardDisconnect(self.hcard, self.scard.SCARD_RESET_CARD)
        self.scard.SCardReleaseContext(self.context)

    def send(self, hex_apdu: str, *, expect_ok: bool = True) -> tuple[bytes, int]:
        command = bytes.fromhex(hex_apdu.replace(" ", ""))
        data, sw = self._transmit(command)
        if sw >> 8 == 0x6C:
            data, sw = self._transmit(command[:4] + bytes([sw & 0xFF]))
        if sw >> 8 in (0x61, 0x9F):
            data, sw = self._transmit(bytes([command[0], 0xC0, 0, 0, sw & 0xFF]))
        if expect_ok and sw != 0x9000:
            self.errors.append(f"{hex_apdu} -> {sw:04X}")
        return data, sw

    def _transmit(self, command: bytes) -> tuple[bytes, int]:
        hresult, response = self.scard.SCardTransmit(self.hcard, self.protocol, list(command))
        assert hresult == 0, self.scard.SCardGetErrorMessage(hresult)
        return bytes(response[:-2]), (response[-2] << 8) | response[-1]


def tlvs(data: bytes) -> dict[int, bytes]:
    found: dict[int, bytes] = {}
    index = 0
    while index + 1 < len(data):
        tag, length = data[index], data[index + 1]
        found[tag] = data[index + 2 : index + 2 + length]
        index += 2 + length
    return found


def bcd(data: bytes) -> str:
    """Semi-octets, low nibble first, up to the first F (TS 31.102 4.2.2, TS 24.008)."""
    out = ""
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            if nibble == 0xF:
                return out
            out += "0123456789"[nibble]
    return out


def plmn(data: bytes) -> str:
    digits = [data[0] & 0xF, data[0] >> 4, data[1] & 0xF, data[2] & 0xF, data[2] >> 4, data[1] >> 4]
    return "".join(str(d) for d in digits if d != 0xF)


def read_uicc_ef(card: RawCard, path_hex: str) -> tuple[dict[int, bytes], list[bytes]]:
    """SELECT by path with the FCP, then read the whole file: (FCP objects, contents)."""
    fcp, _sw = card.send(f"00A40804{len(path_hex) // 2:02X}{path_hex}")
    objects = tlvs(fcp[2:])
    descriptor = objects[0x82]
    if descriptor[0] & 0x07 == 0x01:
        size = int.from_bytes(objects[0x80], "big")
        return objects, [card.send(f"00B00000{size:02X}")[0]]
    length, count = int.from_bytes(descriptor[2:4], "big"), descriptor[4]
    return objects, [card.send(f"00B2{n:02X}04{length:02X}")[0] for n in range(1, count + 1)]


def read_gsm_ef(card: RawCard, *fids: int) -> list[bytes]:
    answer = b""
    for fid in fids:
        answer, _sw = card.send(f"A0A4000002{fid:04X}")
    size, structure, record = int.from_bytes(answer[2:4], "big"), answer[13], answer[14]
    if structure == 0x00:
        return [card.send(f"A0B00000{size:02X}")[0]]
    return [card.send(f"A0B2{n:02X}04{record:02X}")[0] for n in range(1, size // record + 1)]


@pytest.fixture
def reader(pcscd: PcscService) -> Iterator[PcscReader]:
    reader = PcscReader(pcscd.reader_name)
    yield reader
    reader.close()


def test_every_written_ef_decodes_from_the_specs(
    virtual_sim: VirtualSim, reader: PcscReader, pcscd: PcscService
) -> None:
    reader.wait_for_card(5.0)
    reader.write_profile(PROFILE)
    card = RawCard(pcscd.reader_name)
    try:
        card.send("00A4040C07A0000000871002")
        files: dict[str, Any] = {}
        for name in ("IMSI", "AD", "ACC", "SPN", "MSISDN", "SMSP", "LOCI", "PSLOCI", "FPLMN",
                     "PLMNwAcT", "OPLMNwAcT", "HPLMNwAcT"):  # fmt: skip
            _fcp, contents = read_uicc_ef(card, f"7FFF{USIM_EFS[name]:04X}")
            files[name] = contents
        iccid = bcd(read_uicc_ef(card, "2FE2")[1][0])
        gsm_imsi = read_gsm_ef(card, 0x3F00, 0x7F20, 0x6F07)[0]
        telecom_msisdn = read_gsm_ef(card, 0x3F00, 0x7F10, 0x6F40)[0]
    finally:
        card.close()
    assert card.errors == []
    assert iccid == BLANK_ICCID
    imsi = files["IMSI"][0]
    # TS 31.102 4.2.2: length, then digit 1 over the parity/type nibble, then the rest.
    assert imsi[0] == 8 and imsi[1] & 0x0F == 0x09  # 15 digits: odd parity, type IMSI
    assert str(imsi[1] >> 4) + bcd(imsi[2:9]) == IMSI
    assert gsm_imsi == imsi  # the 2G application sees the same subscription
    ad = files["AD"][0]
    assert ad[0] == 0x00 and ad[3] & 0x0F == 2  # normal operation, 2-digit MNC
    assert int.from_bytes(files["ACC"][0], "big") == 1 << int(IMSI[-1])
    spn = files["SPN"][0]
    assert spn[1] == 0x80
    name = "".join(
        spn[i : i + 2].decode("utf-16-be") for i in range(2, 16, 2) if spn[i : i + 2] != b"\xff\xff"
    )
    assert name == SPN
    for record in (files["MSISDN"][0], telecom_msisdn):
        tail = record[-14:]
        assert tail[1] == 0x91 and "+" + bcd(tail[2 : 1 + tail[0]]) == MSISDN
    smsp = files["SMSP"][0][-28:]
    assert smsp[0] & 0x02 == 0  # TS-Service Centre Address present
    sca = smsp[13:25]
    assert sca[1] == 0x91 and bcd(sca[2 : 1 + sca[0]]).startswith("86130")
    loci = files["LOCI"][0]
    assert loci[:4] == b"\xff" * 4 and plmn(loci[4:7]) == "46001" and loci[7:9] == b"\xff\xfe"
    assert loci[10] == 0x01  # location update status: not updated
    assert files["PSLOCI"][0][:7] == b"\xff" * 7 and files["PSLOCI"][0][13] == 0x01
    assert files["FPLMN"][0] == b"\xff" * 12
    assert files["PLMNwAcT"][0] == b"\xff" * len(files["PLMNwAcT"][0])
    for name in ("OPLMNwAcT", "HPLMNwAcT"):
        entry = files[name][0][:5]
        assert (
            plmn(entry[:3]) == "46001" and entry[3] & 0x80 and entry[3] & 0x40 and entry[4] & 0x80
        )


def test_full_read_of_every_mandatory_ef_has_no_error_status_word(
    virtual_sim: VirtualSim, reader: PcscReader, pcscd: PcscService
) -> None:
    reader.wait_for_card(5.0)
    reader.write_profile(PROFILE)
    card = RawCard(pcscd.reader_name)
    try:
        dir_fcp, records = read_uicc_ef(card, "2F00")
        aid = tlvs(tlvs(records[0])[0x61])[0x4F]
        assert aid.startswith(bytes.fromhex("A0000000871002"))  # EF.DIR lists the USIM
        for fid in MF_EFS.values():
            read_uicc_ef(card, f"{fid:04X}")
        fcp, _sw = card.send(f"00A40404{len(aid):02X}{aid.hex()}")
        assert tlvs(fcp[2:])[0x84] == aid
        card.send("80F2000000")  # STATUS
        for fid in USIM_EFS.values():
            objects, _contents = read_uicc_ef(card, f"7FFF{fid:04X}")
            assert 0x88 in objects and 0x8B in objects  # SFI and access rule given
        for fid in TELECOM_EFS.values():
            read_uicc_ef(card, f"7F10{fid:04X}")
        # The classic SIM view (class A0), as a GSM tool reads it.
        read_gsm_ef(card, 0x3F00, 0x2FE2)
        for fid in GSM_EFS.values():
            read_gsm_ef(card, 0x3F00, 0x7F20, fid)
        card.send("A0F2000016")
        card.send("A088000010" + "00" * 16)  # RUN GSM ALGORITHM
    finally:
        card.close()
    assert card.errors == []


def test_the_write_is_exclusive_and_leaves_no_adm_session(
    virtual_sim: VirtualSim, reader: PcscReader, pcscd: PcscService
) -> None:
    from smartcard import scard

    reader.wait_for_card(5.0)
    attempts: list[int] = []
    lock = threading.Lock()

    def intrude(done: int, _total: int) -> None:
        if done != 10:
            return
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        hresult, hcard, _protocol = scard.SCardConnect(
            context, pcscd.reader_name, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0
        )
        with lock:
            attempts.append(hresult & 0xFFFFFFFF)
        if hresult == 0:
            scard.SCardDisconnect(hcard, scard.SCARD_LEAVE_CARD)
        scard.SCardReleaseContext(context)

    reader.write_profile(PROFILE, progress=intrude)
    assert attempts == [SHARING_VIOLATION]
    # Afterwards another program cannot ride on the writer's ADM verification.
    card = RawCard(pcscd.reader_name)
    try:
        for fid in (0x3F00, 0x7F20, 0x6F07):
            card.send(f"A0A4000002{fid:04X}")
        assert card.send("A0D6000009" + "08" + "99" * 8, expect_ok=False)[1] == 0x9804
        card.send("00A4040C07A0000000871002")
        assert card.send("00D6870009" + "08" + "99" * 8, expect_ok=False)[1] == 0x6982
    finally:
        card.close()
    assert virtual_sim.card is not None and virtual_sim.card.imsi == IMSI
