"""A Reader on PC/SC (pcscd) through pyscard's low-level ``smartcard.scard`` API.

pyscard is imported on first use, never when ``branchdesk.devices`` is imported, so the TUI
does not pay for it at startup. Commands are GSM 11.11 APDUs (class A0), see ``apdu``.

A write (``card_session``): read EF.ICCID 2FE2 and EF.IMSI 7F20/6F07 to check the card is
the blank card the profile names; VERIFY ADM (P2=0A) exactly once, never retried; UPDATE
EF.MSISDN 7F10/6F40 (optional), the proprietary write-only key files EF.KI 7F20/6FF0 and
EF.OPC 7F20/6FF1, EF.SPN 7F20/6F46 (optional), and EF.IMSI last as the commit mark.

Error mapping: PC/SC service or client library missing -> ServiceUnavailable; no reader or
no card -> NoReaderOrCard; a card that does not answer its ATR (badly inserted) ->
CardNotBlank; any failed exchange once connected -> CardRemoved.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

from branchdesk.devices.apdu import CardChannel
from branchdesk.devices.card_session import CardSession, ProgressCallback
from branchdesk.devices.errors import (
    CardNotBlank,
    CardRemoved,
    NoReaderOrCard,
    ServiceUnavailable,
)
from branchdesk.devices.profile import SimProfile

# PC/SC return codes (winscard / pcsclite.h), compared as unsigned 32-bit values.
_SCARD_E_TIMEOUT = 0x8010000A
_SCARD_E_NO_SMARTCARD = 0x8010000C
_SCARD_E_NO_SERVICE = 0x8010001D
_SCARD_E_SERVICE_STOPPED = 0x8010001E
_SCARD_E_NO_READERS_AVAILABLE = 0x8010002E
_SCARD_E_INVALID_HANDLE = 0x80100003
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
    try:
        from smartcard import scard
    except ImportError as exc:  # pyscard or libpcsclite missing
        raise ServiceUnavailable(f"PC/SC client library unavailable: {exc}") from exc
    module: ModuleType = scard  # pyscard ships no type information
    return module


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


class PcscReader:
    """A Reader on the PC/SC readers whose name starts with ``reader_name`` (any if None)."""

    def __init__(self, reader_name: str | None = None) -> None:
        self.reader_name = reader_name
        self._scard: ModuleType | None = None
        self._context: Any = None
        self._hcard: Any = None
        self._session: CardSession | None = None
        self.connected_reader: str | None = None
        self._finished_apdus = 0
        self._lock = threading.RLock()

    @property
    def apdu_count(self) -> int:
        current = self._session.channel.apdu_count if self._session else 0
        return self._finished_apdus + current

    # -- readers and cards ---------------------------------------------------------------

    def list_readers(self) -> list[str]:
        with self._lock:
            return self._list_readers()

    def wait_for_card(self, timeout: float) -> str:
        """Block until pcscd reports a card in a matching reader, then connect to it."""
        with self._lock:
            deadline = time.monotonic() + timeout
            self._drop_session()
            scard = self._scard_module()
            while True:
                names = self._list_readers()
                remaining = deadline - time.monotonic()
                if names:
                    states = [(name, scard.SCARD_STATE_UNAWARE) for name in names]
                    current = self._status_change(0, states)
                    name = self._reader_with_card(current)
                    if name is not None:
                        self._connect(name)
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

    def read_iccid(self) -> str:
        with self._lock:
            return self._run(lambda session: session.read_iccid())

    def read_imsi(self) -> str | None:
        with self._lock:
            return self._run(lambda session: session.read_imsi())

    def is_blank(self) -> bool:
        with self._lock:
            return self._run(lambda session: session.is_blank())

    def write_profile(
        self,
        profile: SimProfile,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        with self._lock:
            return self._run(lambda session: session.write_profile(profile, progress, cancel))

    def verify(self, profile: SimProfile) -> bool:
        with self._lock:
            return self._run(lambda session: session.verify(profile))

    def close(self) -> None:
        with self._lock:
            self._drop_session()
            if self._context is not None and self._scard is not None:
                self._scard.SCardReleaseContext(self._context)
            self._context = None

    def _run(self, operation: Callable[[CardSession], T]) -> T:
        session = self._current_session()
        try:
            return operation(session)
        except (CardRemoved, ServiceUnavailable):
            self._drop_session()
            raise

    def _current_session(self) -> CardSession:
        if self._session is not None and self._card_still_there():
            return self._session
        self._drop_session()
        self.wait_for_card(0)
        assert self._session is not None
        return self._session

    def _card_still_there(self) -> bool:
        scard = self._scard_module()
        hresult, *_status = scard.SCardStatus(self._hcard)
        return _code(hresult) not in _CARD_GONE | {_SCARD_E_INVALID_HANDLE}

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
        return [name for name in names if prefix is None or name.startswith(prefix)]

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

    def _connect(self, name: str) -> None:
        scard = self._scard_module()
        hresult, hcard, protocol = scard.SCardConnect(
            self._context_handle(),
            name,
            scard.SCARD_SHARE_SHARED,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if _code(hresult) != 0:
            self._fail(hresult, f"connect to the card in {name}")
        self._hcard = hcard
        self.connected_reader = name
        self._session = CardSession(CardChannel(_PcscTransport(scard, hcard, protocol)))

    def _drop_session(self) -> None:
        if self._session is not None:
            self._finished_apdus += self._session.channel.apdu_count
        if self._hcard is not None and self._scard is not None:
            # Unpowering resets the card, so an ADM verification never outlives a session.
            self._scard.SCardDisconnect(self._hcard, self._scard.SCARD_UNPOWER_CARD)
        self._session = None
        self._hcard = None
        self.connected_reader = None

    def _fail(self, hresult: int, action: str) -> None:
        code = _code(hresult)
        message = f"cannot {action}: {self._scard_module().SCardGetErrorMessage(hresult)}"
        if code in _SERVICE_DOWN:
            self._context = None
            raise ServiceUnavailable(message)
        if code in _DEAD_CARD:
            raise CardNotBlank(message)
        # No card, no reader, or a PC/SC failure staff can only fix by reconnecting.
        raise NoReaderOrCard(message)
