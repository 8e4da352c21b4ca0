"""Command APDUs for UICC/USIM cards and a channel that sends them to a card.

The writer speaks the UICC command set (class byte 00/80, ETSI TS 102 221 sections 10-11,
3GPP TS 31.102 section 7). The GSM class A0 builders (TS 51.011 section 9) remain for the
2G tests. A case-4 command answered 61xx (T=0) is completed with GET RESPONSE; 6Cxx (wrong
Le) is repeated with the Le the card asked for.

Every APDU is traced (logger ``branchdesk.devices.apdu`` at DEBUG, and ``CardChannel.trace``)
with the secrets masked: VERIFY/PIN data, UPDATEs of the key files and the keys in
AUTHENTICATE answers never appear in a trace.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from branchdesk.devices.errors import AdmRejected, CardError
from branchdesk.devices.sim_files import ADM_LEVEL, MF, format_path

log = logging.getLogger(__name__)

CLA_GSM = 0xA0
CLA_UICC = 0x00
CLA_UICC_PROPRIETARY = 0x80
INS_SELECT = 0xA4
INS_STATUS = 0xF2
INS_GET_RESPONSE = 0xC0
INS_READ_BINARY = 0xB0
INS_UPDATE_BINARY = 0xD6
INS_READ_RECORD = 0xB2
INS_UPDATE_RECORD = 0xDC
INS_SEARCH_RECORD = 0xA2
INS_VERIFY = 0x20
INS_CHANGE_PIN = 0x24
INS_DISABLE_PIN = 0x26
INS_ENABLE_PIN = 0x28
INS_UNBLOCK_PIN = 0x2C
INS_AUTHENTICATE = 0x88
RECORD_MODE_ABSOLUTE = 0x04
MAX_CHUNK = 0xFF
SELECT_FCP = 0x04
SELECT_NO_DATA = 0x0C
AUTH_3G = 0x81

SW_OK = 0x9000
SW1_GSM_RESPONSE_READY = 0x9F
SW1_ISO_RESPONSE_READY = 0x61
SW1_WRONG_LE = 0x6C
SW1_PROACTIVE_PENDING = 0x91  # command done, the card has a proactive command (still OK)
SW1_ISO_TRIES_LEFT = 0x63
SW_GSM_SECURITY_FAILED = 0x9804  # wrong key, or access condition not fulfilled
SW_GSM_BLOCKED = 0x9840
SW_ISO_BLOCKED = 0x6983
SW_AUTH_MAC_FAILURE = 0x9862
_SECRET_INS = frozenset(
    {INS_VERIFY, INS_CHANGE_PIN, INS_DISABLE_PIN, INS_ENABLE_PIN, INS_UNBLOCK_PIN}
)


# -- GSM (class A0) ------------------------------------------------------------------------
def select(fid: int) -> bytes:
    return bytes([CLA_GSM, INS_SELECT, 0x00, 0x00, 0x02, fid >> 8, fid & 0xFF])


def get_response(length: int, cla: int = CLA_GSM) -> bytes:
    return bytes([cla, INS_GET_RESPONSE, 0x00, 0x00, length & 0xFF])


def read_binary(offset: int, length: int, cla: int = CLA_GSM) -> bytes:
    return bytes([cla, INS_READ_BINARY, offset >> 8, offset & 0xFF, length & 0xFF])


def update_binary(offset: int, data: bytes, cla: int = CLA_GSM) -> bytes:
    return bytes([cla, INS_UPDATE_BINARY, offset >> 8, offset & 0xFF, len(data)]) + data


def read_record(number: int, length: int, cla: int = CLA_GSM) -> bytes:
    return bytes([cla, INS_READ_RECORD, number, RECORD_MODE_ABSOLUTE, length & 0xFF])


def update_record(number: int, data: bytes, cla: int = CLA_GSM) -> bytes:
    return bytes([cla, INS_UPDATE_RECORD, number, RECORD_MODE_ABSOLUTE, len(data)]) + data


def verify_adm(key: bytes | str, cla: int = CLA_GSM) -> bytes:
    data = key.encode("ascii") if isinstance(key, str) else key
    return bytes([cla, INS_VERIFY, 0x00, ADM_LEVEL, len(data)]) + data


# -- UICC (class 00/80) --------------------------------------------------------------------
def select_path(path: tuple[int, ...], *, fcp: bool = False) -> bytes:
    """SELECT by path from the MF (P1=08); ``path`` starts with 3F00, which is left out."""
    if not path or path[0] != MF:
        raise ValueError("paths start at the MF")
    body = b"".join(fid.to_bytes(2, "big") for fid in path[1:])
    if not body:
        return bytes([CLA_UICC, INS_SELECT, 0x00, _p2(fcp), 0x02, 0x3F, 0x00])
    return bytes([CLA_UICC, INS_SELECT, 0x08, _p2(fcp), len(body)]) + body


def select_child(fid: int, *, fcp: bool = False) -> bytes:
    return bytes([CLA_UICC, INS_SELECT, 0x00, _p2(fcp), 0x02]) + fid.to_bytes(2, "big")


def select_aid(aid: bytes, *, fcp: bool = False) -> bytes:
    return bytes([CLA_UICC, INS_SELECT, 0x04, _p2(fcp), len(aid)]) + aid


def _p2(fcp: bool) -> int:
    return SELECT_FCP if fcp else SELECT_NO_DATA


def read_binary_sfi(sfi: int, length: int, offset: int = 0) -> bytes:
    return bytes([CLA_UICC, INS_READ_BINARY, 0x80 | sfi, offset, length & 0xFF])


def update_binary_sfi(sfi: int, data: bytes, offset: int = 0) -> bytes:
    return bytes([CLA_UICC, INS_UPDATE_BINARY, 0x80 | sfi, offset, len(data)]) + data


def verify_status(reference: int) -> bytes:
    """VERIFY without data: asks for the key's retry counter (ISO 7816-4 11.5.6)."""
    return bytes([CLA_UICC, INS_VERIFY, 0x00, reference])


