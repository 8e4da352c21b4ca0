"""The card reader interface the application uses.

Every method is synchronous and may block on the card: the TUI calls them from thread
workers. Failures raise ``branchdesk.devices.errors.ReaderError`` subclasses.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

from branchdesk.devices.card_session import ProgressCallback
from branchdesk.devices.profile import SimProfile

__all__ = ["ProgressCallback", "Reader", "SimProfile"]


@runtime_checkable
class Reader(Protocol):
    """A smart card reader holding (at most) one SIM card."""

    @property
    def apdu_count(self) -> int:
        """Command APDUs sent to cards since the reader was created."""
        ...

    def list_readers(self) -> list[str]:
        """Names of the connected readers (may be empty)."""
        ...

    def wait_for_card(self, timeout: float) -> str:
        """Wait until a card is in a reader and connect to it; returns the reader name.

        Raises NoReaderOrCard when none shows up within ``timeout`` seconds.
        """
        ...

    def read_iccid(self) -> str:
        """The card's ICCID. Raises CardNotBlank when the card cannot be read as a SIM."""
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
        every APDU (WriteCancelled). The ADM key is presented once and never retried.
        """
        ...

    def verify(self, profile: SimProfile) -> bool:
        """Read the card back and compare it with ``profile``."""
        ...

    def close(self) -> None:
        """Disconnect from the card and release the reader."""
        ...
