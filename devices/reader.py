"""The card reader interface the application uses.

Every method is synchronous and may block on the card: the TUI calls them from thread
workers. Failures raise ``branchdesk.devices.errors.ReaderError`` subclasses. Each card
operation is one session: an exclusive connection, a reset card, one PC/SC transaction.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Protocol, TypeVar, runtime_checkable

from branchdesk.devices.apdu import CardChannel
from branchdesk.devices.card_session import CardIdentity, CardSession, ProgressCallback, ReadBack
from branchdesk.devices.profile import SimProfile

__all__ = [
    "CardIdentity",
    "CardReads",
    "ProgressCallback",
    "ReadBack",
    "Reader",
    "SessionReader",
    "SimProfile",
]

T = TypeVar("T")


@runtime_checkable
class Reader(Protocol):
    """A smart card reader holding (at most) one USIM card."""

    @property
    def apdu_count(self) -> int:
        """Command APDUs sent to cards since the reader was created."""
        ...

    def list_readers(self) -> list[str]:
        """Names of the connected readers (may be empty)."""
        ...

    def wait_for_card(self, timeout: float) -> str:
        """Wait until a card is in a reader; returns the reader name.

        Raises NoReaderOrCard when none shows up within ``timeout`` seconds.
        """
        ...

    def read_card(self) -> CardIdentity:
        """ICCID and IMSI (None on a blank card) in one session of three APDUs.

        Raises CardNotBlank when the card cannot be read as a USIM.
        """
        ...

    def read_iccid(self) -> str:
        """The card's ICCID. Raises CardNotBlank when the card cannot be read as a USIM."""
        ...

    def read_imsi(self) -> str | None:
        """The card's IMSI, or None on a blank card."""
        ...

    def is_blank(self) -> bool:
        """True when the card carries no subscription yet (EF.IMSI erased)."""
        ...

    def write_profile(
        self,
        profile: SimProfile,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        """Write ``profile`` onto the blank card it was issued for; returns the APDU count.

        ``progress(done, total)`` is called after every APDU. ``cancel`` is checked before
        every APDU (WriteCancelled). The ADM key is presented once and never retried, and
        not at all when the card has one try or fewer left (AdmLastTry). The card is reset
        when the session ends.
        """
        ...

    def verify(self, profile: SimProfile) -> ReadBack:
        """Read the card back in a fresh session, prove its keys, compare with ``profile``."""
        ...

    def close(self) -> None:
        """Release the reader."""
        ...


class CardReads(ABC):
    """``read_iccid``, ``read_imsi`` and ``is_blank`` answered by one ``read_card``."""

    @abstractmethod
    def read_card(self) -> CardIdentity:
        """The card's ICCID and IMSI, read in one session."""

    def read_iccid(self) -> str:
        return self.read_card().iccid

    def read_imsi(self) -> str | None:
        return self.read_card().imsi

    def is_blank(self) -> bool:
        return self.read_card().blank


class SessionReader(CardReads):
    """A Reader whose every card operation is one CardSession; a subclass opens the session
    (``_session``: exclusive, on a freshly reset card) and runs it with ``_on_channel``."""

    def __init__(self) -> None:
        self.apdu_count = 0
        self.last_trace: list[str] = []
        self._lock = threading.RLock()

    @abstractmethod
    def _session(self, operation: Callable[[CardSession], T]) -> T:
        """Run ``operation`` in an exclusive session on a freshly reset card."""

    def _on_channel(self, channel: CardChannel, operation: Callable[[CardSession], T]) -> T:
        """Run ``operation`` over ``channel``; its APDUs count and its trace is kept."""
        try:
            return operation(CardSession(channel))
        finally:
            self.apdu_count += channel.apdu_count
            self.last_trace = list(channel.trace)

    def read_card(self) -> CardIdentity:
        return self._session(lambda session: session.read_identity())

    def write_profile(
        self,
        profile: SimProfile,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        return self._session(lambda session: session.write_profile(profile, progress, cancel))

    def verify(self, profile: SimProfile) -> ReadBack:
        return self._session(lambda session: session.read_back(profile))
