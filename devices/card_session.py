"""Reading, checking, writing and proving a USIM over a CardChannel; shared by every Reader.

Each Reader operation runs as one session on a freshly reset card (the MF selected, no
security status), inside one exclusive PC/SC transaction; a write session ends with a reset,
so an ADM verification never outlives it.

Write (one session, 26 APDUs with MSISDN and SPN): READ BINARY EF.ICCID by SFI and check it
is the card the profile names; read the ADM retry counter (VERIFY without data) and refuse
when one try or fewer is left; SELECT ADF.USIM by AID and check EF.IMSI is blank; VERIFY
ADM once, never retried; then UPDATE EF.MSISDN, EF.SMSP, EF.SPN, EF.AD (MNC length), EF.ACC
(from the IMSI), EF.PLMNwAcT/OPLMNwAcT/HPLMNwAcT, EF.LOCI/PSLOCI/FPLMN reset, the key files
EF.KI and EF.OPC, and EF.IMSI last. A card counts as blank while EF.IMSI is erased, so
EF.IMSI is the commit mark: a write that is cancelled, refused or interrupted leaves the card
reading as blank, and writing it again from the start is safe.

Read back (a fresh session, 11 APDUs): EF.ICCID, EF.IMSI through ADF.USIM and through
DF.GSM (the 2G view), EF.SPN, EF.MSISDN, and a test AUTHENTICATE (3G context) computed
with MILENAGE from the profile's Ki/OPc: the answer proves the card holds those keys.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from branchdesk.devices import apdu, encoding
from branchdesk.devices import sim_files as fids
from branchdesk.devices.apdu import CardChannel, FileInfo, FileStructure
from branchdesk.devices.errors import (
    AdmLastTry,
    CardError,
    CardMismatch,
    CardNotBlank,
    WriteCancelled,
)
from branchdesk.devices.milenage import Milenage, build_autn
from branchdesk.devices.profile import SimProfile

ProgressCallback = Callable[[int, int], None]

_FIRST_RECORD = 1
_TEST_SQN = (1 << 5).to_bytes(6, "big")  # SEQ 1, IND 0 (TS 33.102 C.1.1)
_TEST_AMF = bytes.fromhex("8000")  # the separation bit set, as for E-UTRAN
_IDENTITY_APDUS = 3  # EF.ICCID, SELECT ADF.USIM, EF.IMSI
_CHECK_APDUS = 2  # the ADM retry counter, VERIFY ADM


@dataclass(frozen=True)
class CardIdentity:
    iccid: str
    imsi: str | None

    @property
    def blank(self) -> bool:
        return self.imsi is None


@dataclass(frozen=True)
class ReadBack:
    """What a fresh session read from the card, and whether it matches the profile."""

    iccid: str
    imsi: str | None
    gsm_imsi: str | None
    spn: str | None
    msisdn: str | None
    authenticated: bool
    matches: bool


@dataclass(frozen=True)
class _Step:
    """One file update; ``record`` files are described first (their record length)."""

    name: str
    apdus: int
    run: Callable[[CardChannel], None]


class CardSession:
    """High-level operations on the card behind one channel (a freshly reset card)."""

    def __init__(self, channel: CardChannel) -> None:
        self.channel = channel

    # -- reads ---------------------------------------------------------------------------

    def read_identity(self) -> CardIdentity:
        """EF.ICCID by SFI from the MF, then EF.IMSI in ADF.USIM: three APDUs."""
        try:
            iccid_data = self._read_sfi(fids.SFI_ICCID, encoding.ICCID_FILE_SIZE, "EF.ICCID")
            self.channel.require(apdu.select_aid(fids.USIM_AID_PREFIX), "SELECT ADF.USIM")
            imsi_data = self._read_sfi(
                fids.SFI_USIM[fids.EF_IMSI], encoding.IMSI_FILE_SIZE, "EF.IMSI"
            )
        except CardError as exc:
            raise CardNotBlank(f"not a readable USIM: {exc}") from exc
        try:
            iccid = encoding.decode_iccid(iccid_data)
            imsi = encoding.decode_imsi(imsi_data)
        except ValueError as exc:
            raise CardNotBlank(f"unreadable card: {exc}") from exc
        if iccid is None:
            raise CardNotBlank("EF.ICCID is blank")
        if not encoding.luhn_valid(iccid):
            raise CardNotBlank(f"ICCID {iccid} has a wrong check digit")
        return CardIdentity(iccid, imsi)

    def _read_sfi(self, sfi: int, length: int, what: str) -> bytes:
        data = self.channel.require(apdu.read_binary_sfi(sfi, length), f"READ {what}").data
        if len(data) != length:
            raise CardError(0x67, 0x00, f"{what} is {len(data)} bytes, expected {length}")
        return data

    # -- write ---------------------------------------------------------------------------

    def write_profile(
        self,
        profile: SimProfile,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        """Check the card is the blank card the profile is for, then write it.

        Returns the number of APDUs sent. Raises WriteCancelled when ``cancel`` is set
        before some APDU; a cancel before the first UPDATE leaves the card untouched.
        """
        channel = self.channel
        steps = _plan(profile)
        total = _IDENTITY_APDUS + _CHECK_APDUS + sum(step.apdus for step in steps)
        start = channel.apdu_count
        updates = 0

        def before(_apdu: bytes) -> None:
            if cancel is not None and cancel.is_set():
                raise WriteCancelled(channel.apdu_count - start, card_untouched=updates == 0)

        def after(sent: bytes) -> None:
            nonlocal updates, total
            if apdu.is_update(sent):
                updates += 1
            done = channel.apdu_count - start
            total = max(total, done)
            if progress is not None:
                progress(done, total)

        channel.before_apdu, channel.after_apdu = before, after
        try:
            self._require_blank_card_for(profile)
            for step in steps:
                step.run(channel)
        finally:
            channel.before_apdu = channel.after_apdu = None
        return channel.apdu_count - start

    def _require_blank_card_for(self, profile: SimProfile) -> None:
        channel = self.channel
        try:
            iccid_data = self._read_sfi(fids.SFI_ICCID, encoding.ICCID_FILE_SIZE, "EF.ICCID")
            iccid = encoding.decode_iccid(iccid_data)
        except (CardError, ValueError) as exc:
            raise CardNotBlank(f"EF.ICCID unreadable: {exc}") from exc
        if iccid != profile.iccid:
            raise CardMismatch(profile.iccid, iccid or "blank")
        tries = channel.read_key_tries(fids.ADM_LEVEL)
        if tries is not None and tries <= 1:
            raise AdmLastTry(tries)
        try:
            channel.require(apdu.select_aid(fids.USIM_AID_PREFIX), "SELECT ADF.USIM")
            imsi = self._read_sfi(fids.SFI_USIM[fids.EF_IMSI], encoding.IMSI_FILE_SIZE, "EF.IMSI")
        except CardError as exc:
            raise CardNotBlank(f"not a writable USIM: {exc}") from exc
        if not encoding.is_blank(imsi):
            raise CardNotBlank("EF.IMSI is already written")
        channel.verify_key(fids.ADM_LEVEL, profile.adm_bytes)

    # -- read back -------------------------------------------------------------------------

    def read_back(self, profile: SimProfile) -> ReadBack:
        """Read what the card shows in this (fresh) session and prove its Ki/OPc."""
        channel = self.channel
        identity = self.read_identity()
        spn = msisdn = None
        try:
            if profile.spn is not None:
                channel.require(apdu.select_child(fids.EF_SPN), "SELECT EF.SPN")
                data = channel.require(
                    apdu.read_binary(0, encoding.SPN_FILE_SIZE, apdu.CLA_UICC), "READ EF.SPN"
                ).data
                spn = encoding.decode_spn(data)
            if profile.msisdn is not None:
                channel.require(apdu.select_child(fids.EF_MSISDN), "SELECT EF.MSISDN")
                record = channel.require(
                    apdu.read_record(_FIRST_RECORD, 0, apdu.CLA_UICC), "READ EF.MSISDN"
                ).data
                msisdn = encoding.decode_msisdn(record)
            authenticated = self._test_authenticate(profile)
            channel.require(apdu.select_path(fids.PATH_IMSI), "SELECT DF.GSM/EF.IMSI")
            gsm_data = channel.require(
                apdu.read_binary(0, encoding.IMSI_FILE_SIZE, apdu.CLA_UICC), "READ EF.IMSI (2G)"
            ).data
            gsm_imsi = encoding.decode_imsi(gsm_data)
        except (CardError, ValueError):
            return ReadBack(identity.iccid, identity.imsi, None, spn, msisdn, False, False)
        matches = (
            identity.iccid == profile.iccid
            and identity.imsi == profile.imsi
            and gsm_imsi == profile.imsi
            and spn == profile.spn
            and msisdn == profile.msisdn
            and authenticated
        )
        return ReadBack(
            identity.iccid, identity.imsi, gsm_imsi, spn, msisdn, authenticated, matches
        )

    def _test_authenticate(self, profile: SimProfile) -> bool:
        """AUTHENTICATE (3G context) with a vector computed from the profile's keys.

        A success (DB: RES, CK, IK as computed) or a synchronisation failure whose MAC-S
        checks out (DC: AUTS, when the card already accepted this SQN) both prove the keys.
        """
        milenage = Milenage(encoding.encode_key(profile.ki), encoding.encode_key(profile.opc))
        rand = os.urandom(16)
        autn = build_autn(milenage, rand, _TEST_SQN, _TEST_AMF)
        response = self.channel.transceive(apdu.authenticate_3g(rand, autn), secret=True)
        if not response.ok or not response.data:
            return False
        data = response.data
        if data[0] == 0xDB:
            vector = milenage.f2345(rand)
            parts: list[bytes] = []
            index = 1
            while index < len(data) and len(parts) < 3:
                length = data[index]
                parts.append(data[index + 1 : index + 1 + length])
                index += 1 + length
            return parts == [vector.res, vector.ck, vector.ik]
        if data[0] == 0xDC and len(data) >= 16:
            auts = data[2:16]
            concealed = milenage.f5_star(rand)
            sqn_ms = bytes(a ^ b for a, b in zip(auts[:6], concealed, strict=True))
            return milenage.f1_star(rand, sqn_ms, b"\x00\x00") == auts[6:]
        return False


def _record_step(name: str, fid: int, encode: Callable[[int], bytes]) -> _Step:
    def run(channel: CardChannel) -> None:
        response = channel.require(apdu.select_child(fid, fcp=True), f"SELECT {name}")
        info = FileInfo.parse(response.data)
        if info.structure is not FileStructure.LINEAR_FIXED:
            raise CardNotBlank(f"{name} is not a record file")
        channel.require(
            apdu.update_record(_FIRST_RECORD, encode(info.record_length), apdu.CLA_UICC),
            f"UPDATE {name}",
        )

    return _Step(name, 3, run)


def _selected_step(name: str, fid: int, content: bytes, *, secret: bool = False) -> _Step:
    def run(channel: CardChannel) -> None:
        channel.require(apdu.select_child(fid), f"SELECT {name}")
        channel.require(
            apdu.update_binary(0, content, apdu.CLA_UICC), f"UPDATE {name}", secret=secret
        )

    return _Step(name, 2, run)


def _sfi_step(name: str, fid: int, content: bytes) -> _Step:
    sfi = fids.SFI_USIM[fid]

    def run(channel: CardChannel) -> None:
        channel.require(apdu.update_binary_sfi(sfi, content), f"UPDATE {name}")

    return _Step(name, 1, run)


def _plan(profile: SimProfile) -> list[_Step]:
    imsi = profile.imsi
    steps: list[_Step] = []
    msisdn, smsc = profile.msisdn, profile.smsc
    if msisdn is not None:
        steps.append(
            _record_step("EF.MSISDN", fids.EF_MSISDN, lambda n: encoding.encode_msisdn(msisdn, n))
        )
    steps.append(_record_step("EF.SMSP", fids.EF_SMSP, lambda n: encoding.encode_smsp(smsc, n)))
    if profile.spn is not None:
        steps.append(_selected_step("EF.SPN", fids.EF_SPN, encoding.encode_spn(profile.spn)))
    home = [encoding.home_plmn(imsi)]
    plmn_size, hplmn_size = encoding.PLMNWACT_FILE_SIZE, encoding.HPLMNWACT_FILE_SIZE
    steps += [
        _sfi_step("EF.AD", fids.EF_AD, encoding.encode_ad(imsi)),
        _sfi_step("EF.ACC", fids.EF_ACC, encoding.encode_acc(imsi)),
        _sfi_step("EF.PLMNwAcT", fids.EF_PLMNWACT, encoding.encode_plmn_act_list([], plmn_size)),
        _sfi_step(
            "EF.OPLMNwAcT", fids.EF_OPLMNWACT, encoding.encode_plmn_act_list(home, plmn_size)
        ),
        _sfi_step(
            "EF.HPLMNwAcT", fids.EF_HPLMNWACT, encoding.encode_plmn_act_list(home, hplmn_size)
        ),
        _sfi_step("EF.LOCI", fids.EF_LOCI, encoding.reset_loci(imsi)),
        _sfi_step("EF.PSLOCI", fids.EF_PSLOCI, encoding.reset_psloci(imsi)),
        _sfi_step("EF.FPLMN", fids.EF_FPLMN, b"\xff" * encoding.FPLMN_FILE_SIZE),
        _selected_step("EF.KI", fids.EF_KI, encoding.encode_key(profile.ki), secret=True),
        _selected_step("EF.OPC", fids.EF_OPC, encoding.encode_key(profile.opc), secret=True),
        _sfi_step("EF.IMSI", fids.EF_IMSI, encoding.encode_imsi(imsi)),  # last: the commit mark
    ]
    return steps
