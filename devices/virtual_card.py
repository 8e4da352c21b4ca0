"""The behaviour of a blank 128K USIM card, as an object that answers command APDUs.

Both the vpcd socket emulator (``vcard.VirtualSim``) and the in-memory test reader
(``memory.MemoryReader``) drive this one model, so they behave identically. The file system
is described in ``card_fs``.

Two command sets, told apart by the class byte:

* CLA 0X/8X: the UICC (ETSI TS 102 221 section 10-11, ISO/IEC 7816-4): SELECT by FID, by
  path and by AID with FCP templates, STATUS, READ/UPDATE BINARY and RECORD (also by SFI),
  SEARCH RECORD, VERIFY, CHANGE/DISABLE/ENABLE/UNBLOCK PIN, DEACTIVATE/ACTIVATE FILE and
  AUTHENTICATE (3G and GSM context, TS 31.102 7.1) with MILENAGE. Status words of ISO
  7816-4: 6A82 absent file, 6982 access refused, 63Cx wrong key with x tries left, 6983
  blocked, 6B00/6A86 bad P1-P2, 6700 bad length, 6Cxx wrong Le, 61xx response ready.
* CLA A0: GSM (TS 51.011 section 9): SELECT by FID, STATUS, READ/UPDATE BINARY and
  RECORD, SEEK, VERIFY CHV (and the proprietary ADM verify with P2=0A), CHANGE/DISABLE/
  ENABLE/UNBLOCK CHV, INVALIDATE/REHABILITATE and RUN GSM ALGORITHM. Status words of TS
  51.011 9.4: 9404 absent file, 9804 access refused or wrong key, 9840 blocked, 9402 bad
  record, 9408 wrong file type, 6B00 bad P1-P2, 67XX bad P3, 9Fxx response ready.

Case-4 commands answer 61xx (or 9Fxx) and leave the data for GET RESPONSE, as over T=0.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from branchdesk.devices import encoding
from branchdesk.devices import sim_files as fids
from branchdesk.devices.card_fs import (
    Access,
    DedicatedFile,
    ElementaryFile,
    Structure,
    build,
    tlv,
)
from branchdesk.devices.milenage import Milenage, c2_sres, c3_kc

DEFAULT_ADM = "88888888"
DEFAULT_PIN1 = "1234"
DEFAULT_PUK1 = "12345678"
ADM_TRIES = 3
PIN_TRIES = 3
PUK_TRIES = 10
PIN_LENGTH = 8
CLA_GSM = 0xA0

_OK = 0x9000
_ISO_INS = frozenset(
    {0xA4, 0xB0, 0xD6, 0xB2, 0xDC, 0xA2, 0x20, 0x24, 0x26, 0x28, 0x2C, 0x88, 0xC0, 0x04, 0x44}
)
_ISO_PROPRIETARY_INS = frozenset({0xF2})
_GSM_INS = frozenset(
    {0xA4, 0xF2, 0xB0, 0xD6, 0xB2, 0xDC, 0xA2, 0x20, 0x24, 0x26, 0x28, 0x2C, 0x04, 0x44, 0x88, 0xC0}
)
_NO_DATA_INS = frozenset({0xB0, 0xB2, 0xF2, 0xC0})
_MODE_NEXT, _MODE_PREVIOUS, _MODE_ABSOLUTE = 0x02, 0x03, 0x04


class CardStalled(Exception):
    """Raised by ``process_apdu`` when the test hook makes the card stop answering."""


class CardPulled(Exception):
    """Raised by ``process_apdu`` when a scheduled removal happens instead of an answer."""


@dataclass(frozen=True)
class Command:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes
    le: int | None  # None: absent; 0 means "all" (256)

    @classmethod
    def parse(cls, raw: bytes) -> Command | None:
        """Short APDUs of ISO 7816-4 5.1; None when the length bytes do not add up."""
        if len(raw) < 4:
            return None
        header = raw[0], raw[1], raw[2], raw[3]
        if len(raw) == 4:
            return cls(*header, b"", None)
        if len(raw) == 5:
            return cls(*header, b"", raw[4])
        lc = raw[4]
        data = raw[5 : 5 + lc]
        rest = raw[5 + lc :]
        if lc == 0 or len(data) != lc or len(rest) > 1:
            return None
        return cls(*header, data, rest[0] if rest else None)


class _Key:
    """A PIN or the ADM key with its retry counter."""

    def __init__(self, value: bytes, tries: int) -> None:
        self.value = value
        self.max_tries = tries
        self.tries_left = tries
        self.verified = False

    def present(self, value: bytes) -> bool:
        if value == self.value:
            self.tries_left = self.max_tries
            self.verified = True
            return True
        self.verified = False
        self.tries_left = max(0, self.tries_left - 1)
        return False

    @property
    def blocked(self) -> bool:
        return self.tries_left == 0


def _pin_bytes(pin: str) -> bytes:
    return pin.encode("ascii").ljust(PIN_LENGTH, b"\xff")


def _sw(word: int) -> bytes:
    return word.to_bytes(2, "big")


class VirtualCard:
    """State and APDU behaviour of one USIM card. Thread-safe."""

    def __init__(
        self,
        iccid: str,
        *,
        adm: str = DEFAULT_ADM,
        pin1: str = DEFAULT_PIN1,
        puk1: str = DEFAULT_PUK1,
        pin1_enabled: bool = False,
    ) -> None:
        self.adm = adm
        self._adm = _Key(encoding.encode_adm(adm), ADM_TRIES)
        self._pin1 = _Key(_pin_bytes(pin1), PIN_TRIES)
        self._puk1 = _Key(_pin_bytes(puk1), PUK_TRIES)
        self.pin1_enabled = pin1_enabled
        self.sqn_ms = 0  # the highest sequence number accepted by AUTHENTICATE
        self.update_count = 0
        self.commands: list[bytes] = []  # every command APDU received, for tests
        self._lock = threading.RLock()
        self._pull_at: int | None = None
        self._stall_at: int | None = None
        self._pending = b""
        self.mf, self.usim = build(iccid)
        self._gsm = False
        self._current_df: DedicatedFile = self.mf
        self._current_ef: ElementaryFile | None = None
        self._current_app: DedicatedFile | None = None
        self._record_pointer: dict[int, int] = {}

    # -- construction -------------------------------------------------------------------

    @classmethod
    def blank(cls, iccid: str, *, adm: str = DEFAULT_ADM) -> VirtualCard:
        """A blank card (白卡): ICCID set, IMSI and keys erased."""
        return cls(iccid, adm=adm)

    @classmethod
    def written(cls, iccid: str, imsi: str, *, adm: str = DEFAULT_ADM) -> VirtualCard:
        """A card that already carries a subscription, so it must be refused for writing."""
        card = cls(iccid, adm=adm)
        card.poke(fids.PATH_IMSI, encoding.encode_imsi(imsi))
        card.poke(fids.PATH_KI, bytes(range(16)))
        card.poke(fids.PATH_OPC, bytes(range(16, 32)))
        return card

    # -- inspection (bypasses access conditions; for tests and the trainer CLI) ----------

    def peek(self, path: tuple[int, ...]) -> bytes:
        with self._lock:
            return bytes(self.file_at(path).content)

    def poke(self, path: tuple[int, ...], data: bytes) -> None:
        with self._lock:
            ef = self.file_at(path)
            ef.content[: len(data)] = data

    def file_at(self, path: tuple[int, ...]) -> ElementaryFile:
        """The EF at ``path`` from the MF; 7FFF stands for ADF.USIM."""
        node: ElementaryFile | DedicatedFile = self.mf
        for fid in path[1:]:
            if not isinstance(node, DedicatedFile):
                raise KeyError(fids.format_path(path))
            node = self.usim if fid == fids.ADF_USIM else node.children[fid]
        if not isinstance(node, ElementaryFile):
            raise KeyError(fids.format_path(path))
        return node

    @property
    def iccid(self) -> str | None:
        return encoding.decode_iccid(self.peek(fids.PATH_ICCID))

    @property
    def imsi(self) -> str | None:
        return encoding.decode_imsi(self.peek(fids.PATH_IMSI))

    @property
    def is_blank(self) -> bool:
        return encoding.is_blank(self.peek(fids.PATH_IMSI))

    @property
    def adm_tries_left(self) -> int:
        return self._adm.tries_left

    @adm_tries_left.setter
    def adm_tries_left(self, tries: int) -> None:
        self._adm.tries_left = tries

    @property
    def adm_verified(self) -> bool:
        return self._adm.verified

    @property
    def adm_blocked(self) -> bool:
        return self._adm.blocked

    @property
    def pin1_tries_left(self) -> int:
        return self._pin1.tries_left

    def count_commands(self, ins: int) -> int:
        with self._lock:
            return sum(1 for command in self.commands if len(command) > 1 and command[1] == ins)

    def schedule_pull(self, after_updates: int) -> None:
        """Simulate the card being pulled out: after ``after_updates`` more successful
        UPDATEs, the next command is not executed and ``process_apdu`` raises CardPulled."""
        with self._lock:
            self._pull_at = self.update_count + after_updates

    def schedule_stall(self, after_updates: int) -> None:
        """Simulate a card that stops answering: after ``after_updates`` more successful
        UPDATEs, ``process_apdu`` raises CardStalled (the command is not executed)."""
        with self._lock:
            self._stall_at = self.update_count + after_updates

    # -- power ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Power cycle or warm reset: security status and selection are lost."""
        with self._lock:
            self._adm.verified = False
            self._pin1.verified = False
            self._puk1.verified = False
            self._current_df = self.mf
            self._current_ef = None
            self._current_app = None
            self._pending = b""
            self._record_pointer.clear()

    # -- APDU processing -----------------------------------------------------------------

    def process_apdu(self, raw: bytes) -> bytes:
        """Execute one command APDU and return the response data followed by SW1 SW2."""
        with self._lock:
            if self._pull_at is not None and self.update_count >= self._pull_at:
                self._pull_at = None
                self.reset()
                raise CardPulled
            if self._stall_at is not None and self.update_count >= self._stall_at:
                self._stall_at = None
                raise CardStalled
            self.commands.append(bytes(raw))
            pending, self._pending = self._pending, b""
            if len(raw) < 2:
                return _sw(0x6700)
            cla, ins = raw[0], raw[1]
            self._gsm = cla == CLA_GSM
            if self._gsm:
                if ins not in _GSM_INS:
                    return _sw(0x6D00)
            elif cla & 0xF0 in (0x00, 0x80):
                proprietary = bool(cla & 0x80)
                allowed = _ISO_PROPRIETARY_INS if proprietary else _ISO_INS
                if ins not in allowed:
                    other = _ISO_INS if proprietary else _ISO_PROPRIETARY_INS
                    return _sw(0x6E00 if ins in other else 0x6D00)
                if cla & 0x03:
                    return _sw(0x6881)  # logical channels other than the basic one
            elif cla & 0xF0 in (0x40, 0x60, 0xC0, 0xE0):
                return _sw(0x6881)
            else:
                return _sw(0x6E00)
            command = Command.parse(raw)
            if command is None:
                return _sw(0x6700)
            if command.data and ins in _NO_DATA_INS:
                return _sw(0x6700)
            if ins == 0xC0:
                return self._get_response(command, pending)
            handler = {
                0xA4: self._select,
                0xF2: self._status,
                0xB0: self._read_binary,
                0xD6: self._update_binary,
                0xB2: self._read_record,
                0xDC: self._update_record,
                0xA2: self._search,
                0x20: self._verify,
                0x24: self._change_pin,
                0x26: self._disable_pin,
                0x28: self._enable_pin,
                0x2C: self._unblock_pin,
                0x04: self._invalidate,
                0x44: self._rehabilitate,
                0x88: self._authenticate,
            }[ins]
            return handler(command)

    # status words that differ between the two command sets
    def _not_found(self) -> bytes:
        return _sw(0x9404 if self._gsm else 0x6A82)

    def _denied(self) -> bytes:
        return _sw(0x9804 if self._gsm else 0x6982)

    def _no_current_ef(self) -> bytes:
        return _sw(0x9400 if self._gsm else 0x6986)

    def _wrong_structure(self) -> bytes:
        return _sw(0x9408 if self._gsm else 0x6981)

    def _record_not_found(self) -> bytes:
        return _sw(0x9402 if self._gsm else 0x6A83)

    def _invalidated(self) -> bytes:
        return _sw(0x9810 if self._gsm else 0x6985)

    def _response_ready(self, data: bytes) -> bytes:
        self._pending = data
        return bytes([0x9F if self._gsm else 0x61, len(data) & 0xFF])

    def _with_le(self, data: bytes, le: int | None) -> bytes:
        """A case-2 answer: ISO 7816-4 gives 6Cxx when Le is not the length (00: any)."""
        if self._gsm:
            if le is None or le == 0 or le > len(data):
                return _sw(0x6700)
            return data[:le] + _sw(_OK)
        if le is None or le == 0 or le == len(data):
            return data + _sw(_OK)
        return bytes([0x6C, len(data) & 0xFF])

    def _allowed(self, condition: Access) -> bool:
        if condition == Access.ALWAYS:
            return True
        if condition == Access.PIN1:
            return not self.pin1_enabled or self._pin1.verified or self._adm.verified
        if condition == Access.ADM:
            return self._adm.verified
        return False

    # -- selection -------------------------------------------------------------------------

    def _child(self, df: DedicatedFile, fid: int) -> ElementaryFile | DedicatedFile | None:
        if fid == fids.ADF_USIM:
            return self._current_app
        return df.children.get(fid)

    def _selectable(self, fid: int) -> ElementaryFile | DedicatedFile | None:
        # TS 102 221 8.5 / TS 51.011 8.1: the MF, the current DF, its children, its parent,
        # the DFs that are children of its parent, and (UICC) the current application.
        current = self._current_df
        if fid == fids.MF:
            return self.mf
        if fid == current.fid:
            return current
        if fid == fids.ADF_USIM:
            return None if self._gsm else self._current_app
        if fid in current.children:
            return current.children[fid]
        parent = current.parent
        if parent is not None:
            if fid == parent.fid:
                return parent
            sibling = parent.children.get(fid)
            if isinstance(sibling, DedicatedFile):
                return sibling
        return None

    def _select(self, command: Command) -> bytes:
        if self._gsm:
            return self._select_gsm(command)
        p1, p2, data = command.p1, command.p2, command.data
        if p1 not in (0x00, 0x03, 0x04, 0x08, 0x09) or p2 not in (0x04, 0x0C):
            return _sw(0x6A86)
        target: ElementaryFile | DedicatedFile | None
        df = self._current_df
        if p1 == 0x03:
            target = df.parent or df
        elif p1 == 0x00:
            if len(data) != 2:
                return _sw(0x6700)
            target = self._selectable(int.from_bytes(data, "big"))
        elif p1 == 0x04:
            if not 5 <= len(data) <= 16:
                return _sw(0x6700)
            assert self.usim.aid is not None
            target = self.usim if self.usim.aid.startswith(data) else None
        else:
            if not data or len(data) % 2:
                return _sw(0x6700)
            start = self.mf if p1 == 0x08 else df
            walk = [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]
            target, df = start, start
            for fid in walk:
                if not isinstance(target, DedicatedFile):
                    target = None
                    break
                df = target
                target = self._child(target, fid)
                if target is None:
                    break
        if target is None:
            return self._not_found()
        if isinstance(target, DedicatedFile):
            self._current_df, self._current_ef = target, None
            if target is self.usim:
                self._current_app = target
            fcp = target.fcp(self.pin1_enabled)
        else:
            if p1 == 0x00:
                df = self._current_df
            self._current_df, self._current_ef = df, target
            fcp = target.fcp()
        if p2 == 0x0C:
            return _sw(_OK)
        return self._response_ready(fcp)

    def _select_gsm(self, command: Command) -> bytes:
        if command.p1 or command.p2:
            return _sw(0x6B00)
        if len(command.data) != 2:
            return _sw(0x6700)
        target = self._selectable(int.from_bytes(command.data, "big"))
        if target is None:
            return self._not_found()
        if isinstance(target, DedicatedFile):
            self._current_df, self._current_ef = target, None
            return self._response_ready(self._gsm_df_response(target))
        self._current_ef = target
        return self._response_ready(target.gsm_response())

    def _gsm_df_response(self, df: DedicatedFile) -> bytes:
        chv1 = 0x80 | self._pin1.tries_left
        unblock = 0x80 | self._puk1.tries_left
        return df.gsm_response(chv1, unblock, self.pin1_enabled)

    def _status(self, command: Command) -> bytes:
        df = self._current_df
        if self._gsm:
            if command.p1 or command.p2:
                return _sw(0x6B00)
            return self._with_le(self._gsm_df_response(df), command.le)
        if command.p1 not in (0x00, 0x01, 0x02) or command.p2 not in (0x00, 0x01, 0x0C):
            return _sw(0x6B00)
        if command.p2 == 0x0C:
            return _sw(_OK)
        if command.p2 == 0x01:
            app = self._current_app
            if app is None or app.aid is None:
                return _sw(0x6A88)
            return self._with_le(tlv(0x84, app.aid), command.le)
        return self._with_le(df.fcp(self.pin1_enabled), command.le)

    def _get_response(self, command: Command, pending: bytes) -> bytes:
        if command.p1 or command.p2:
            return _sw(0x6B00)
        if not pending:
            return _sw(0x6F00 if self._gsm else 0x6985)
        length = command.le or 0
        if self._gsm:
            if length == 0 or length > len(pending):
                return _sw(0x6700)
            return pending[:length] + _sw(_OK)
        if length == 0 or length == len(pending):
            return pending + _sw(_OK)
        if length > len(pending):
            self._pending = pending
            return bytes([0x6C, len(pending)])
        self._pending = pending[length:]
        return pending[:length] + bytes([0x61, len(self._pending)])

    # -- transparent files ------------------------------------------------------------------

    def _binary_target(self, command: Command) -> tuple[ElementaryFile, int] | bytes:
        if not self._gsm and command.p1 & 0x80:
            if command.p1 & 0x60:
                return _sw(0x6B00)
            ef = self._current_df.by_sfi(command.p1 & 0x1F)
            if ef is None:
                return self._not_found()
            self._current_ef = ef
            offset = command.p2
        else:
            found = self._current_ef
            if found is None:
                return self._no_current_ef()
            ef = found
            offset = (command.p1 << 8) | command.p2
        if ef.is_record_file:
            return self._wrong_structure()
        if ef.invalidated:
            return self._invalidated()
        if offset >= len(ef.content):
            return _sw(0x6B00)
        return ef, offset

    def _read_binary(self, command: Command) -> bytes:
        found = self._binary_target(command)
        if isinstance(found, bytes):
            return found
        ef, offset = found
        if not self._allowed(ef.read):
            return self._denied()
        remaining = len(ef.content) - offset
        le = command.le or 0
        if self._gsm:
            if le == 0 or le > remaining:
                return _sw(0x6700)
            return bytes(ef.content[offset : offset + le]) + _sw(_OK)
        if le == 0:
            return bytes(ef.content[offset : offset + min(remaining, 256)]) + _sw(_OK)
        if le > remaining:
            return bytes(ef.content[offset:]) + _sw(0x6282)
        return bytes(ef.content[offset : offset + le]) + _sw(_OK)

    def _update_binary(self, command: Command) -> bytes:
        if not command.data or command.le is not None:
            return _sw(0x6700)
        found = self._binary_target(command)
        if isinstance(found, bytes):
            return found
        ef, offset = found
        if not self._allowed(ef.update):
            return self._denied()
        if offset + len(command.data) > len(ef.content):
            return _sw(0x6700)
        ef.content[offset : offset + len(command.data)] = command.data
        self.update_count += 1
        return _sw(_OK)

    # -- record files -----------------------------------------------------------------------

    def _record_target(self, command: Command) -> tuple[ElementaryFile, int] | bytes:
        mode = command.p2 & 0x07 if not self._gsm else command.p2
        sfi = 0 if self._gsm else command.p2 >> 3
        if mode not in (_MODE_NEXT, _MODE_PREVIOUS, _MODE_ABSOLUTE) or sfi == 0x1F:
            return _sw(0x6B00)
        if sfi:
            by_sfi = self._current_df.by_sfi(sfi)
            if by_sfi is None:
                return self._not_found()
            self._current_ef = by_sfi
        ef = self._current_ef
        if ef is None:
            return self._no_current_ef()
        if not ef.is_record_file:
            return self._wrong_structure()
        if ef.invalidated:
            return self._invalidated()
        pointer = self._record_pointer.get(id(ef), 0)
        if mode == _MODE_ABSOLUTE:
            number = command.p1 or pointer
        elif command.p1:
            return _sw(0x6B00)
        elif mode == _MODE_NEXT:
            number = pointer + 1 if pointer else 1
            if number > ef.records and ef.structure is Structure.CYCLIC:
                number = 1
        else:
            number = pointer - 1 if pointer else ef.records
            if number < 1 and ef.structure is Structure.CYCLIC:
                number = ef.records
        if not 1 <= number <= ef.records:
            return self._record_not_found()
        if mode != _MODE_ABSOLUTE or command.p1 == 0:
            self._record_pointer[id(ef)] = number
        return ef, number

    def _read_record(self, command: Command) -> bytes:
        found = self._record_target(command)
        if isinstance(found, bytes):
            return found
        ef, number = found
        if not self._allowed(ef.read):
            return self._denied()
        start = (number - 1) * ef.record_length
        record = bytes(ef.content[start : start + ef.record_length])
        return (
            self._with_le(record, command.le) if self._gsm else self._record_le(record, command.le)
        )

    def _record_le(self, record: bytes, le: int | None) -> bytes:
        if le is None or le == 0 or le == len(record):
            return record + _sw(_OK)
        return bytes([0x6C, len(record)])

    def _update_record(self, command: Command) -> bytes:
        if command.le is not None:
            return _sw(0x6700)
        found = self._record_target(command)
        if isinstance(found, bytes):
            return found
        ef, number = found
        if not self._allowed(ef.update):
            return self._denied()
        if len(command.data) != ef.record_length:
            return _sw(0x6700)
        start = (number - 1) * ef.record_length
        ef.content[start : start + ef.record_length] = command.data
        self.update_count += 1
        return _sw(_OK)

    def _search(self, command: Command) -> bytes:
        """SEARCH RECORD (simple search, ISO 7816-4) or SEEK (TS 51.011 9.2.5)."""
        if not command.data:
            return _sw(0x6700)
        if self._gsm:
            if command.p1 or command.p2 & 0x0F > 3 or command.p2 & 0xF0 not in (0x00, 0x10):
                return _sw(0x6B00)
            ef = self._current_ef
        else:
            sfi, mode = command.p2 >> 3, command.p2 & 0x07
            if mode not in (0x04, 0x05) or sfi == 0x1F:
                return _sw(0x6B00)
            ef = self._current_df.by_sfi(sfi) if sfi else self._current_ef
            if sfi and ef is None:
                return self._not_found()
        if ef is None:
            return self._no_current_ef()
        if not ef.is_record_file:
            return self._wrong_structure()
        if not self._allowed(ef.read):
            return self._denied()
        self._current_ef = ef
        length = ef.record_length
        records = [bytes(ef.content[i * length : (i + 1) * length]) for i in range(ef.records)]
        if self._gsm:
            return self._seek(ef, records, command)
        start = command.p1 or 1
        if not 1 <= start <= ef.records:
            return self._record_not_found()
        order = range(start, ef.records + 1) if command.p2 & 0x07 == 0x04 else range(start, 0, -1)
        hits = bytes(n for n in order if command.data in records[n - 1])
        if not hits:
            return _sw(0x6282)
        self._record_pointer[id(ef)] = hits[0]
        return self._response_ready(hits)

    def _seek(self, ef: ElementaryFile, records: list[bytes], command: Command) -> bytes:
        mode, pointer = command.p2 & 0x0F, self._record_pointer.get(id(ef), 0)
        count = len(records)
        order = {
            0: range(1, count + 1),
            1: range(count, 0, -1),
            2: range(pointer + 1, count + 1),
            3: range((pointer or count + 1) - 1, 0, -1),
        }[mode]
        for number in order:
            if records[number - 1].startswith(command.data):
                self._record_pointer[id(ef)] = number
                if command.p2 & 0x10:
                    return self._response_ready(bytes([number]))
                return _sw(_OK)
        return _sw(0x9404)

    # -- PINs and the ADM key ----------------------------------------------------------------

    def _key(self, reference: int) -> _Key | None:
        if reference == fids.ADM_LEVEL:
            return self._adm
        if reference == fids.PIN1:
            return self._pin1
        return None

    def _tries_sw(self, key: _Key) -> bytes:
        if self._gsm:
            return _sw(0x9840 if key.blocked else 0x9804)
        return bytes([0x63, 0xC0 | key.tries_left])

    def _blocked_sw(self) -> bytes:
        return _sw(0x9840 if self._gsm else 0x6983)

    def _pin_command(self, command: Command, length: int) -> _Key | bytes:
        """Common checks of VERIFY/CHANGE/DISABLE/ENABLE: P1, the key, the data length."""
        if command.p1 != 0x00:
            return _sw(0x6B00)
        key = self._key(command.p2)
        if key is None:
            return _sw(0x6B00 if self._gsm else 0x6A88)
        if len(command.data) != length:
            return _sw(0x6700)
        return key

    def _verify(self, command: Command) -> bytes:
        if not command.data and (command.le in (None, 0)) and not self._gsm:
            # ISO 7816-4: VERIFY without data asks for the retry counter.
            if command.p1 != 0x00:
                return _sw(0x6B00)
            key = self._key(command.p2)
            if key is None:
                return _sw(0x6A88)
            if key.verified or (key is self._pin1 and not self.pin1_enabled):
                return _sw(_OK)
            return self._blocked_sw() if key.blocked else self._tries_sw(key)
        found = self._pin_command(command, PIN_LENGTH)
        if isinstance(found, bytes):
            return found
        key = found
        if key.blocked:
            return self._blocked_sw()
        if key.present(command.data):
            return _sw(_OK)
        return self._tries_sw(key)

    def _change_pin(self, command: Command) -> bytes:
        found = self._pin_command(command, 2 * PIN_LENGTH)
        if isinstance(found, bytes):
            return found
        if found is not self._pin1:
            return _sw(0x6B00 if self._gsm else 0x6A88)
        if not self.pin1_enabled:
            return _sw(0x9808 if self._gsm else 0x6984)
        if found.blocked:
            return self._blocked_sw()
        if not found.present(command.data[:PIN_LENGTH]):
            return self._tries_sw(found)
        found.value = command.data[PIN_LENGTH:]
        return _sw(_OK)

    def _switch_pin(self, command: Command, enable: bool) -> bytes:
        found = self._pin_command(command, PIN_LENGTH)
        if isinstance(found, bytes):
            return found
        if found is not self._pin1:
            return _sw(0x6B00 if self._gsm else 0x6A88)
        if self.pin1_enabled == enable:
            return _sw(0x9808 if self._gsm else 0x6985)
        if found.blocked:
            return self._blocked_sw()
        if not found.present(command.data):
            return self._tries_sw(found)
        self.pin1_enabled = enable
        return _sw(_OK)

    def _disable_pin(self, command: Command) -> bytes:
        return self._switch_pin(command, enable=False)

    def _enable_pin(self, command: Command) -> bytes:
        return self._switch_pin(command, enable=True)

    def _unblock_pin(self, command: Command) -> bytes:
        # TS 51.011 codes CHV1 as P2=00 here; TS 102 221 uses the PIN's key reference.
        reference = fids.PIN1 if self._gsm and command.p2 == 0x00 else command.p2
        if command.p1 != 0x00 or reference != fids.PIN1:
            return _sw(0x6B00 if self._gsm or command.p1 else 0x6A88)
        if not command.data and not self._gsm:
            return self._blocked_sw() if self._puk1.blocked else self._tries_sw(self._puk1)
        if len(command.data) != 2 * PIN_LENGTH:
            return _sw(0x6700)
        if self._puk1.blocked:
            return self._blocked_sw()
        if not self._puk1.present(command.data[:PIN_LENGTH]):
            return self._tries_sw(self._puk1)
        self._pin1.value = command.data[PIN_LENGTH:]
        self._pin1.tries_left = PIN_TRIES
        self._pin1.verified = True
        self.pin1_enabled = True
        return _sw(_OK)

    # -- file life cycle ---------------------------------------------------------------------

    def _set_invalidated(self, command: Command, invalidated: bool) -> bytes:
        if command.p1 or command.p2 or command.data:
            return _sw(0x6B00)
        ef = self._current_ef
        if ef is None:
            return self._no_current_ef()
        if not self._adm.verified:
            return self._denied()
        ef.invalidated = invalidated
        return _sw(_OK)

    def _invalidate(self, command: Command) -> bytes:
        return self._set_invalidated(command, True)

    def _rehabilitate(self, command: Command) -> bytes:
        return self._set_invalidated(command, False)

    # -- authentication ----------------------------------------------------------------------

    def _milenage(self) -> Milenage:
        ki = self.file_at((fids.MF, fids.ADF_USIM, fids.EF_KI)).content
        opc = self.file_at((fids.MF, fids.ADF_USIM, fids.EF_OPC)).content
        return Milenage(bytes(ki), bytes(opc))

    def _authenticate(self, command: Command) -> bytes:
        if self._gsm:  # RUN GSM ALGORITHM
            if command.p1 or command.p2:
                return _sw(0x6B00)
            if len(command.data) != 16:
                return _sw(0x6700)
            if not self._allowed(Access.PIN1):
                return self._denied()
            vector = self._milenage().f2345(command.data)
            return self._response_ready(c2_sres(vector.res) + c3_kc(vector.ck, vector.ik))
        if command.p1 != 0x00 or command.p2 not in (0x80, 0x81):
            return _sw(0x6B00)
        if self._current_app is None:
            return _sw(0x6985)
        if not self._allowed(Access.PIN1):
            return self._denied()
        data = command.data
        if command.p2 == 0x80:  # GSM context (TS 31.102 7.1.2.1)
            if len(data) != 17 or data[0] != 16:
                return _sw(0x6700)
            vector = self._milenage().f2345(data[1:])
            sres, kc = c2_sres(vector.res), c3_kc(vector.ck, vector.ik)
            return self._response_ready(bytes([len(sres)]) + sres + bytes([len(kc)]) + kc)
        if len(data) != 34 or data[0] != 16 or data[17] != 16:
            return _sw(0x6700)
        return self._authenticate_3g(data[1:17], data[18:34])

    def _authenticate_3g(self, rand: bytes, autn: bytes) -> bytes:
        """TS 33.102 6.3.3: check MAC-A, then the sequence number (Annex C, simplified)."""
        milenage = self._milenage()
        vector = milenage.f2345(rand)
        sqn = bytes(a ^ b for a, b in zip(autn[:6], vector.ak, strict=True))
        amf = autn[6:8]
        if milenage.f1(rand, sqn, amf) != autn[8:]:
            return _sw(0x9862)
        if int.from_bytes(sqn, "big") <= self.sqn_ms:
            sqn_ms = self.sqn_ms.to_bytes(6, "big")
            concealed = bytes(a ^ b for a, b in zip(sqn_ms, milenage.f5_star(rand), strict=True))
            auts = concealed + milenage.f1_star(rand, sqn_ms, b"\x00\x00")
            return self._response_ready(bytes([0xDC, len(auts)]) + auts)
        self.sqn_ms = int.from_bytes(sqn, "big")
        kc = c3_kc(vector.ck, vector.ik)
        answer = bytes([0xDB])
        for part in (vector.res, vector.ck, vector.ik, kc):
            answer += bytes([len(part)]) + part
        return self._response_ready(answer)