def status(p2: int = 0x00, length: int = 0) -> bytes:
    return bytes([CLA_UICC_PROPRIETARY, INS_STATUS, 0x00, p2, length])


def authenticate_3g(rand: bytes, autn: bytes) -> bytes:
    data = bytes([len(rand)]) + rand + bytes([len(autn)]) + autn
    return bytes([CLA_UICC, INS_AUTHENTICATE, 0x00, AUTH_3G, len(data)]) + data + b"\x00"


def is_update(apdu: bytes) -> bool:
    return len(apdu) >= 2 and apdu[1] in (INS_UPDATE_BINARY, INS_UPDATE_RECORD)


def is_dedicated_file(fid: int) -> bool:
    """MF (3Fxx) and DFs (7Fxx, 5Fxx) as opposed to EFs (2Fxx, 6Fxx, 4Fxx)."""
    return fid >> 8 in (0x3F, 0x7F, 0x5F)


def redact(apdu: bytes, *, secret_data: bool = False) -> str:
    """The APDU as hex for a trace, its data masked when it may carry a secret."""
    if len(apdu) <= 5 or not (secret_data or apdu[1] in _SECRET_INS):
        return apdu.hex().upper()
    return apdu[:5].hex().upper() + " " + "**" * (len(apdu) - 5)


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
    """What this package needs of a GSM SELECT response (TS 51.011 9.2.1) or a UICC FCP."""

    fid: int
    size: int
    structure: FileStructure
    record_length: int = 0

    @classmethod
    def parse(cls, data: bytes) -> FileInfo:
        if data[:1] == b"\x62":
            return cls.parse_fcp(data)
        if len(data) < 14:
            raise ValueError(f"SELECT response of {len(data)} bytes is too short")
        fid = int.from_bytes(data[4:6], "big")
        if data[6] != 0x04:  # type of file: 01 MF, 02 DF, 04 EF
            return cls(fid, 0, FileStructure.DIRECTORY)
        size = int.from_bytes(data[2:4], "big")
        structure = FileStructure(data[13])
        record_length = data[14] if len(data) > 14 else 0
        return cls(fid, size, structure, record_length)

    @classmethod
    def parse_fcp(cls, data: bytes) -> FileInfo:
        """TS 102 221 11.1.1.3: tags 82 (descriptor), 83 (FID) and 80 (size) of the FCP."""
        if len(data) < 2 or data[0] != 0x62 or data[1] + 2 > len(data):
            raise ValueError("not an FCP template")
        objects = parse_tlvs(data[2 : 2 + data[1]])
        descriptor = objects.get(0x82, b"")
        fid = int.from_bytes(objects.get(0x83, b"\x00\x00"), "big")
        if not descriptor:
            raise ValueError("FCP without a file descriptor")
        kind = descriptor[0] & 0x3F
        if kind == 0x38:
            return cls(fid, 0, FileStructure.DIRECTORY)
        size = int.from_bytes(objects.get(0x80, b"\x00\x00"), "big")
        structures = {0x01: FileStructure.TRANSPARENT, 0x02: FileStructure.LINEAR_FIXED}
        structure = structures.get(kind & 0x07, FileStructure.CYCLIC)
        record_length = int.from_bytes(descriptor[2:4], "big") if len(descriptor) >= 5 else 0
        return cls(fid, size, structure, record_length)


def parse_tlvs(data: bytes) -> dict[int, bytes]:
    """One level of BER-TLV with one-byte tags and lengths below 128; FF padding ends it."""
    objects: dict[int, bytes] = {}
    index = 0
    while index + 2 <= len(data) and data[index] not in (0x00, 0xFF):
        tag, length = data[index], data[index + 1]
        objects[tag] = data[index + 2 : index + 2 + length]
        index += 2 + length
    return objects


