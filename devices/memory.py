"""An in-memory Reader over a VirtualCard, for fast unit tests only.

It runs the same APDU sequences as PcscReader (through CardSession) against the same card
model as the vpcd emulator, without pcscd. Failure switches: ``service_running=False``
(pcscd down), ``reader_connected=False`` (no reader), ``remove()`` (no card) and
``card.schedule_pull(n)`` (card pulled after n UPDATEs).
"""

from __future__ import annotations

import threading
import time

from branchdesk.devices.apdu import CardChannel
from branchdesk.devices.card_session import CardSession, ProgressCallback
from branchdesk.devices.errors import CardRemoved, NoReaderOrCard, ServiceUnavailable
from branchdesk.devices.profile import SimProfile
from branchdesk.devices.virtual_card import CardPulled, VirtualCard

DEFAULT_NAME = "Memory Reader 00 00"
_POLL_SECONDS = 0.01


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
        self._session: CardSession | None = None
        self._session_card: VirtualCard | None = None
        self._finished_apdus = 0
        self._lock = threading.RLock()

    @property
    def apdu_count(self) -> int:
        current = self._session.channel.apdu_count if self._session else 0
        return self._finished_apdus + current

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
                self._connect()
                return self.name
            if time.monotonic() >= deadline:
                raise NoReaderOrCard(f"no card within {timeout:g} s")
            time.sleep(_POLL_SECONDS)

    def read_iccid(self) -> str:
        with self._lock:
            return self._connect().read_iccid()

    def read_imsi(self) -> str | None:
        with self._lock:
            return self._connect().read_imsi()

    def is_blank(self) -> bool:
        with self._lock:
            return self._connect().is_blank()

    def write_profile(
        self,
        profile: SimProfile,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        with self._lock:
            return self._connect().write_profile(profile, progress, cancel)

    def verify(self, profile: SimProfile) -> bool:
        with self._lock:
            return self._connect().verify(profile)

    def close(self) -> None:
        with self._lock:
            self._drop_session()

    def _connect(self) -> CardSession:
        if not self.service_running:
            raise ServiceUnavailable("PC/SC service not running")
        if not self.reader_connected:
            raise NoReaderOrCard("no reader connected")
        card = self.card
        if card is None:
            raise NoReaderOrCard("no card in the reader")
        if self._session is None or self._session_card is not card:
            self._drop_session()
            card.reset()  # a new connection powers the card up
            self._session = CardSession(CardChannel(_CardTransport(self, card)))
            self._session_card = card
        return self._session

    def _drop_session(self) -> None:
        if self._session is not None:
            self._finished_apdus += self._session.channel.apdu_count
        self._session = None
        self._session_card = None
