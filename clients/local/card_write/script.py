"""The write script (写卡脚本) of one card: its secrets sealed at rest, checked before binding.

The card data file (号卡文件) gives per ICCID the ADM key, Ki and OPc. The store keeps each
of them sealed (AES-GCM, ``sealing``; the context names the ICCID and the field, so a sealed
value cannot be moved to another card or field). They are opened only in ``write_script``
for the clerk who owns the order of the bound card.

The checks mirror what the card writer will encode (3GPP TS 31.102, TS 51.011): a script
that a reader would refuse is refused here, before a card is bound to an order.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from branchdesk.clients import validators
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.sealing import SealError

SECRET_FIELDS = ("adm", "ki", "opc")
SPN_BYTES = 16  # EF.SPN holds a display byte and 16 bytes of name
KEY_HEX = 32
_GSM7_SAME_AS_ASCII = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 !\"#%&'()*+,-./:;<=>?"
)
_HEX = frozenset("0123456789abcdefABCDEF")


def _context(collection: str, iccid: str, field: str) -> str:
    return f"{collection}/{iccid}/{field}"


def seal_card_data(
    backend: Backend, collection: str, iccid: str, secrets: dict[str, str]
) -> dict[str, Any]:
    """The stored document of one card's data: the ICCID in clear, the secrets sealed."""
    doc: dict[str, Any] = {"iccid": iccid, "sealed": True}
    for field in SECRET_FIELDS:
        doc[field] = backend.sealer.seal_text(
            secrets[field], context=_context(collection, iccid, field)
        )
    return doc


def open_card_data(backend: Backend, collection: str, doc: dict[str, Any]) -> dict[str, str] | None:
    """The secrets of a stored document, or None when they cannot be opened."""
    opened: dict[str, str] = {}
    for field in SECRET_FIELDS:
        try:
            opened[field] = backend.sealer.unseal_text(
                doc[field], context=_context(collection, doc["iccid"], field)
            )
        except (KeyError, SealError):
            return None
    return opened


def _digits(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.isascii() and value.isdigit()


def _hex(value: object, length: int) -> bool:
    return isinstance(value, str) and len(value) == length and set(value) <= _HEX


def spn_bytes(name: str) -> int:
    """Bytes the name takes in EF.SPN: GSM default alphabet, or 80 + UCS2."""
    if all(char in _GSM7_SAME_AS_ASCII for char in name):
        return len(name)
    return 1 + len(name.encode("utf-16-be"))


def problems(script: dict[str, Any]) -> list[str]:
    """The fields of a write script a card writer would refuse (empty when it is fine)."""
    found: list[str] = []
    iccid = script.get("iccid")
    if not (_digits(iccid) and 19 <= len(iccid) <= 20 and validators.luhn_valid(iccid)):
        found.append("iccid")
    imsi = script.get("imsi")
    if not (_digits(imsi) and 6 <= len(imsi) <= 15):
        found.append("imsi")
    for field in ("ki", "opc"):
        if not _hex(script.get(field), KEY_HEX):
            found.append(field)
    adm = script.get("adm")
    if not ((_digits(adm) and len(adm) == 8) or _hex(adm, 16)):
        found.append("adm")
    msisdn = script.get("msisdn")
    if msisdn is not None:
        digits = msisdn[1:] if isinstance(msisdn, str) and msisdn.startswith("+") else msisdn
        if not (_digits(digits) and 1 <= len(digits) <= 20):
            found.append("msisdn")
    spn = script.get("spn")
    if spn is not None and not (isinstance(spn, str) and 0 < spn_bytes(spn) <= SPN_BYTES):
        found.append("spn")
    return found
