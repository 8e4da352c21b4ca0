"""GSM 11.11 / TS 51.011 command APDUs and a channel that sends them to a card.

All commands use class byte A0 (TS 51.011 section 9). A SELECT answers 9Fxx (GSM) or
61xx (ISO 7816-4 T=0) when the file description is ready; GET RESPONSE fetches it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from branchdesk.devices.errors import AdmRejected, CardError
from branchdesk.devices.sim_files import ADM_LEVEL, MF, format_path

CLA_GSM = 0xA0
INS_SELECT = 0xA4
INS_GET_RESPONSE = 0xC0
INS_READ_BINARY = 0xB0
INS_UPDATE_BINARY = 0xD6
INS_READ_RECORD = 0xB2
INS_UPDATE_RECORD = 0xDC
INS_VERIFY = 0x20
RECORD_MODE_ABSOLUTE = 0x04
MAX_CHUNK = 0xFF

SW_OK = 0x9000
SW1_GSM_RESPONSE_READY = 0x9F
SW1_ISO_RESPONSE_READY = 0x61
SW1_PROACTIVE_PENDING = 0x91  # command done, the card has a proactive command (still OK)
SW1_ISO_TRIES_LEFT = 0x63
SW_GSM_SECURITY_FAILED = 0x9804  # wrong key, or access condition not fulfilled
SW_GSM_BLOCKED = 0x9840
SW_ISO_BLOCKED = 0x6983


def select(fid: int) -> bytes:
    return bytes([CLA_GSM, INS_SELECT, 0x00, 0x00, 0x02, fid >> 8, fid & 0xFF])


def get_response(length: int) -> bytes:
    return bytes([CLA_GSM, INS_GET_RESPONSE, 0x00, 0x00, length & 0xFF])


def read_binary(offset: int, length: int) -> bytes:
    return bytes([CLA_GSM, INS_READ_BINARY, offset >> 8, offset & 0xFF, length & 0xFF])


def update_binary(offset: int, data: bytes) -> bytes:
    header = [CLA_GSM, INS_UPDATE_BINARY, offset >> 8, offset & 0xFF, len(data)]
    return bytes(header) + data


def read_record(number: int, length: int) -> bytes:
    return bytes([CLA_GSM, INS_READ_RECORD, number, RECORD_MODE_ABSOLUTE, length & 0xFF])


def update_record(number: int, data: bytes) -> bytes:
    header = [CLA_GSM, INS_UPDATE_RECORD, number, RECORD_MODE_ABSOLUTE, len(data)]
    return bytes(header) + data


def verify_adm(key: str) -> bytes:
    return bytes([CLA_GSM, INS_VERIFY, 0x00, ADM_LEVEL, len(key)]) + key.encode("ascii")


def is_update(apdu: bytes) -> bool:
    return len(apdu) >= 2 and apdu[1] in (INS_UPDATE_BINARY, INS_UPDATE_RECORD)


def is_dedicated_file(fid: int) -> bool:
    """MF (3Fxx) and DFs (7Fxx, 5Fxx) as opposed to EFs (2Fxx, 6Fxx, 4Fxx)."""
    return fid >> 8 in (0x3F, 0x7F, 0x5F)


@dataclass(frozen=True)
class Response:
    data: bytes
    sw1: int
    sw2: int

    @classmethod
    def parse(cls, raw: bytes) -> Response:
        if len(raw) < 2:
            raise ValueError(f"response of {len(raw)} bytes has no status word")
        return cls(raw[:-2], raw[-2], raw[-1])

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2

    @property
    def ok(self) -> bool:
        return self.sw == SW_OK or self.sw1 == SW1_PROACTIVE_PENDING


class FileStructure(Enum):
    TRANSPARENT = 0x00
    LINEAR_FIXED = 0x01
    CYCLIC = 0x03
    DIRECTORY = 0xFF


@dataclass(frozen=True)
class FileInfo:
    """The part of a GSM SELECT response (TS 51.011 9.2.1) this package needs."""

    fid: int
    size: int
    structure: FileStructure
    record_length: int = 0

    @classmethod
    def parse(cls, data: bytes) -> FileInfo:
        if len(data) < 14:
            raise ValueError(f"SELECT response of {len(data)} bytes is too short")
        fid = int.from_bytes(data[4:6], "big")
        if data[6] != 0x04:  # type of file: 01 MF, 02 DF, 04 EF
            return cls(fid, 0, FileStructure.DIRECTORY)
        size = int.from_bytes(data[2:4], "big")
        structure = FileStructure(data[13])
        record_length = data[14] if len(data) > 14 else 0
        return cls(fid, size, structure, record_length)


class Transport(Protocol):
    """Sends one command APDU and returns the response including SW1 SW2.

    Implementations raise a ReaderError (CardRemoved, ServiceUnavailable...) when the
    command could not be exchanged at all.
    """

    def transmit(self, apdu: bytes) -> bytes: ...


ApduHook = Callable[[bytes], None]


class CardChannel:
    """File-level SIM operations over a Transport, counting every APDU sent.

    ``before_apdu`` runs before each APDU is sent (it may raise to stop the sequence);
    ``after_apdu`` runs once the card has answered.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self.apdu_count = 0
        self.before_apdu: ApduHook | None = None
        self.after_apdu: ApduHook | None = None
        # The DF the card has selected, so consecutive files in one DF skip re-selecting.
        self._current_df: tuple[int, ...] | None = None

    def exchange(self, apdu: bytes) -> Response:
        if self.before_apdu is not None:
            self.before_apdu(apdu)
        try:
            raw = self._transport.transmit(apdu)
        except Exception:
            self._current_df = None
            raise
        self.apdu_count += 1
        if self.after_apdu is not None:
            self.after_apdu(apdu)
        return Response.parse(raw)

    def forget_selection(self) -> None:
        self._current_df = None

    def select_path(self, path: tuple[int, ...], *, describe: bool = False) -> FileInfo | None:
        """SELECT each FID of ``path`` from the MF; with ``describe``, GET RESPONSE the last."""
        if path[0] != MF:
            raise ValueError("paths start at the MF")
        parent = path[:-1]
        steps = path[-1:] if parent and parent == self._current_df else path
        self._current_df = None
        response = Response(b"", 0x90, 0x00)
        for fid in steps:
            response = self.exchange(select(fid))
            if response.sw1 not in (SW1_GSM_RESPONSE_READY, SW1_ISO_RESPONSE_READY):
                _require_ok(response, f"SELECT {format_path(path)}")
        self._current_df = path if is_dedicated_file(path[-1]) else parent
        if not describe:
            return None
        if response.sw1 not in (SW1_GSM_RESPONSE_READY, SW1_ISO_RESPONSE_READY):
            raise CardError(response.sw1, response.sw2, f"SELECT {format_path(path)} gave no FCP")
        fcp = self.exchange(get_response(response.sw2))
        _require_ok(fcp, f"GET RESPONSE {format_path(path)}")
        return FileInfo.parse(fcp.data)

    def read_binary(self, length: int) -> bytes:
        data = b""
        while len(data) < length:
            chunk = min(MAX_CHUNK, length - len(data))
            response = self.exchange(read_binary(len(data), chunk))
            _require_ok(response, "READ BINARY")
            if len(response.data) != chunk:
                raise CardError(response.sw1, response.sw2, "READ BINARY returned a short answer")
            data += response.data
        return data

    def update_binary(self, data: bytes) -> None:
        for offset in range(0, len(data), MAX_CHUNK):
            response = self.exchange(update_binary(offset, data[offset : offset + MAX_CHUNK]))
            _require_ok(response, "UPDATE BINARY")

    def read_record(self, number: int, length: int) -> bytes:
        response = self.exchange(read_record(number, length))
        _require_ok(response, "READ RECORD")
        return response.data

    def update_record(self, number: int, data: bytes) -> None:
        _require_ok(self.exchange(update_record(number, data)), "UPDATE RECORD")

    def verify_adm(self, key: str) -> None:
        """Present the ADM key exactly once; a refusal is never retried (cards lock)."""
        response = self.exchange(verify_adm(key))
        if response.ok:
            return
        if response.sw1 == SW1_ISO_TRIES_LEFT and response.sw2 & 0xF0 == 0xC0:
            raise AdmRejected(response.sw2 & 0x0F)
        if response.sw in (SW_ISO_BLOCKED, SW_GSM_BLOCKED):
            raise AdmRejected(0, "ADM key blocked")
        if response.sw == SW_GSM_SECURITY_FAILED:
            raise AdmRejected(None)
        raise CardError(response.sw1, response.sw2, "VERIFY ADM")


def _require_ok(response: Response, what: str) -> None:
    if not response.ok:
        raise CardError(response.sw1, response.sw2, what)
