"""An in-memory Reader over a VirtualCard, for fast unit tests only.

It runs the same sessions as PcscReader (through CardSession) against the same card model
as the vpcd emulator, without pcscd: each operation resets the card first, and a write
resets it at the end. Failure switches: ``service_running=False`` (pcscd down),
``reader_connected=False`` (no reader), ``remove()`` (no card) and ``card.schedule_pull(n)``
(card pulled after n UPDATEs).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from branchdesk.devices.apdu import CardChannel
from branchdesk.devices.card_session import CardIdentity, CardSession, ProgressCallback, ReadBack
from branchdesk.devices.errors import CardRemoved, NoReaderOrCard, ServiceUnavailable
from branchdesk.devices.profile import SimProfile
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


class MemoryReader:
    """A Reader whose "card" is a VirtualCard object."""

    def __init__(
        self,
        card: VirtualCard | None = None,
        *,
        name: str = DEFAULT_NAME,
        reader_connected: bool = True,
        service_running: bool = True,
    ) -> None:
        self.name = name
        self.card = card
        self.reader_connected = reader_connected
        self.service_running = service_running
        self.apdu_count = 0
        self.last_trace: list[str] = []
        self._lock = threading.RLock()

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

    def read_card(self) -> CardIdentity:
        return self._session(lambda session: session.read_identity())

    def read_iccid(self) -> str:
        return self.read_card().iccid

    def read_imsi(self) -> str | None:
        return self.read_card().imsi

    def is_blank(self) -> bool:
        return self.read_card().blank

    def write_profile(
        self,
        profile: SimProfile,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        return self._session(lambda session: session.write_profile(profile, progress, cancel))

    def verify(self, profile: SimProfile) -> ReadBack:
        return self._session(lambda session: session.read_back(profile))

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
            channel = CardChannel(_CardTransport(self, card))
            try:
                return operation(CardSession(channel))
            finally:
                self.apdu_count += channel.apdu_count
                self.last_trace = list(channel.trace)
                card.reset()
