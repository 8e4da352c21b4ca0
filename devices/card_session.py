"""Reading, checking and writing a SIM over a CardChannel; shared by every Reader.

Write order. After the blank check and one VERIFY ADM, the card is written in this order:
EF.MSISDN (if given), EF.KI, EF.OPC, EF.SPN (if given), and EF.IMSI last. A card counts as
blank while EF.IMSI is erased, so EF.IMSI is the commit mark: a write that is cancelled,
refused or interrupted by pulling the card leaves EF.IMSI blank, the card still reads as a
blank card, and writing it again from the start is safe (the key files are write-only and
are simply overwritten).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from branchdesk.devices import encoding
from branchdesk.devices import sim_files as fids
from branchdesk.devices.apdu import (
    CardChannel,
    FileInfo,
    FileStructure,
    is_dedicated_file,
    is_update,
)
from branchdesk.devices.errors import CardError, CardMismatch, CardNotBlank, WriteCancelled
from branchdesk.devices.profile import SimProfile

ProgressCallback = Callable[[int, int], None]

_MSISDN_RECORD = 1
# VERIFY ADM, then per file one SELECT per FID not already selected, GET RESPONSE when the
# file description is needed, and the UPDATE itself.
_VERIFY_APDUS = 1
_GET_RESPONSE_APDUS = 1
_UPDATE_APDUS = 1
_READ_APDUS = 1


@dataclass(frozen=True)
class _FileWrite:
    path: tuple[int, ...]
    build: Callable[[FileInfo | None], bytes]
    is_record: bool = False


class CardSession:
    """High-level operations on the card behind one channel."""

    def __init__(self, channel: CardChannel) -> None:
        self.channel = channel

    # -- reads ---------------------------------------------------------------------------

    def read_iccid(self) -> str:
        data = self._read_transparent(fids.PATH_ICCID)
        try:
            iccid = encoding.decode_iccid(data)
        except ValueError as exc:
            raise CardNotBlank(f"EF.ICCID unreadable: {exc}") from exc
        if iccid is None:
            raise CardNotBlank("EF.ICCID is blank")
        return iccid

    def read_imsi(self) -> str | None:
        data = self._read_transparent(fids.PATH_IMSI)
        try:
            return encoding.decode_imsi(data)
        except ValueError as exc:
            raise CardNotBlank(f"EF.IMSI unreadable: {exc}") from exc

    def is_blank(self) -> bool:
        return encoding.is_blank(self._read_transparent(fids.PATH_IMSI))

    def _read_transparent(self, path: tuple[int, ...]) -> bytes:
        try:
            info = self.channel.select_path(path, describe=True)
            assert info is not None
            if info.structure is not FileStructure.TRANSPARENT:
                raise CardNotBlank(f"{fids.format_path(path)} is not a transparent file")
            return self.channel.read_binary(info.size)
        except CardError as exc:
            raise CardNotBlank(f"cannot read {fids.format_path(path)}: {exc}") from exc

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
        channel.forget_selection()  # start from the MF so the APDU total is exact
        writes = _plan_writes(profile)
        total = _estimate_apdus(writes)
        start = channel.apdu_count
        updates = 0

        def before(_apdu: bytes) -> None:
            if cancel is not None and cancel.is_set():
                raise WriteCancelled(channel.apdu_count - start, card_untouched=updates == 0)

        def after(apdu: bytes) -> None:
            nonlocal updates, total
            if is_update(apdu):
                updates += 1
            done = channel.apdu_count - start
            total = max(total, done)
            if progress is not None:
                progress(done, total)

        channel.before_apdu, channel.after_apdu = before, after
        try:
            self._require_blank_card_for(profile)
            channel.verify_adm(profile.adm)
            for write in writes:
                info = channel.select_path(write.path, describe=write.is_record)
                data = write.build(info)
                if write.is_record:
                    channel.update_record(_MSISDN_RECORD, data)
                else:
                    channel.update_binary(data)
        finally:
            channel.before_apdu = channel.after_apdu = None
        return channel.apdu_count - start

    def _require_blank_card_for(self, profile: SimProfile) -> None:
        iccid = self.read_iccid()
        if iccid != profile.iccid:
            raise CardMismatch(profile.iccid, iccid)
        if not self.is_blank():
            raise CardNotBlank("EF.IMSI is already written")

    # -- verify --------------------------------------------------------------------------

    def verify(self, profile: SimProfile) -> bool:
        """Read back what the card shows and compare it with the profile."""
        if self.read_iccid() != profile.iccid:
            return False
        try:
            imsi = encoding.decode_imsi(self._read_transparent(fids.PATH_IMSI))
        except ValueError:
            return False
        if imsi != profile.imsi:
            return False
        if profile.spn is not None:
            spn = encoding.decode_spn(self._read_transparent(fids.PATH_SPN))
            if spn != profile.spn:
                return False
        if profile.msisdn is not None:
            info = self.channel.select_path(fids.PATH_MSISDN, describe=True)
            assert info is not None
            record = self.channel.read_record(_MSISDN_RECORD, info.record_length)
            if encoding.decode_msisdn(record) != profile.msisdn:
                return False
        return True


def _plan_writes(profile: SimProfile) -> list[_FileWrite]:
    writes: list[_FileWrite] = []
    msisdn, spn = profile.msisdn, profile.spn
    if msisdn is not None:

        def msisdn_record(info: FileInfo | None) -> bytes:
            assert info is not None
            if info.structure is not FileStructure.LINEAR_FIXED:
                raise CardNotBlank("EF.MSISDN is not a record file")
            return encoding.encode_msisdn(msisdn, info.record_length)

        writes.append(_FileWrite(fids.PATH_MSISDN, msisdn_record, is_record=True))
    ki, opc = encoding.encode_key(profile.ki), encoding.encode_key(profile.opc)
    writes.append(_FileWrite(fids.PATH_KI, lambda _info: ki))
    writes.append(_FileWrite(fids.PATH_OPC, lambda _info: opc))
    if spn is not None:
        spn_content = encoding.encode_spn(spn)
        writes.append(_FileWrite(fids.PATH_SPN, lambda _info: spn_content))
    imsi = encoding.encode_imsi(profile.imsi)
    writes.append(_FileWrite(fids.PATH_IMSI, lambda _info: imsi))  # last: the commit mark
    return writes


def _estimate_apdus(writes: list[_FileWrite]) -> int:
    """APDUs a whole write sends to a GSM card, starting with nothing selected."""
    current_df: tuple[int, ...] | None = None
    total = 0

    def select(path: tuple[int, ...], describe: bool) -> None:
        nonlocal current_df, total
        parent = path[:-1]
        total += 1 if parent and parent == current_df else len(path)
        total += _GET_RESPONSE_APDUS if describe else 0
        current_df = path if is_dedicated_file(path[-1]) else parent

    for read_path in (fids.PATH_ICCID, fids.PATH_IMSI):
        select(read_path, describe=True)
        total += _READ_APDUS
    total += _VERIFY_APDUS
    for write in writes:
        select(write.path, describe=write.is_record)
        total += _UPDATE_APDUS
    return total
