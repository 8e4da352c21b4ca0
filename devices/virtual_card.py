"""The behaviour of a blank SIM card, as an object that answers command APDUs.

Both the vpcd socket emulator (``vcard.VirtualSim``) and the in-memory test reader
(``memory.MemoryReader``) drive this one model, so they behave identically.

File system (TS 51.011 section 10 plus the key EFs documented in ``sim_files``)::

    MF 3F00
      EF.ICCID 2FE2   transparent 10 bytes  read ALWAYS, update NEVER
      DF.TELECOM 7F10
        EF.MSISDN 6F40  linear fixed, 1 record of 14 bytes, read ALWAYS, update ADM
      DF.GSM 7F20
        EF.IMSI 6F07  transparent 9 bytes   read ALWAYS, update ADM
        EF.SPN 6F46   transparent 17 bytes  read ALWAYS, update ADM
        EF.KI 6FF0    transparent 16 bytes  read NEVER,  update ADM
        EF.OPC 6FF1   transparent 16 bytes  read NEVER,  update ADM

Status words (ISO 7816-4 by default; ``gsm_errors=True`` gives the GSM 11.11 ones):
absent file 6A82 (9404), access refused 6982 (9804), wrong ADM 63Cx with x tries left
(9804), ADM blocked 6983 (9840). A successful SELECT answers 9Fxx (or 61xx with
``response_ready_sw1=0x61``) and GET RESPONSE returns the GSM file description.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from enum import IntEnum

from branchdesk.devices import apdu, encoding
from branchdesk.devices import sim_files as fids

DEFAULT_ADM = "88888888"
ADM_TRIES = 3
_SW_OK = b"\x90\x00"
_MSISDN_RECORDS = 1


class CardPulled(Exception):
    """Raised by ``process_apdu`` when a scheduled removal happens instead of an answer."""


class Access(IntEnum):
    """Access condition levels as coded in the SELECT response nibbles."""

    ALWAYS = 0x0
    ADM = fids.ADM_LEVEL
    NEVER = 0xF


@dataclass
class ElementaryFile:
    fid: int
    content: bytearray
    read: Access
    update: Access
    record_length: int = 0  # 0 for a transparent EF

    @property
    def is_record_file(self) -> bool:
        return self.record_length > 0

    def describe(self) -> bytes:
        size = len(self.content)
        kind = apdu.FileStructure
        structure = kind.LINEAR_FIXED if self.is_record_file else kind.TRANSPARENT
        return bytes(
            [
                0x00, 0x00, size >> 8, size & 0xFF, self.fid >> 8, self.fid & 0xFF,
                0x04, 0x00, (self.read << 4) | self.update, 0xFF, 0xFF,
                0x01, 0x02, structure.value, self.record_length,
            ]
        )  # fmt: skip


@dataclass
class DedicatedFile:
    fid: int
    parent: DedicatedFile | None = None
    children: dict[int, ElementaryFile | DedicatedFile] = field(default_factory=dict)

    def add(self, child: ElementaryFile | DedicatedFile) -> None:
        if isinstance(child, DedicatedFile):
            child.parent = self
        self.children[child.fid] = child

    def describe(self) -> bytes:
        dfs = sum(isinstance(c, DedicatedFile) for c in self.children.values())
        efs = len(self.children) - dfs
        kind = 0x01 if self.parent is None else 0x02
        return bytes(
            [
                0x00, 0x00, 0x10, 0x00, self.fid >> 8, self.fid & 0xFF, kind,
                0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, dfs, efs, 0x00, 0x00,
                0x00, 0x00, 0x00, 0x00,
            ]
        )  # fmt: skip


def _blank(size: int) -> bytearray:
    return bytearray(b"\xff" * size)


class VirtualCard:
    """State and APDU behaviour of one SIM card. Thread-safe."""

    def __init__(
        self,
        iccid: str,
        *,
        adm: str = DEFAULT_ADM,
        gsm_errors: bool = False,
        response_ready_sw1: int = apdu.SW1_GSM_RESPONSE_READY,
    ) -> None:
        self.adm = adm
        self.gsm_errors = gsm_errors
        self.response_ready_sw1 = response_ready_sw1
        self.adm_tries_left = ADM_TRIES
        self.adm_verified = False
        self.update_count = 0
        self.commands: list[bytes] = []  # every command APDU received, for tests
        self._lock = threading.RLock()
        self._pull_at: int | None = None
        self._pending: bytes = b""
        self.mf = self._build_file_system(iccid)
        self._current_df = self.mf
        self._current_ef: ElementaryFile | None = None

    # -- construction -------------------------------------------------------------------

    @classmethod
    def blank(cls, iccid: str, *, adm: str = DEFAULT_ADM, gsm_errors: bool = False) -> VirtualCard:
        """A blank card (白卡): ICCID set, IMSI and keys erased."""
        return cls(iccid, adm=adm, gsm_errors=gsm_errors)

    @classmethod
    def written(
        cls, iccid: str, imsi: str, *, adm: str = DEFAULT_ADM, gsm_errors: bool = False
    ) -> VirtualCard:
        """A card that already carries a subscription, so it must be refused for writing."""
        card = cls(iccid, adm=adm, gsm_errors=gsm_errors)
        card.poke(fids.PATH_IMSI, encoding.encode_imsi(imsi))
        card.poke(fids.PATH_KI, bytes(range(16)))
        card.poke(fids.PATH_OPC, bytes(range(16, 32)))
        return card

    @staticmethod
    def _build_file_system(iccid: str) -> DedicatedFile:
        always, adm, never = Access.ALWAYS, Access.ADM, Access.NEVER
        mf = DedicatedFile(fids.MF)
        iccid_content = bytearray(encoding.encode_iccid(iccid))
        mf.add(ElementaryFile(fids.EF_ICCID, iccid_content, always, never))
        telecom = DedicatedFile(fids.DF_TELECOM)
        record = encoding.MSISDN_RECORD_TAIL
        telecom.add(
            ElementaryFile(fids.EF_MSISDN, _blank(record * _MSISDN_RECORDS), always, adm, record)
        )
        gsm = DedicatedFile(fids.DF_GSM)
        gsm.add(ElementaryFile(fids.EF_IMSI, _blank(encoding.IMSI_FILE_SIZE), always, adm))
        gsm.add(ElementaryFile(fids.EF_SPN, _blank(encoding.SPN_FILE_SIZE), always, adm))
        gsm.add(ElementaryFile(fids.EF_KI, _blank(encoding.KEY_SIZE), never, adm))
        gsm.add(ElementaryFile(fids.EF_OPC, _blank(encoding.KEY_SIZE), never, adm))
        mf.add(telecom)
        mf.add(gsm)
        return mf

    # -- inspection (bypasses access conditions; for tests and the trainer CLI) ----------

    def peek(self, path: tuple[int, ...]) -> bytes:
        with self._lock:
            return bytes(self._file_at(path).content)

    def poke(self, path: tuple[int, ...], data: bytes) -> None:
        with self._lock:
            ef = self._file_at(path)
            ef.content[: len(data)] = data

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
    def adm_blocked(self) -> bool:
        return self.adm_tries_left == 0

    def count_commands(self, ins: int) -> int:
        with self._lock:
            return sum(1 for command in self.commands if len(command) > 1 and command[1] == ins)

    def schedule_pull(self, after_updates: int) -> None:
        """Simulate the card being pulled out: after ``after_updates`` more successful
        UPDATEs, the next command is not executed and ``process_apdu`` raises CardPulled."""
        with self._lock:
            self._pull_at = self.update_count + after_updates

    def _file_at(self, path: tuple[int, ...]) -> ElementaryFile:
        node: ElementaryFile | DedicatedFile = self.mf
        for fid in path[1:]:
            assert isinstance(node, DedicatedFile)
            node = node.children[fid]
        assert isinstance(node, ElementaryFile)
        return node

    # -- power ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Power cycle or warm reset: security status and selection are lost."""
        with self._lock:
            self.adm_verified = False
            self._current_df = self.mf
            self._current_ef = None
            self._pending = b""

    # -- APDU processing -----------------------------------------------------------------

    def process_apdu(self, command: bytes) -> bytes:
        """Execute one command APDU and return the response data followed by SW1 SW2."""
        with self._lock:
            if self._pull_at is not None and self.update_count >= self._pull_at:
                self._pull_at = None
                self.reset()
                raise CardPulled
            self.commands.append(bytes(command))
            if len(command) < 5:
                return b"\x67\x00"
            if command[0] != apdu.CLA_GSM:
                return b"\x6e\x00"
            pending, self._pending = self._pending, b""
            handlers = {
                apdu.INS_SELECT: self._select,
                apdu.INS_READ_BINARY: self._read_binary,
                apdu.INS_UPDATE_BINARY: self._update_binary,
                apdu.INS_READ_RECORD: self._read_record,
                apdu.INS_UPDATE_RECORD: self._update_record,
                apdu.INS_VERIFY: self._verify,
            }
            if command[1] == apdu.INS_GET_RESPONSE:
                return self._get_response(command, pending)
            handler = handlers.get(command[1])
            if handler is None:
                return b"\x6d\x00"
            return handler(command)

    def _sw_not_found(self) -> bytes:
        return b"\x94\x04" if self.gsm_errors else b"\x6a\x82"

    def _sw_access_denied(self) -> bytes:
        return b"\x98\x04" if self.gsm_errors else b"\x69\x82"

    def _select(self, command: bytes) -> bytes:
        if command[4] != 2 or len(command) != 7:
            return b"\x67\x00"
        fid = int.from_bytes(command[5:7], "big")
        target = self._selectable(fid)
        if target is None:
            return self._sw_not_found()
        if isinstance(target, DedicatedFile):
            self._current_df, self._current_ef = target, None
        else:
            self._current_ef = target
        self._pending = target.describe()
        return bytes([self.response_ready_sw1, len(self._pending)])

    def _selectable(self, fid: int) -> ElementaryFile | DedicatedFile | None:
        # TS 51.011 8.1: the MF, the current DF, its children, its parent, and the DFs
        # that are children of its parent.
        current = self._current_df
        if fid == fids.MF:
            return self.mf
        if fid == current.fid:
            return current
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

    def _get_response(self, command: bytes, pending: bytes) -> bytes:
        if not pending:
            return b"\x69\x85"
        length = command[4] or len(pending)
        if length > len(pending):
            return b"\x67\x00"
        return pending[:length] + _SW_OK

    def _transparent_ef(self) -> ElementaryFile | bytes:
        ef = self._current_ef
        if ef is None:
            return b"\x69\x86"
        if ef.is_record_file:
            return b"\x94\x08" if self.gsm_errors else b"\x69\x81"
        return ef

    def _allowed(self, condition: Access) -> bool:
        if condition == Access.ALWAYS:
            return True
        return condition == Access.ADM and self.adm_verified

    def _read_binary(self, command: bytes) -> bytes:
        ef = self._transparent_ef()
        if isinstance(ef, bytes):
            return ef
        if not self._allowed(ef.read):
            return self._sw_access_denied()
        offset = int.from_bytes(command[2:4], "big")
        length = command[4] or 256
        if offset + length > len(ef.content):
            return b"\x67\x00"
        return bytes(ef.content[offset : offset + length]) + _SW_OK

    def _update_binary(self, command: bytes) -> bytes:
        ef = self._transparent_ef()
        if isinstance(ef, bytes):
            return ef
        if not self._allowed(ef.update):
            return self._sw_access_denied()
        offset = int.from_bytes(command[2:4], "big")
        data = command[5 : 5 + command[4]]
        if len(data) != command[4] or offset + len(data) > len(ef.content):
            return b"\x67\x00"
        ef.content[offset : offset + len(data)] = data
        self.update_count += 1
        return _SW_OK

    def _record_slice(self, command: bytes) -> tuple[ElementaryFile, slice] | bytes:
        ef = self._current_ef
        if ef is None:
            return b"\x69\x86"
        if not ef.is_record_file:
            return b"\x94\x08" if self.gsm_errors else b"\x69\x81"
        number, mode = command[2], command[3]
        records = len(ef.content) // ef.record_length
        if mode != apdu.RECORD_MODE_ABSOLUTE or not 1 <= number <= records:
            return b"\x94\x02" if self.gsm_errors else b"\x6a\x83"
        start = (number - 1) * ef.record_length
        return ef, slice(start, start + ef.record_length)

    def _read_record(self, command: bytes) -> bytes:
        found = self._record_slice(command)
        if isinstance(found, bytes):
            return found
        ef, where = found
        if not self._allowed(ef.read):
            return self._sw_access_denied()
        if command[4] != ef.record_length:
            return b"\x67\x00"
        return bytes(ef.content[where]) + _SW_OK

    def _update_record(self, command: bytes) -> bytes:
        found = self._record_slice(command)
        if isinstance(found, bytes):
            return found
        ef, where = found
        if not self._allowed(ef.update):
            return self._sw_access_denied()
        data = command[5 : 5 + command[4]]
        if command[4] != ef.record_length or len(data) != command[4]:
            return b"\x67\x00"
        ef.content[where] = data
        self.update_count += 1
        return _SW_OK

    def _verify(self, command: bytes) -> bytes:
        if command[3] != fids.ADM_LEVEL:
            return b"\x6a\x88"  # referenced key not found: only ADM exists on this card
        if self.adm_tries_left == 0:
            return b"\x98\x40" if self.gsm_errors else b"\x69\x83"
        key = command[5 : 5 + command[4]]
        if not key:  # ISO 7816-4: VERIFY without data asks for the retry counter
            return _SW_OK if self.adm_verified else self._tries_left_sw()
        if len(key) != command[4]:
            return b"\x67\x00"
        if key == self.adm.encode("ascii"):
            self.adm_tries_left = ADM_TRIES
            self.adm_verified = True
            return _SW_OK
        self.adm_verified = False
        self.adm_tries_left -= 1
        if self.gsm_errors:
            return b"\x98\x40" if self.adm_tries_left == 0 else b"\x98\x04"
        return self._tries_left_sw()

    def _tries_left_sw(self) -> bytes:
        return bytes([0x63, 0xC0 | self.adm_tries_left])
