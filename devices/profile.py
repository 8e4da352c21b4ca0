"""What gets written onto a blank card."""

from __future__ import annotations

from dataclasses import dataclass

from branchdesk.devices import encoding

DEFAULT_SMSC = "+8613010130500"
"""The China Unicom Tianjin SMS centre, written to EF.SMSP."""


@dataclass(frozen=True, repr=False)
class SimProfile:
    """A subscription profile issued by the backend for one blank card.

    ``iccid`` names the card the profile belongs to (it is read from the card, never
    written, and its Luhn digit is checked here too). ``ki`` and ``opc`` are 32 hex
    characters; ``adm`` is the card's ADM key, 8 decimal digits (sent as ASCII) or 16 hex
    digits (sent as 8 bytes). ``msisdn`` and ``spn`` are optional extras.
    """

    iccid: str
    imsi: str
    ki: str
    opc: str
    adm: str
    msisdn: str | None = None
    spn: str | None = None
    smsc: str = DEFAULT_SMSC

    def __post_init__(self) -> None:
        # Each encoder raises ValueError on bad input, so a profile that exists can be written.
        encoding.encode_iccid(self.iccid)
        if not encoding.luhn_valid(self.iccid):
            raise ValueError("ICCID check digit (Luhn) is wrong")
        encoding.encode_imsi(self.imsi)
        encoding.encode_key(self.ki)
        encoding.encode_key(self.opc)
        encoding.encode_adm(self.adm)
        if self.msisdn is not None:
            encoding.encode_msisdn(self.msisdn, encoding.MSISDN_RECORD_TAIL)
        if self.spn is not None:
            encoding.encode_spn(self.spn)
        encoding.encode_smsp(self.smsc, encoding.SMSP_RECORD_TAIL)

    @property
    def adm_bytes(self) -> bytes:
        return encoding.encode_adm(self.adm)

    def __repr__(self) -> str:
        # Keys are secrets: keep them out of logs and tracebacks.
        return (
            f"SimProfile(iccid={self.iccid!r}, imsi={self.imsi!r}, ki='***', opc='***', "
            f"adm='***', msisdn={self.msisdn!r}, spn={self.spn!r})"
        )
