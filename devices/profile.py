"""What gets written onto a blank card."""

from __future__ import annotations

from dataclasses import dataclass

from branchdesk.devices import encoding

ADM_KEY_LENGTH = 8


@dataclass(frozen=True, repr=False)
class SimProfile:
    """A subscription profile issued by the backend for one blank card.

    ``iccid`` names the card the profile belongs to (it is read from the card, never
    written). ``ki`` and ``opc`` are 32 hex characters; ``adm`` is the card's 8-digit ADM
    key, sent as its ASCII bytes. ``msisdn`` and ``spn`` are optional extras.
    """

    iccid: str
    imsi: str
    ki: str
    opc: str
    adm: str
    msisdn: str | None = None
    spn: str | None = None

    def __post_init__(self) -> None:
        # Each encoder raises ValueError on bad input, so a profile that exists can be written.
        encoding.encode_iccid(self.iccid)
        encoding.encode_imsi(self.imsi)
        encoding.encode_key(self.ki)
        encoding.encode_key(self.opc)
        if len(self.adm) != ADM_KEY_LENGTH or not self.adm.isascii() or not self.adm.isdigit():
            raise ValueError(f"ADM key must be {ADM_KEY_LENGTH} digits")
        if self.msisdn is not None:
            encoding.encode_msisdn(self.msisdn, encoding.MSISDN_RECORD_TAIL)
        if self.spn is not None:
            encoding.encode_spn(self.spn)

    def __repr__(self) -> str:
        # Keys are secrets: keep them out of logs and tracebacks.
        return (
            f"SimProfile(iccid={self.iccid!r}, imsi={self.imsi!r}, ki='***', opc='***', "
            f"msisdn={self.msisdn!r}, spn={self.spn!r})"
        )
