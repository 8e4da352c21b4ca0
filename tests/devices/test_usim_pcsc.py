"""The written USIM through pcscd, seen by a client written here from the specifications.

This file decodes with its own code (TS 31.102 / TS 51.011 / TS 24.008 / TS 23.040), not the
writer's ``encoding``, and talks raw PC/SC: it proves what a standard SIM tool would read. The
keys are proven with MILENAGE (checked against the 3GPP test sets in test_milenage.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from branchdesk.devices.milenage import Milenage, build_autn
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
INTRUDER = textwrap.dedent("""
    import sys
    IMSI = "08" + "99" * 8
    from smartcard import scard
    _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    hresult, hcard, protocol = scard.SCardConnect(
        context, sys.argv[1], scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0
    )
    if hresult & 0xFFFFFFFF:
        print(f"connect {hresult & 0xFFFFFFFF:08X}")
    else:
        for apdu in ("A0A40000023F00", "A0A40000027F20", "A0A40000026F07", "A0D6000009" + IMSI):
            _, answer = scard.SCardTransmit(hcard, protocol, list(bytes.fromhex(apdu)))
        print("wrote", bytes(answer[-2:]).hex().upper())
        scard.SCardDisconnect(hcard, scard.SCARD_LEAVE_CARD)
""")

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
GSM_WRITTEN = ("IMSI", "AD", "ACC", "SPN", "LOCI", "FPLMN", "PLMNwAcT", "OPLMNwAcT", "HPLMNwAcT")
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


def halves_xor(value: bytes) -> int:
    half = len(value) // 2
    return int.from_bytes(value[:half], "big") ^ int.from_bytes(value[half:], "big")


def emergency_code(data: bytes) -> str:
    """An emergency call code: BCD digits, low nibble first; every unused nibble is F."""
    nibbles = [n for byte in data for n in (byte & 0xF, byte >> 4)]
    length = nibbles.index(0xF) if 0xF in nibbles else len(nibbles)
    assert all(n == 0xF for n in nibbles[length:]), f"{data.hex()}: unused nibbles must be F"
    return "".join(str(n) for n in nibbles[:length])


def plmn(data: bytes) -> str:
    digits = [data[0] & 0xF, data[0] >> 4, data[1] & 0xF, data[2] & 0xF, data[2] >> 4, data[1] >> 4]
    return "".join(str(d) for d in digits if d != 0xF)


def read_uicc_ef(card: RawCard, path_hex: str) -> tuple[dict[int, bytes], list[bytes]]:
    """SELECT by path with the FCP, then read the whole file: (FCP objects, contents)."""
    fcp, sw = card.send(f"00A40804{len(path_hex) // 2:02X}{path_hex}")
    if sw != 0x9000:
        return {}, []  # in card.errors
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
        answer, sw = card.send(f"A0A4000002{fid:04X}")
        if sw != 0x9000:
            return []  # in card.errors
    size, structure, record = int.from_bytes(answer[2:4], "big"), answer[13], answer[14]
    if structure == 0x00:
        return [card.send(f"A0B00000{size:02X}")[0]]
    return [card.send(f"A0B2{n:02X}04{record:02X}")[0] for n in range(1, size // record + 1)]


@pytest.fixture
def reader(pcscd: PcscService) -> Iterator[PcscReader]:
    reader = PcscReader(pcscd.reader_name)
    yield reader
    reader.close()


@pytest.fixture
def card(virtual_sim: VirtualSim, reader: PcscReader, pcscd: PcscService) -> Iterator[RawCard]:
    """The virtual SIM written with PROFILE through the reader, then opened raw as another
    program would (closed after the test)."""
    reader.wait_for_card(5.0)
    reader.write_profile(PROFILE)
    card = RawCard(pcscd.reader_name)
    try:
        yield card
    finally:
        card.close()


@pytest.mark.parametrize("spn", [SPN, "中国仿"])  # 仿 is U+4EFF: its low byte is FF
def test_every_written_ef_decodes_from_the_specs(
    virtual_sim: VirtualSim, reader: PcscReader, pcscd: PcscService, spn: str
) -> None:
    profile = SimProfile(BLANK_ICCID, IMSI, KI, OPC, "88888888", msisdn=MSISDN, spn=spn)
    reader.wait_for_card(5.0)
    reader.write_profile(profile)
    assert reader.verify(profile).matches
    card = RawCard(pcscd.reader_name)
    try:
        card.send("00A4040C07A0000000871002")
        files: dict[str, Any] = {}
        for name in ("IMSI", "AD", "ACC", "SPN", "MSISDN", "SMSP", "LOCI", "PSLOCI", "FPLMN",
                     "PLMNwAcT", "OPLMNwAcT", "HPLMNwAcT"):  # fmt: skip
            _fcp, contents = read_uicc_ef(card, f"7FFF{USIM_EFS[name]:04X}")
            files[name] = contents
        iccid = bcd(read_uicc_ef(card, "2FE2")[1][0])
        # The 2G view (class A0): the profile is on DF.GSM and DF.TELECOM too.
        gsm = {name: read_gsm_ef(card, 0x3F00, 0x7F20, GSM_EFS[name]) for name in GSM_WRITTEN}
        # The keys (write-only files) proven: 3G AUTHENTICATE, then RUN GSM ALGORITHM.
        milenage = Milenage(bytes.fromhex(KI), bytes.fromhex(OPC))
        rand, sqn = os.urandom(16), (1 << 10).to_bytes(6, "big")  # above the writer's test SQN
        autn = build_autn(milenage, rand, sqn, b"\x80\x00")
        card.send("00A4040C07A0000000871002")
        answer_3g, _sw = card.send("0088008122" + "10" + rand.hex() + "10" + autn.hex())
        gsm_rand = os.urandom(16)
        answer_2g, _sw = card.send("A088000010" + gsm_rand.hex())
        telecom = {name: read_gsm_ef(card, 0x3F00, 0x7F10, TELECOM_EFS[name])[:1]
                   for name in ("MSISDN", "SMSP")}  # fmt: skip
    finally:
        card.close()
    assert card.errors == []
    for name, contents in {**gsm, **telecom}.items():
        assert contents == files[name][: len(contents)], f"EF.{name} differs in the 2G view"
    gsm_imsi, telecom_msisdn = gsm["IMSI"][0], telecom["MSISDN"][0]
    # TS 31.102 7.1.2.1: DB, then RES, CK, IK and Kc, each with its length.
    vector = milenage.f2345(rand)
    kc = halves_xor(vector.ck) ^ halves_xor(vector.ik)  # c3, TS 33.102 6.8.1.2
    assert answer_3g == b"\xdb\x08" + vector.res + b"\x10" + vector.ck + b"\x10" + vector.ik + (
        b"\x08" + kc.to_bytes(8, "big")
    )
    gsm_vector = milenage.f2345(gsm_rand)
    sres = halves_xor(gsm_vector.res)  # c2 for a 64-bit RES
    gsm_kc = halves_xor(gsm_vector.ck) ^ halves_xor(gsm_vector.ik)
    assert answer_2g == sres.to_bytes(4, "big") + gsm_kc.to_bytes(8, "big")
    assert iccid == BLANK_ICCID
    imsi = files["IMSI"][0]
    # TS 31.102 4.2.2: length, then digit 1 over the parity/type nibble, then the rest.
    assert imsi[0] == 8 and imsi[1] & 0x0F == 0x09  # 15 digits: odd parity, type IMSI
    assert str(imsi[1] >> 4) + bcd(imsi[2:9]) == IMSI
    assert gsm_imsi == imsi  # the 2G application sees the same subscription
    ad = files["AD"][0]
    assert ad[0] == 0x00 and ad[3] & 0x0F == 2  # normal operation, 2-digit MNC
    assert int.from_bytes(files["ACC"][0], "big") == 1 << int(IMSI[-1])
    spn_file = files["SPN"][0]
    assert spn_file[1] == 0x80
    name = "".join(
        spn_file[i : i + 2].decode("utf-16-be")
        for i in range(2, 16, 2)
        if spn_file[i : i + 2] != b"\xff\xff"
    )
    assert name == spn
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


def test_full_read_of_every_mandatory_ef_has_no_error_status_word(card: RawCard) -> None:
    dir_fcp, records = read_uicc_ef(card, "2F00")
    aid = tlvs(tlvs(records[0])[0x61])[0x4F]
    assert aid.startswith(bytes.fromhex("A0000000871002"))  # EF.DIR lists the USIM
    for fid in MF_EFS.values():
        read_uicc_ef(card, f"{fid:04X}")
    fcp, _sw = card.send(f"00A40404{len(aid):02X}{aid.hex()}")
    assert tlvs(fcp[2:])[0x84] == aid
    card.send("80F2000000")  # STATUS
    for name, fid in USIM_EFS.items():
        objects, contents = read_uicc_ef(card, f"7FFF{fid:04X}")
        assert 0x88 in objects and 0x8B in objects  # SFI and access rule given
        if name == "ECC":
            usim_ecc = contents
    for fid in TELECOM_EFS.values():
        read_uicc_ef(card, f"7F10{fid:04X}")
    # The classic SIM view (class A0), as a GSM tool reads it.
    read_gsm_ef(card, 0x3F00, 0x2FE2)
    for fid in GSM_EFS.values():
        read_gsm_ef(card, 0x3F00, 0x7F20, fid)
    gsm_ecc = read_gsm_ef(card, 0x3F00, 0x7F20, GSM_EFS["ECC"])[0]
    card.send("A0F2000016")
    card.send("A088000010" + "00" * 16)  # RUN GSM ALGORITHM
    assert card.errors == []
    # TS 31.102 4.2.21 / TS 51.011 10.3.27: 3 BCD bytes per code, unused nibbles F.
    codes = [emergency_code(record[:3]) for record in usim_ecc if record[:3] != b"\xff" * 3]
    assert codes == ["112", "119"] and usim_ecc[0][-1] == 0x00  # the service category byte
    assert [emergency_code(gsm_ecc[i : i + 3]) for i in range(0, len(gsm_ecc), 3)] == codes


# TS 31.102 4.2.8 (EF.UST, one bit per service) and TS 51.011 10.3.7 (EF.SST, two bits per
# service: allocated, activated): the services this card offers, and the files each needs.
UST_FILES: dict[int, tuple[str, ...]] = {
    10: ("6F3C", "6F43"),  # SMS: EF.SMS, EF.SMSS
    12: ("6F42",),  # SMSP
    19: ("6F46",),  # SPN
    20: ("6F60",),  # user controlled PLMN selector with AcT
    21: ("6F40",),  # MSISDN
    27: ("5F3B4F20", "5F3B4F52"),  # GSM access: DF.GSM-ACCESS with EF.Kc and EF.KcGPRS
    33: (),  # "shall be set to 1"
    34: ("6F56",),  # EST
    38: (),  # GSM security context (AUTHENTICATE P2=80)
    42: ("6F61",),  # operator controlled PLMN selector with AcT
    43: ("6F62",),  # HPLMN selector with AcT
}
UST_WRITTEN = {12, 19, 20, 21, 27, 34, 38, 42, 43}
SST_FILES: dict[int, tuple[tuple[int, int], ...]] = {
    1: (),  # CHV1 disable function
    2: ((0x7F10, 0x6F3A),),  # ADN
    4: ((0x7F10, 0x6F3C),),  # SMS
    7: ((0x7F20, 0x6F30),),  # PLMN selector
    9: ((0x7F10, 0x6F40),),  # MSISDN
    10: ((0x7F10, 0x6F4A),),  # EXT1
    12: ((0x7F10, 0x6F42),),  # SMSP
    17: ((0x7F20, 0x6F46),),  # SPN
    38: ((0x7F20, 0x6F52), (0x7F20, 0x6F53)),  # GPRS: EF.KcGPRS, EF.LOCIGPRS
    43: ((0x7F20, 0x6F60),),  # user controlled PLMN selector with AcT
    44: ((0x7F20, 0x6F61),),  # operator controlled PLMN selector with AcT
    45: ((0x7F20, 0x6F62),),  # HPLMN selector with AcT
}
SST_WRITTEN = {9, 12, 17, 43, 44, 45}


def ust_services(table: bytes) -> set[int]:
    return {8 * i + bit + 1 for i, byte in enumerate(table) for bit in range(8) if byte >> bit & 1}


def sst_services(table: bytes) -> set[int]:
    return {
        4 * i + pair + 1
        for i, byte in enumerate(table)
        for pair in range(4)
        if byte >> (2 * pair) & 0b11 == 0b11  # allocated and activated
    }


def test_service_tables_offer_exactly_what_the_card_holds(card: RawCard) -> None:
    """A terminal reads only the files of the services EF.UST / EF.SST say are there."""
    card.send("00A4040C07A0000000871002")
    ust = ust_services(read_uicc_ef(card, "7FFF6F38")[1][0])
    for service in sorted(ust & UST_FILES.keys()):
        for path in UST_FILES[service]:
            read_uicc_ef(card, "7FFF" + path)
    sst = sst_services(read_gsm_ef(card, 0x3F00, 0x7F20, 0x6F38)[0])
    for service in sorted(sst & SST_FILES.keys()):
        for df, ef in SST_FILES[service]:
            read_gsm_ef(card, 0x3F00, df, ef)
    card.send("00A4040C07A0000000871002")
    card.send("0088008011" + "10" + "00" * 16)  # AUTHENTICATE, GSM context (service 38)
    assert card.errors == []
    assert ust - UST_FILES.keys() == set(), "EF.UST offers services whose files are absent"
    assert ust >= UST_WRITTEN, f"EF.UST lacks {sorted(UST_WRITTEN - ust)}"
    assert sst - SST_FILES.keys() == set(), "EF.SST offers services whose files are absent"
    assert sst >= SST_WRITTEN, f"EF.SST lacks {sorted(SST_WRITTEN - sst)}"


def test_the_write_is_exclusive_and_leaves_no_adm_session(
    virtual_sim: VirtualSim, reader: PcscReader, pcscd: PcscService
) -> None:
    reader.wait_for_card(5.0)
    attempts: list[str] = []

    def intrude(done: int, _total: int) -> None:
        # After VERIFY ADM: another process connects in shared mode and rewrites EF.IMSI.
        if done == 10:
            attempts.append(
                subprocess.run(
                    [sys.executable, "-c", INTRUDER, pcscd.reader_name],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=True,
                ).stdout.strip()
            )

    reader.write_profile(PROFILE, progress=intrude)
    assert attempts == [f"connect {SHARING_VIOLATION:08X}"]
    # Afterwards another program connects, but cannot ride on the writer's ADM verification.
    intruder = [sys.executable, "-c", INTRUDER, pcscd.reader_name]
    after = subprocess.run(intruder, capture_output=True, text=True, timeout=60, check=True)
    assert after.stdout.strip() == "wrote 9804"
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
