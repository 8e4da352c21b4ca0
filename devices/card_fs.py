"""The file system of a blank 128K USIM card: its files, their factory contents, their FCPs.

Used by ``virtual_card``. Layout (ETSI TS 102 221 section 13, 3GPP TS 31.102 section 4,
TS 51.011 section 10)::

    MF 3F00
      EF.DIR 2F00, EF.ICCID 2FE2, EF.PL 2F05, EF.ARR 2F06
      ADF.USIM (AID A0000000871002..., FID 7FFF while selected)
        EF.LI, EF.IMSI, EF.Keys, EF.KeysPS, EF.HPPLMN, EF.UST, EF.EST, EF.ACC, EF.FPLMN,
        EF.LOCI, EF.PSLOCI, EF.EPSLOCI, EF.AD, EF.START-HFN, EF.THRESHOLD, EF.NETPAR, EF.ECC,
        EF.PLMNwAcT, EF.OPLMNwAcT, EF.HPLMNwAcT, EF.SPN, EF.MSISDN, EF.SMSP, EF.SMS, EF.SMSS,
        EF.ARR, and the proprietary key files EF.KI 6FF0 and EF.OPC 6FF1
        DF.GSM-ACCESS 5F3B: EF.Kc 4F20, EF.KcGPRS 4F52 (DF.GSM's EF.Kc and EF.KcGPRS)
      DF.TELECOM 7F10: EF.ADN, EF.SMS, EF.MSISDN, EF.SMSP, EF.SMSS, EF.EXT1
      DF.GSM 7F20: EF.LP, EF.IMSI, EF.Kc, EF.PLMNsel, EF.HPPLMN, EF.SST, EF.BCCH, EF.ACC,
        EF.FPLMN, EF.LOCI, EF.AD, EF.PHASE, EF.SPN, EF.PLMNwAcT, EF.OPLMNwAcT,
        EF.HPLMNwAcT, EF.KcGPRS, EF.LOCIGPRS, EF.ECC, EF.KI, EF.OPC

The subscription files the 2G and 3G applications have in common (IMSI, AD, ACC, SPN,
LOCI, FPLMN, HPPLMN, the PLMN lists, the keys, Kc) are one file reachable from both DF.GSM
and ADF.USIM, and DF.TELECOM's EF.MSISDN, EF.SMSP and EF.SMSS are the USIM's: what is written
through one application reads back identically through the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum

from branchdesk.devices import encoding
from branchdesk.devices import sim_files as fids


class Access(IntEnum):
    """Access condition levels, coded as the TS 51.011 access condition nibbles."""

    ALWAYS = 0x0
    PIN1 = 0x1
    ADM = fids.ADM_LEVEL
    NEVER = 0xF


class Structure(Enum):
    TRANSPARENT = 0x01
    LINEAR_FIXED = 0x02
    CYCLIC = 0x06


# Access rules of EF.ARR (TS 102 221 9.2.7, expanded format): record number -> (read, update).
RULES: dict[int, tuple[Access, Access]] = {
    1: (Access.ALWAYS, Access.NEVER),
    2: (Access.ALWAYS, Access.ADM),
    3: (Access.PIN1, Access.ADM),
    4: (Access.NEVER, Access.ADM),
    5: (Access.PIN1, Access.PIN1),
    6: (Access.ALWAYS, Access.PIN1),
}
_ARR_RECORD = 0x20
_GSM_STRUCTURE = {Structure.TRANSPARENT: 0x00, Structure.LINEAR_FIXED: 0x01, Structure.CYCLIC: 0x03}


def _condition(level: Access) -> bytes:
    if level == Access.ALWAYS:
        return bytes([0x90, 0x00])
    if level == Access.NEVER:
        return bytes([0x97, 0x00])
    # A CRT for user verification with the key reference (usage qualifier 08).
    return bytes([0xA4, 0x06, 0x83, 0x01, int(level), 0x95, 0x01, 0x08])


def arr_record(read: Access, update: Access) -> bytes:
    body = bytes([0x80, 0x01, 0x01]) + _condition(read) + bytes([0x80, 0x01, 0x02])
    return (body + _condition(update)).ljust(_ARR_RECORD, b"\xff")


def _rule_of(read: Access, update: Access) -> int:
    for number, rule in RULES.items():
        if rule == (read, update):
            return number
    raise ValueError(f"no access rule for read {read.name}, update {update.name}")


def tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag, len(value)]) + value


@dataclass(eq=False)
class ElementaryFile:
    fid: int
    content: bytearray
    read: Access
    update: Access
    structure: Structure = Structure.TRANSPARENT
    record_length: int = 0
    sfi: int | None = None
    arr_fid: int = fids.EF_ARR_MF
    invalidated: bool = False

    @property
    def is_record_file(self) -> bool:
        return self.structure is not Structure.TRANSPARENT

    @property
    def records(self) -> int:
        return len(self.content) // self.record_length if self.is_record_file else 0

    def fcp(self) -> bytes:
        """The FCP template of TS 102 221 11.1.1.3.1."""
        size = len(self.content)
        if self.is_record_file:
            descriptor = bytes([0x40 | self.structure.value, 0x21, 0x00, self.record_length])
            descriptor += bytes([self.records])
        else:
            descriptor = bytes([0x40 | self.structure.value, 0x21])
        body = tlv(0x82, descriptor) + tlv(0x83, self.fid.to_bytes(2, "big"))
        body += tlv(0x8A, bytes([0x04 if self.invalidated else 0x05]))
        rule = _rule_of(self.read, self.update)
        body += tlv(0x8B, self.arr_fid.to_bytes(2, "big") + bytes([rule]))
        body += tlv(0x80, size.to_bytes(2, "big"))
        body += tlv(0x88, b"" if self.sfi is None else bytes([self.sfi << 3]))
        return tlv(0x62, body)

    def gsm_response(self) -> bytes:
        """The EF answer to a TS 51.011 SELECT/GET RESPONSE (section 9.2.1)."""
        size = len(self.content)
        status = 0x00 if self.invalidated else 0x01
        return bytes(
            [
                0x00, 0x00, size >> 8, size & 0xFF, self.fid >> 8, self.fid & 0xFF,
                0x04, 0x00, (self.read << 4) | self.update, 0xFF, 0xAA, status,
                0x02, _GSM_STRUCTURE[self.structure], self.record_length,
            ]
        )  # fmt: skip


@dataclass(eq=False)
class DedicatedFile:
    fid: int
    parent: DedicatedFile | None = None
    children: dict[int, ElementaryFile | DedicatedFile] = field(default_factory=dict)
    aid: bytes | None = None  # an ADF
    arr_fid: int = fids.EF_ARR_MF

    def add(self, child: ElementaryFile | DedicatedFile) -> None:
        if isinstance(child, DedicatedFile):
            child.parent = self
        self.children[child.fid] = child

    def by_sfi(self, sfi: int) -> ElementaryFile | None:
        for child in self.children.values():
            if isinstance(child, ElementaryFile) and child.sfi == sfi:
                return child
        return None

    def fcp(self, pin1_enabled: bool) -> bytes:
        body = tlv(0x82, bytes([0x78, 0x21])) + tlv(0x83, self.fid.to_bytes(2, "big"))
        if self.aid is not None:
            body += tlv(0x84, self.aid)
        body += tlv(0x8A, bytes([0x05]))
        body += tlv(
            0x8B, self.arr_fid.to_bytes(2, "big") + bytes([_rule_of(Access.ALWAYS, Access.ADM)])
        )
        ps_do = 0x80 if pin1_enabled else 0x00
        body += tlv(
            0xC6,
            tlv(0x90, bytes([ps_do]))
            + tlv(0x83, bytes([fids.PIN1]))
            + tlv(0x83, bytes([fids.ADM_LEVEL])),
        )
        body += tlv(0x81, (0x2000).to_bytes(2, "big"))
        return tlv(0x62, body)

    def gsm_response(self, chv1_status: int, unblock_status: int, chv1_enabled: bool) -> bytes:
        """The MF/DF answer to a TS 51.011 SELECT/STATUS (section 9.2.1)."""
        dfs = sum(isinstance(c, DedicatedFile) for c in self.children.values())
        efs = len(self.children) - dfs
        kind = 0x01 if self.parent is None else 0x02
        characteristics = 0x00 if chv1_enabled else 0x80  # b8: CHV1 disabled
        return bytes(
            [
                0x00, 0x00, 0x10, 0x00, self.fid >> 8, self.fid & 0xFF, kind,
                0x00, 0x00, 0x00, 0x00, 0x00, 0x09, characteristics, dfs, efs, 0x04, 0x00,
                chv1_status, unblock_status, 0x00, 0x00,
            ]
        )  # fmt: skip


def _blank(size: int) -> bytearray:
    return bytearray(b"\xff" * size)


def _dir_record(aid: bytes, label: str) -> bytes:
    application = tlv(0x4F, aid) + tlv(0x50, label.encode("ascii"))
    return tlv(0x61, application).ljust(0x26, b"\xff")


def service_table(services: set[int], size: int, *, bits: int = 1) -> bytes:
    """A service table: EF.UST has one bit per service (TS 31.102 4.2.8), EF.SST two,
    allocated and activated (TS 51.011 10.3.7). Service n is counted from bit 1 of byte 1."""
    table = bytearray(size)
    for service in services:
        index, slot = divmod((service - 1) * bits, 8)
        table[index] |= ((1 << bits) - 1) << slot
    return bytes(table)


# The services of the files this card holds, and no others (a terminal reads only those):
# USIM 10 SMS, 12 SMSP, 19 SPN, 20 PLMNwAcT, 21 MSISDN, 27 GSM access (DF.GSM-ACCESS),
# 33 (always 1), 34 EST, 38 GSM security context, 42 OPLMNwAcT, 43 HPLMNwAcT;
# GSM 1 CHV1 disable, 2 ADN, 4 SMS, 7 PLMNsel, 9 MSISDN, 10 EXT1, 12 SMSP, 17 SPN, 38 GPRS,
# 43 PLMNwAcT, 44 OPLMNwAcT, 45 HPLMNwAcT.
USIM_SERVICES = frozenset({10, 12, 19, 20, 21, 27, 33, 34, 38, 42, 43})
GSM_SERVICES = frozenset({1, 2, 4, 7, 9, 10, 12, 17, 38, 43, 44, 45})
FACTORY_UST = service_table(set(USIM_SERVICES), 8)
FACTORY_SST = service_table(set(GSM_SERVICES), 12, bits=2)
FACTORY_ECC = (b"\x11\xf2\xff" + b"\xff" * 12 + b"\x00", b"\x11\xf9\xff" + b"\xff" * 12 + b"\x00")


def build(iccid: str) -> tuple[DedicatedFile, DedicatedFile]:
    """A factory-fresh card: (MF, ADF.USIM). The ADF hangs under the MF by its AID."""
    always, pin1, adm, never = Access.ALWAYS, Access.PIN1, Access.ADM, Access.NEVER
    transparent, linear = Structure.TRANSPARENT, Structure.LINEAR_FIXED

    def ef(
        fid: int,
        content: bytes | bytearray,
        read: Access,
        update: Access,
        sfi: int | None = None,
        record_length: int = 0,
        arr: int = fids.EF_ARR,
    ) -> ElementaryFile:
        structure = linear if record_length else transparent
        return ElementaryFile(
            fid, bytearray(content), read, update, structure, record_length, sfi, arr
        )

    mf = DedicatedFile(fids.MF)
    mf.add(
        ef(
            fids.EF_DIR,
            _dir_record(fids.USIM_AID, "USIM"),
            always,
            adm,
            fids.SFI_DIR,
            0x26,
            fids.EF_ARR_MF,
        )
    )
    mf.add(
        ef(
            fids.EF_ICCID,
            encoding.encode_iccid(iccid),
            always,
            never,
            fids.SFI_ICCID,
            arr=fids.EF_ARR_MF,
        )
    )
    mf.add(
        ef(fids.EF_PL, b"zhen".ljust(10, b"\xff"), always, pin1, fids.SFI_PL, arr=fids.EF_ARR_MF)
    )
    arr_records = b"".join(arr_record(*rule) for rule in RULES.values())
    mf.add(
        ef(fids.EF_ARR_MF, arr_records, always, adm, fids.SFI_ARR_MF, _ARR_RECORD, fids.EF_ARR_MF)
    )

    sfi = fids.SFI_USIM
    # Files shared by ADF.USIM and DF.GSM.
    imsi = ef(fids.EF_IMSI, _blank(encoding.IMSI_FILE_SIZE), pin1, adm, sfi[fids.EF_IMSI])
    ad = ef(fids.EF_AD, bytes([0x00, 0x00, 0x00, 0x02]), always, adm, sfi[fids.EF_AD])
    acc = ef(fids.EF_ACC, _blank(encoding.ACC_FILE_SIZE), pin1, adm, sfi[fids.EF_ACC])
    spn = ef(fids.EF_SPN, _blank(encoding.SPN_FILE_SIZE), always, adm)
    loci = ef(fids.EF_LOCI, _blank(encoding.LOCI_FILE_SIZE), pin1, pin1, sfi[fids.EF_LOCI])
    fplmn = ef(fids.EF_FPLMN, _blank(encoding.FPLMN_FILE_SIZE), pin1, pin1, sfi[fids.EF_FPLMN])
    hpplmn = ef(fids.EF_HPPLMN, bytes([0x0A]), pin1, adm, sfi[fids.EF_HPPLMN])
    plmn_size = encoding.PLMNWACT_FILE_SIZE
    plmnwact = ef(fids.EF_PLMNWACT, _blank(plmn_size), pin1, pin1, sfi[fids.EF_PLMNWACT])
    oplmnwact = ef(fids.EF_OPLMNWACT, _blank(plmn_size), pin1, adm, sfi[fids.EF_OPLMNWACT])
    hplmn_size = encoding.HPLMNWACT_FILE_SIZE
    hplmnwact = ef(fids.EF_HPLMNWACT, _blank(hplmn_size), pin1, adm, sfi[fids.EF_HPLMNWACT])
    ki = ef(fids.EF_KI, _blank(encoding.KEY_SIZE), never, adm)
    opc = ef(fids.EF_OPC, _blank(encoding.KEY_SIZE), never, adm)
    ecc = ef(fids.EF_ECC, b"".join(FACTORY_ECC), always, adm, sfi[fids.EF_ECC], 16)
    msisdn = ef(
        fids.EF_MSISDN,
        _blank(2 * encoding.MSISDN_RECORD_TAIL),
        pin1,
        pin1,
        None,
        encoding.MSISDN_RECORD_TAIL,
    )
    smsp_length = encoding.SMSP_RECORD_TAIL
    smsp = ef(fids.EF_SMSP, _blank(2 * smsp_length), pin1, pin1, None, smsp_length)
    sms = ef(fids.EF_SMS, bytes([0x00]) + b"\xff" * 175, pin1, pin1, None, 176)
    smss = ef(fids.EF_SMSS, bytes([0xFF, 0xFF]), pin1, pin1, arr=fids.EF_ARR_MF)
    kc = ef(fids.EF_KC, _blank(8) + b"\x07", pin1, pin1, arr=fids.EF_ARR_MF)
    kc_gprs = ef(fids.EF_KC_GPRS, _blank(8) + b"\x07", pin1, pin1, arr=fids.EF_ARR_MF)
    shared = (imsi, ad, acc, spn, loci, fplmn, hpplmn, plmnwact, oplmnwact, hplmnwact, ki, opc)

    usim = DedicatedFile(fids.ADF_USIM, aid=fids.USIM_AID, arr_fid=fids.EF_ARR)
    for file in shared + (ecc, msisdn, smsp, sms, smss):
        usim.add(file)
    # DF.GSM-ACCESS (TS 31.102 4.4.3, service 27): the 2G keys, the same files as DF.GSM's.
    gsm_access = DedicatedFile(fids.DF_GSM_ACCESS, arr_fid=fids.EF_ARR)
    gsm_access.add(
        ElementaryFile(fids.EF_KC_USIM, kc.content, pin1, pin1, sfi=0x01, arr_fid=fids.EF_ARR)
    )
    gsm_access.add(
        ElementaryFile(
            fids.EF_KC_GPRS_USIM, kc_gprs.content, pin1, pin1, sfi=0x02, arr_fid=fids.EF_ARR
        )
    )
    usim.add(gsm_access)
    usim.add(ef(fids.EF_ARR, arr_records, always, adm, sfi[fids.EF_ARR], _ARR_RECORD))
    usim.add(ef(fids.EF_LI, b"zhen".ljust(10, b"\xff"), always, pin1, sfi[fids.EF_LI]))
    usim.add(ef(fids.EF_KEYS, b"\x07" + b"\xff" * 32, pin1, pin1, sfi[fids.EF_KEYS]))
    usim.add(ef(fids.EF_KEYS_PS, b"\x07" + b"\xff" * 32, pin1, pin1, sfi[fids.EF_KEYS_PS]))
    usim.add(ef(fids.EF_UST, FACTORY_UST, pin1, adm, sfi[fids.EF_UST]))
    usim.add(ef(fids.EF_EST, b"\x00", pin1, pin1, sfi[fids.EF_EST]))
    usim.add(ef(fids.EF_PSLOCI, _blank(encoding.PSLOCI_FILE_SIZE), pin1, pin1, sfi[fids.EF_PSLOCI]))
    usim.add(ef(fids.EF_EPSLOCI, _blank(18), pin1, pin1, sfi[fids.EF_EPSLOCI]))
    usim.add(
        ef(fids.EF_START_HFN, bytes.fromhex("F00000F00000"), pin1, pin1, sfi[fids.EF_START_HFN])
    )
    usim.add(ef(fids.EF_NETPAR, _blank(46), pin1, pin1))
    usim.add(ef(fids.EF_THRESHOLD, bytes.fromhex("FFFFFF"), pin1, adm, sfi[fids.EF_THRESHOLD]))
    mf.add(usim)

    telecom = DedicatedFile(fids.DF_TELECOM)
    adn = ef(fids.EF_ADN, _blank(10 * 30), pin1, pin1, None, 30, fids.EF_ARR_MF)
    for file in (adn, sms, msisdn, smsp, smss):
        telecom.add(file)
    telecom.add(ef(fids.EF_EXT1, _blank(13 * 2), pin1, pin1, None, 13, fids.EF_ARR_MF))
    mf.add(telecom)

    gsm = DedicatedFile(fids.DF_GSM)
    for file in shared:
        gsm.add(file)
    gsm.add(ef(fids.EF_LI, bytes([0x01, 0xFF, 0xFF]), always, pin1, arr=fids.EF_ARR_MF))
    gsm.add(ef(fids.EF_ECC, bytes.fromhex("11F2FF11F9FF"), always, adm, arr=fids.EF_ARR_MF))
    gsm.add(kc)
    gsm.add(ef(fids.EF_PLMNSEL, _blank(24), pin1, pin1, arr=fids.EF_ARR_MF))
    gsm.add(ef(fids.EF_UST, FACTORY_SST, pin1, adm, arr=fids.EF_ARR_MF))
    gsm.add(ef(fids.EF_BCCH, bytes(16), pin1, pin1, arr=fids.EF_ARR_MF))
    gsm.add(ef(fids.EF_PHASE, bytes([0x03]), always, adm, arr=fids.EF_ARR_MF))
    gsm.add(kc_gprs)
    gsm.add(ef(fids.EF_LOCI_GPRS, _blank(14), pin1, pin1, arr=fids.EF_ARR_MF))
    mf.add(gsm)
    # The ADF is reached by AID, not as a child FID of the MF.
    del mf.children[fids.ADF_USIM]
    usim.parent = mf
    return mf, usim
