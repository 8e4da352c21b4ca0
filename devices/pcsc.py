"""A Reader on PC/SC (pcscd) through pyscard's low-level ``smartcard.scard`` API.

pyscard is imported on first use, never when ``branchdesk.devices`` is imported, so the TUI
(and an install without pyscard) does not pay for it. Commands are UICC APDUs (class 00/80,
TS 102 221), see ``apdu``; the sequences are in ``card_session``.

Every operation is one session: connect in EXCLUSIVE mode (no other program can send a
command meanwhile), reset the card (nothing selected, no security status left by anyone),
run the whole operation inside one PC/SC transaction, then end it and disconnect with a
card reset, so no ADM verification outlives the session.

Error mapping: PC/SC service or client library missing -> ServiceUnavailable; no reader or
no card -> NoReaderOrCard; a card that does not answer its ATR (badly inserted) ->
CardNotBlank; any failed exchange once connected -> CardRemoved.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any, NoReturn, TypeVar

from branchdesk.devices.apdu import CardChannel
from branchdesk.devices.card_session import CardSession
from branchdesk.devices.errors import (
    CardNotBlank,
    CardRemoved,
    NoReaderOrCard,
    ServiceUnavailable,
)
from branchdesk.devices.reader import SessionReader

# PC/SC return codes (winscard / pcsclite.h), compared as unsigned 32-bit values.
_SCARD_E_TIMEOUT = 0x8010000A
_SCARD_E_NO_SMARTCARD = 0x8010000C
_SCARD_E_NO_SERVICE = 0x8010001D
_SCARD_E_SERVICE_STOPPED = 0x8010001E
_SCARD_E_NO_READERS_AVAILABLE = 0x8010002E
_SCARD_E_INVALID_HANDLE = 0x80100003
_SCARD_E_SHARING_VIOLATION = 0x8010000B
_SCARD_W_UNSUPPORTED_CARD = 0x80100065
_SCARD_W_UNRESPONSIVE_CARD = 0x80100066
_SCARD_W_UNPOWERED_CARD = 0x80100067
_SCARD_W_RESET_CARD = 0x80100068
_SCARD_W_REMOVED_CARD = 0x80100069
_SERVICE_DOWN = {_SCARD_E_NO_SERVICE, _SCARD_E_SERVICE_STOPPED}
_DEAD_CARD = {_SCARD_W_UNRESPONSIVE_CARD, _SCARD_W_UNSUPPORTED_CARD, _SCARD_W_UNPOWERED_CARD}
_CARD_GONE = {_SCARD_W_REMOVED_CARD, _SCARD_W_RESET_CARD, _SCARD_E_NO_SMARTCARD}

_MAX_BLOCK_SECONDS = 0.5  # re-list readers this often while waiting for a card

T = TypeVar("T")


def _load_scard() -> ModuleType:
    # pyscard has no type information; imported by name, it is just a module here.
    try:
        importlib.import_module("smartcard")
        return importlib.import_module("smartcard.scard")
    except ImportError as exc:  # pyscard or libpcsclite missing
        raise ServiceUnavailable(f"PC/SC client library unavailable: {exc}") from exc


def _code(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


class _PcscTransport:
    def __init__(self, scard: ModuleType, hcard: Any, protocol: int) -> None:
        self._scard = scard
        self._hcard = hcard
        self._protocol = protocol

    def transmit(self, apdu: bytes) -> bytes:
        hresult, response = self._scard.SCardTransmit(self._hcard, self._protocol, list(apdu))
        code = _code(hresult)
        if code in _SERVICE_DOWN:
            raise ServiceUnavailable(self._scard.SCardGetErrorMessage(hresult))
        if code != 0:
            raise CardRemoved(f"transmit failed: {self._scard.SCardGetErrorMessage(hresult)}")
        if len(response) < 2:
            # vpcd (and some readers) answer an empty success when the card vanished.
            raise CardRemoved("the card gave no answer")
        return bytes(response)


class PcscReader(SessionReader):
    """A Reader on the PC/SC readers whose name starts with ``reader_name`` (any if None)."""

    def __init__(self, reader_name: str | None = None) -> None:
        super().__init__()
        self.reader_name = reader_name
        self._scard: ModuleType | None = None
        self._context: Any = None
        self.connected_reader: str | None = None

    # -- readers and cards ---------------------------------------------------------------

    def list_readers(self) -> list[str]:
        with self._lock:
            return self._list_readers()

    def wait_for_card(self, timeout: float) -> str:
        """Block until pcscd reports a card in a matching reader; returns its name."""
        with self._lock:
            deadline = time.monotonic() + timeout
            scard = self._scard_module()
            while True:
                names = self._list_readers()
                remaining = deadline - time.monotonic()
                if names:
                    states = [(name, scard.SCARD_STATE_UNAWARE) for name in names]
                    current = self._status_change(0, states)
                    name = self._reader_with_card(current)
                    if name is not None:
                        return name
                    if remaining <= 0:
                        raise NoReaderOrCard(f"no card in {', '.join(names)}")
                    block = min(remaining, _MAX_BLOCK_SECONDS)
                    self._status_change(int(block * 1000), [(n, s) for n, s, _atr in current])
                else:
                    if remaining <= 0:
                        raise NoReaderOrCard("no card reader connected")
                    time.sleep(min(remaining, _MAX_BLOCK_SECONDS / 5))

    def _reader_with_card(self, states: list[tuple[str, int, list[int]]]) -> str | None:
        scard = self._scard_module()
        for name, state, _atr in states:
            if state & scard.SCARD_STATE_PRESENT:
                if state & scard.SCARD_STATE_MUTE:
                    raise CardNotBlank(f"the card in {name} does not answer")
                return name
        return None

    # -- card operations -----------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._context is not None and self._scard is not None:
                self._scard.SCardReleaseContext(self._context)
            self._context = None

    def _session(self, operation: Callable[[CardSession], T]) -> T:
        """Run ``operation`` on the card: exclusive, freshly reset, one transaction."""
        with self._lock:
            name = self.wait_for_card(0)
            scard = self._scard_module()
            hcard, protocol = self._connect(name)
            try:
                hresult, protocol = scard.SCardReconnect(
                    hcard, scard.SCARD_SHARE_EXCLUSIVE, _PROTOCOLS(scard), scard.SCARD_RESET_CARD
                )
                if _code(hresult) != 0:
                    self._fail(hresult, f"reset the card in {name}")
                hresult = scard.SCardBeginTransaction(hcard)
                if _code(hresult) != 0:
                    self._fail(hresult, f"start a transaction on {name}")
                channel = CardChannel(_PcscTransport(scard, hcard, protocol))
                try:
                    return self._on_channel(channel, operation)
                finally:
                    scard.SCardEndTransaction(hcard, scard.SCARD_RESET_CARD)
            finally:
                # Resetting on the way out: an ADM verification never outlives a session.
                scard.SCardDisconnect(hcard, scard.SCARD_RESET_CARD)
                self.connected_reader = None

    # -- PC/SC plumbing ------------------------------------------------------------------

    def _scard_module(self) -> ModuleType:
        if self._scard is None:
            self._scard = _load_scard()
        return self._scard

    def _context_handle(self) -> Any:
        scard = self._scard_module()
        if self._context is not None:
            if _code(scard.SCardIsValidContext(self._context)) == 0:
                return self._context
            self._context = None
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if _code(hresult) != 0:
            raise ServiceUnavailable(f"pcscd unavailable: {scard.SCardGetErrorMessage(hresult)}")
        self._context = context
        return context

    def _list_readers(self) -> list[str]:
        scard = self._scard_module()
        hresult, names = scard.SCardListReaders(self._context_handle(), [])
        code = _code(hresult)
        if code == _SCARD_E_NO_READERS_AVAILABLE:
            return []
        if code != 0:
            self._fail(hresult, "list readers")
        prefix = self.reader_name
        return [str(name) for name in names if prefix is None or name.startswith(prefix)]

    def _status_change(
        self, timeout_ms: int, states: list[tuple[str, int]]
    ) -> list[tuple[str, int, list[int]]]:
        scard = self._scard_module()
        hresult, new_states = scard.SCardGetStatusChange(self._context_handle(), timeout_ms, states)
        code = _code(hresult)
        if code == _SCARD_E_TIMEOUT:
            return [(name, state, []) for name, state in states]
        if code != 0:
            self._fail(hresult, "wait for a card")
        return [(name, event & ~scard.SCARD_STATE_CHANGED, atr) for name, event, atr in new_states]

    def _connect(self, name: str) -> tuple[Any, int]:
        scard = self._scard_module()
        hresult, hcard, protocol = scard.SCardConnect(
            self._context_handle(), name, scard.SCARD_SHARE_EXCLUSIVE, _PROTOCOLS(scard)
        )
        if _code(hresult) == _SCARD_E_SHARING_VIOLATION:
            raise NoReaderOrCard(f"the card in {name} is in use by another program")
        if _code(hresult) != 0:
            self._fail(hresult, f"connect to the card in {name}")
        self.connected_reader = name
        return hcard, int(protocol)

    def _fail(self, hresult: int, action: str) -> NoReturn:
        code = _code(hresult)
        message = f"cannot {action}: {self._scard_module().SCardGetErrorMessage(hresult)}"
        if code in _SERVICE_DOWN:
            self._context = None
            raise ServiceUnavailable(message)
        if code in _DEAD_CARD:
            raise CardNotBlank(message)
        # No card, no reader, or a PC/SC failure staff can only fix by reconnecting.
        raise NoReaderOrCard(message)


def _PROTOCOLS(scard: ModuleType) -> int:  # noqa: N802 - reads as the constant it stands for
    return int(scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
