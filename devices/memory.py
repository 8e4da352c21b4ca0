"""An in-memory Reader over a VirtualCard, for fast unit tests only.

It runs the same sessions as PcscReader (through CardSession) against the same card model
as the vpcd emulator, without pcscd: each operation resets the card first, and a write
resets it at the end. Failure switches: ``service_running=False`` (pcscd down),
``reader_connected=False`` (no reader), ``remove()`` (no card) and ``card.schedule_pull(n)``
(card pulled after n UPDATEs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from branchdesk.devices.apdu import CardChannel
from branchdesk.devices.card_session import CardSession
from branchdesk.devices.errors import CardRemoved, NoReaderOrCard, ServiceUnavailable
from branchdesk.devices.reader import SessionReader
from branchdesk.devices.virtual_card import CardPulled, VirtualCard

DEFAULT_NAME = "Memory Reader 00 00"
_POLL_SECONDS = 0.01
T = TypeVar("T")


class _CardTransport:
    def __init__(self, reader: MemoryReader, card: VirtualCard) -> None:
        self._reader = reader
        self._card = card

    def transmit(self, apdu: bytes) -> bytes:
        if not self._reader.service_running:
            raise ServiceUnavailable("PC/SC service stopped")
        if self._reader.card is not self._card:
            raise CardRemoved("card no longer in the reader")
        try:
            return self._card.process_apdu(apdu)
        except CardPulled:
            self._reader.remove()
            raise CardRemoved("card pulled out during the command") from None


class MemoryReader(SessionReader):
    """A Reader whose "card" is a VirtualCard object."""

    def __init__(
        self,
        card: VirtualCard | None = None,
        *,
        name: str = DEFAULT_NAME,
        reader_connected: bool = True,
        service_running: bool = True,
    ) -> None:
        super().__init__()
        self.name = name
        self.card = card
        self.reader_connected = reader_connected
        self.service_running = service_running

    def insert(self, card: VirtualCard) -> None:
        self.card = card

    def remove(self) -> None:
        self.card = None

    def list_readers(self) -> list[str]:
        if not self.service_running:
            raise ServiceUnavailable("PC/SC service not running")
        return [self.name] if self.reader_connected else []

    def wait_for_card(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            if self.list_readers() and self.card is not None:
                return self.name
            if time.monotonic() >= deadline:
                raise NoReaderOrCard(f"no card within {timeout:g} s")
            time.sleep(_POLL_SECONDS)

    def close(self) -> None:
        """Nothing stays connected between operations."""

    def _session(self, operation: Callable[[CardSession], T]) -> T:
        with self._lock:
            if not self.service_running:
                raise ServiceUnavailable("PC/SC service not running")
            if not self.reader_connected:
                raise NoReaderOrCard("no reader connected")
            card = self.card
            if card is None:
                raise NoReaderOrCard("no card in the reader")
            card.reset()  # the session starts on a freshly reset card
            try:
                return self._on_channel(CardChannel(_CardTransport(self, card)), operation)
            finally:
                card.reset()
