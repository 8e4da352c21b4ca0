"""Validators shared by the screens (early feedback) and the local backend (authority).

Each validator returns ``None`` when the value is valid, or a stable error code that both the
TUI catalog and the server message catalog translate.
"""

from __future__ import annotations

import re
from datetime import date

_DIGITS = re.compile(r"^[0-9]+$")
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def luhn_check_digit(body: str) -> int:
    """The Luhn digit that completes ``body`` (digits only)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = ord(ch) - 48
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def luhn_valid(number: str) -> bool:
    return (
        len(number) >= 2
        and _DIGITS.match(number) is not None
        and luhn_check_digit(number[:-1]) == ord(number[-1]) - 48
    )


def id_number_error(value: str) -> str | None:
    """Mainland resident ID (GB 11643-1999): 17 digits + ISO 7064 MOD 11-2 check character."""
    v = value.strip().upper()
    if not v:
        return "required"
    if len(v) != 18:
        return "id_length"
    if not _DIGITS.match(v[:17]) or not (v[17].isdigit() or v[17] == "X"):
        return "id_chars"
    try:
        date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return "id_birthdate"
    total = sum(int(c) * w for c, w in zip(v[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != v[17]:
        return "id_checksum"
    return None


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def mobile_error(value: str) -> str | None:
    v = value.strip()
    if not v:
        return "required"
    if not _MOBILE.match(v):
        return "mobile_format"
    return None


def card_number_error(value: str) -> str | None:
    """Bank card number: 13–19 digits with a valid Luhn check digit."""
    v = value.replace(" ", "")
    if not v:
        return "required"
    if not _DIGITS.match(v):
        return "digits_only"
    if not 13 <= len(v) <= 19:
        return "card_length"
    if not luhn_valid(v):
        return "luhn"
    return None


def iccid_error(value: str) -> str | None:
    """ICCID: 19 or 20 digits, starting 89, with a Luhn check digit."""
    v = value.strip()
    if not v:
        return "required"
    if not _DIGITS.match(v):
        return "digits_only"
    if len(v) not in (19, 20):
        return "iccid_length"
    if not v.startswith("89"):
        return "iccid_prefix"
    if not luhn_valid(v):
        return "luhn"
    return None


def required_error(value: str) -> str | None:
    return "required" if not value.strip() else None


def clerk_registration_errors(
    job_no: str, name: str, id_number: str, mobile: str
) -> dict[str, str]:
    """Field → error code for an installment clerk's registration (the screen and the server
    ask the same); ``job_not_mobile`` only once every field is valid on its own."""
    errors: dict[str, str] = {}
    for field, error in (
        ("job_no", mobile_error(job_no)),
        ("name", required_error(name)),
        ("id_number", id_number_error(id_number)),
        ("mobile", mobile_error(mobile)),
    ):
        if error:
            errors[field] = error
    if not errors and job_no.strip() != mobile.strip():
        errors["job_no"] = "job_not_mobile"
    return errors


def mask_id_number(value: str) -> str:
    return value[:6] + "*" * 8 + value[-4:] if len(value) >= 14 else "*" * len(value)


def mask_mobile(value: str) -> str:
    return value[:3] + "****" + value[-4:] if len(value) >= 8 else "*" * len(value)


def mask_card(value: str) -> str:
    return "…" + value[-4:] if len(value) > 4 else value


def mask_name(value: str) -> str:
    if len(value) <= 1:
        return value
    return value[0] + "*" * (len(value) - 1)
