"""Errors raised by card readers.

Every error carries a stable ``code`` that the UI maps to the messages staff are trained
to recognise; this package itself holds no UI text. Subclasses inherit their parent's code
unless they need the UI to behave differently.
"""

from __future__ import annotations


class ReaderError(Exception):
    """Base class of every reader failure."""

    code: str = "reader_error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
        self.detail = detail


class NoReaderOrCard(ReaderError):
    """No reader is connected, or no card is in it."""

    code = "no_reader_or_card"


class ServiceUnavailable(ReaderError):
    """The PC/SC service (pcscd), its client library or the reader driver is missing."""

    code = "pcsc_unavailable"


class CardNotBlank(ReaderError):
    """The card cannot be written: already written, a finished card, or unreadable."""

    code = "card_not_blank"


class CardMismatch(CardNotBlank):
    """The inserted card is not the one the profile was issued for.

    Staff see the same "change the card" message, hence the inherited code.
    """

    def __init__(self, expected_iccid: str, actual_iccid: str) -> None:
        super().__init__(f"profile is for ICCID {expected_iccid}, card has {actual_iccid}")
        self.expected_iccid = expected_iccid
        self.actual_iccid = actual_iccid


class CardRemoved(ReaderError):
    """The card was pulled out (or lost contact) in the middle of an operation."""

    code = "card_removed"


class ReaderTimeout(CardRemoved):
    """The reader or the card stopped answering for ``seconds``.

    Handled like a card pulled out mid-operation: a write that timed out may have changed
    the card, so it is reported as interrupted.
    """

    code = "reader_timeout"

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"no answer from the reader within {seconds:g} s ({what})")
        self.what = what
        self.seconds = seconds


class AdmRejected(ReaderError):
    """The card refused the ADM key. ``tries_left`` is None when the card did not say."""

    code = "adm_rejected"

    def __init__(self, tries_left: int | None, detail: str = "") -> None:
        remaining = "unknown" if tries_left is None else str(tries_left)
        super().__init__(detail or f"ADM key rejected, tries left: {remaining}")
        self.tries_left = tries_left


class AdmLastTry(AdmRejected):
    """The card has one ADM try or fewer left: the writer refuses to risk locking it.

    Nothing was presented; the card is set aside like a card that refused its key.
    """

    code = "adm_last_try"

    def __init__(self, tries_left: int) -> None:
        super().__init__(tries_left, f"ADM key has {tries_left} tries left; not presented")


class CardError(ReaderError):
    """The card answered a command with an unexpected status word."""

    code = "card_error"

    def __init__(self, sw1: int, sw2: int, detail: str = "") -> None:
        status = f"SW {sw1:02X}{sw2:02X}"
        super().__init__(f"{detail}: {status}" if detail else status)
        self.sw1 = sw1
        self.sw2 = sw2

    @property
    def sw(self) -> int:
        return (self.sw1 << 8) | self.sw2


class WriteCancelled(ReaderError):
    """The caller cancelled a write; ``apdu_count`` commands had been sent by then."""

    code = "write_cancelled"

    def __init__(self, apdu_count: int, card_untouched: bool) -> None:
        state = "card untouched" if card_untouched else "card partly written"
        super().__init__(f"write cancelled after {apdu_count} APDUs ({state})")
        self.apdu_count = apdu_count
        self.card_untouched = card_untouched