class Transport(Protocol):
    """Sends one command APDU and returns the response including SW1 SW2.

    Implementations raise a ReaderError (CardRemoved, ServiceUnavailable...) when the
    command could not be exchanged at all.
    """

    def transmit(self, apdu: bytes) -> bytes: ...


ApduHook = Callable[[bytes], None]
TRACE_LINES = 200


class CardChannel:
    """Card operations over a Transport, counting every APDU sent.

    ``before_apdu`` runs before each APDU is sent (it may raise to stop the sequence);
    ``after_apdu`` runs once the card has answered.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self.apdu_count = 0
        self.before_apdu: ApduHook | None = None
        self.after_apdu: ApduHook | None = None
        self.trace: deque[str] = deque(maxlen=TRACE_LINES)
        # The DF the card has selected (GSM), so files in one DF skip re-selecting.
        self._current_df: tuple[int, ...] | None = None

    def exchange(self, apdu: bytes, *, secret: bool = False) -> Response:
        """Send one APDU. ``secret``: its data and its answer are masked in the trace."""
        if self.before_apdu is not None:
            self.before_apdu(apdu)
        try:
            raw = self._transport.transmit(apdu)
        except Exception:
            self._current_df = None
            raise
        self.apdu_count += 1
        response = Response.parse(raw)
        answer = "** " if secret and response.data else response.data.hex().upper() + " "
        line = f"{redact(apdu, secret_data=secret)} -> {answer.lstrip()}{response.sw:04X}"
        self.trace.append(line)
        log.debug("APDU %s", line)
        if self.after_apdu is not None:
            self.after_apdu(apdu)
        return response

    def transceive(self, apdu: bytes, *, secret: bool = False) -> Response:
        """``exchange`` plus the T=0 completion: GET RESPONSE after 61xx, resend after 6Cxx."""
        response = self.exchange(apdu, secret=secret)
        if response.sw1 == SW1_WRONG_LE and len(apdu) == 5:
            response = self.exchange(apdu[:4] + bytes([response.sw2]), secret=secret)
        if response.sw1 in (SW1_ISO_RESPONSE_READY, SW1_GSM_RESPONSE_READY):
            cla = CLA_GSM if apdu[0] == CLA_GSM else CLA_UICC
            response = self.exchange(get_response(response.sw2, cla), secret=secret)
        return response

    def forget_selection(self) -> None:
        self._current_df = None

    # -- UICC operations -------------------------------------------------------------------

    def require(self, apdu: bytes, what: str, *, secret: bool = False) -> Response:
        response = self.transceive(apdu, secret=secret)
        _require_ok(response, what)
        return response

    def read_key_tries(self, reference: int) -> int | None:
        """The retry counter of a PIN or ADM key (None when verified or the card won't say)."""
        response = self.exchange(verify_status(reference))
        if response.sw1 == SW1_ISO_TRIES_LEFT and response.sw2 & 0xF0 == 0xC0:
            return response.sw2 & 0x0F
        if response.sw in (SW_ISO_BLOCKED, SW_GSM_BLOCKED):
            return 0
        return None

    def verify_key(self, reference: int, key: bytes) -> None:
        """Present a key exactly once; a refusal is never retried (cards lock)."""
        apdu = bytes([CLA_UICC, INS_VERIFY, 0x00, reference, len(key)]) + key
        self._check_verify(self.exchange(apdu, secret=True))

    # -- GSM operations (class A0) ---------------------------------------------------------

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

    def read_binary(self, length: int, cla: int = CLA_GSM) -> bytes:
        data = b""
        while len(data) < length:
            chunk = min(MAX_CHUNK, length - len(data))
            response = self.exchange(read_binary(len(data), chunk, cla))
            _require_ok(response, "READ BINARY")
            if len(response.data) != chunk:
                raise CardError(response.sw1, response.sw2, "READ BINARY returned a short answer")
            data += response.data
        return data

    def update_binary(self, data: bytes, cla: int = CLA_GSM, *, secret: bool = False) -> None:
        for offset in range(0, len(data), MAX_CHUNK):
            apdu = update_binary(offset, data[offset : offset + MAX_CHUNK], cla)
            _require_ok(self.exchange(apdu, secret=secret), "UPDATE BINARY")

    def read_record(self, number: int, length: int, cla: int = CLA_GSM) -> bytes:
        response = self.exchange(read_record(number, length, cla))
        _require_ok(response, "READ RECORD")
        return response.data

    def update_record(self, number: int, data: bytes, cla: int = CLA_GSM) -> None:
        _require_ok(self.exchange(update_record(number, data, cla)), "UPDATE RECORD")

    def verify_adm(self, key: bytes | str) -> None:
        """Present the ADM key (class A0) exactly once; a refusal is never retried."""
        self._check_verify(self.exchange(verify_adm(key), secret=True))

    @staticmethod
    def _check_verify(response: Response) -> None:
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
