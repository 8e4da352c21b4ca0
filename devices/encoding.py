"""Byte encodings of the SIM elementary files this package reads and writes.

References: TS 51.011 section 10 (EF contents), TS 31.102 section 4.2 / 4.4, TS 24.008
10.5.1.4 (mobile identity, used by EF.IMSI), ISO/IEC 7812 (ICCID check digit).

A file whose bytes are all 0xFF has never been written; decoders return None for it.
"""

from __future__ import annotations

ICCID_FILE_SIZE = 10
IMSI_FILE_SIZE = 9
SPN_FILE_SIZE = 17
KEY_SIZE = 16
# An EF.MSISDN record without alpha identifier: length, TON/NPI, 10 number bytes, CCP, ext.
MSISDN_RECORD_TAIL = 14

_IMSI_TYPE = 0x1  # "type of identity: IMSI" in the low 3 bits of the first digit byte
_IMSI_ODD = 0x8  # odd number of digits
_TON_NPI_INTERNATIONAL = 0x91
_TON_NPI_UNKNOWN = 0x81
_UCS2_MARKER = 0x80
# GSM 03.38 default alphabet characters whose code equals their ASCII code.
_GSM7_SAME_AS_ASCII = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 !\"#%&'()*+,-./:;<=>?"
)


def is_blank(data: bytes) -> bool:
    """True when a file holds only the erased value 0xFF (or nothing)."""
    return all(byte == 0xFF for byte in data)


def luhn_check_digit(payload: str) -> str:
    """The Luhn (mod 10) digit that completes ``payload``."""
    _require_digits(payload, "payload")
    total = 0
    for index, char in enumerate(reversed(payload)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when the last digit of ``number`` is its Luhn check digit."""
    if len(number) < 2 or not number.isdigit():
        return False
    return luhn_check_digit(number[:-1]) == number[-1]


def swap_nibbles_encode(digits: str, size: int) -> bytes:
    """Pack digits as BCD, low nibble first, padded with F to ``size`` bytes."""
    if len(digits) > size * 2:
        raise ValueError(f"{len(digits)} digits do not fit in {size} bytes")
    padded = digits.upper().ljust(size * 2, "F")
    return bytes(int(padded[i + 1] + padded[i], 16) for i in range(0, len(padded), 2))


def swap_nibbles_decode(data: bytes) -> str:
    """Unpack low-nibble-first BCD; stops at the first F filler nibble."""
    digits: list[str] = []
    for byte in data:
        for nibble in (byte & 0x0F, byte >> 4):
            if nibble == 0xF:
                return "".join(digits)
            if nibble > 9:
                raise ValueError(f"nibble {nibble:X} is not a decimal digit")
            digits.append(str(nibble))
    return "".join(digits)


def encode_iccid(iccid: str) -> bytes:
    """EF.ICCID (2FE2) content: 19 or 20 digits, nibble-swapped, F-padded to 10 bytes."""
    _require_digits(iccid, "ICCID")
    if not 19 <= len(iccid) <= 20:
        raise ValueError(f"ICCID must have 19 or 20 digits, got {len(iccid)}")
    return swap_nibbles_encode(iccid, ICCID_FILE_SIZE)


def decode_iccid(data: bytes) -> str | None:
    """ICCID digits from EF.ICCID content, or None when the file is blank."""
    if len(data) != ICCID_FILE_SIZE:
        raise ValueError(f"EF.ICCID must be {ICCID_FILE_SIZE} bytes, got {len(data)}")
    if is_blank(data):
        return None
    iccid = swap_nibbles_decode(data)
    if not 19 <= len(iccid) <= 20:
        raise ValueError(f"EF.ICCID holds {len(iccid)} digits")
    return iccid


def encode_imsi(imsi: str) -> bytes:
    """EF.IMSI (6F07) content: length byte, parity nibble + first digit, the rest swapped."""
    _require_digits(imsi, "IMSI")
    if not 6 <= len(imsi) <= 15:
        raise ValueError(f"IMSI must have 6 to 15 digits, got {len(imsi)}")
    parity = _IMSI_ODD if len(imsi) % 2 else 0
    first = (int(imsi[0]) << 4) | parity | _IMSI_TYPE
    rest = imsi[1:]
    body = bytes([first]) + swap_nibbles_encode(rest, (len(rest) + 1) // 2)
    return (bytes([len(body)]) + body).ljust(IMSI_FILE_SIZE, b"\xff")


def decode_imsi(data: bytes) -> str | None:
    """IMSI digits from EF.IMSI content, or None when the file is blank."""
    if len(data) != IMSI_FILE_SIZE:
        raise ValueError(f"EF.IMSI must be {IMSI_FILE_SIZE} bytes, got {len(data)}")
    if is_blank(data):
        return None
    length = data[0]
    if not 1 <= length <= IMSI_FILE_SIZE - 1:
        raise ValueError(f"EF.IMSI length byte {length} out of range")
    first = data[1]
    if first & 0x07 != _IMSI_TYPE:
        raise ValueError(f"EF.IMSI identity type {first & 0x07} is not IMSI")
    first_digit = first >> 4
    if first_digit > 9:
        raise ValueError("EF.IMSI first digit is not decimal")
    imsi = str(first_digit) + swap_nibbles_decode(data[2 : 1 + length])
    odd = bool(first & _IMSI_ODD)
    if odd != (len(imsi) % 2 == 1):
        raise ValueError("EF.IMSI parity bit does not match the number of digits")
    if not 6 <= len(imsi) <= 15:
        raise ValueError(f"EF.IMSI holds {len(imsi)} digits")
    return imsi


def encode_key(hex_key: str) -> bytes:
    """A 128-bit key (Ki or OPc) given as 32 hex characters."""
    try:
        key = bytes.fromhex(hex_key)
    except ValueError as exc:
        raise ValueError("key must be 32 hexadecimal characters") from exc
    if len(key) != KEY_SIZE:
        raise ValueError(f"key must be {KEY_SIZE} bytes, got {len(key)}")
    return key


def encode_spn(name: str, display_condition: int = 0x01) -> bytes:
    """EF.SPN (6F46): display condition + name, GSM default alphabet or UCS2 (0x80 form)."""
    if not name:
        raise ValueError("SPN must not be empty")
    if all(char in _GSM7_SAME_AS_ASCII for char in name):
        body = name.encode("ascii")
    else:
        body = bytes([_UCS2_MARKER]) + name.encode("utf-16-be")
    if len(body) > SPN_FILE_SIZE - 1:
        raise ValueError(f"SPN {name!r} needs {len(body)} bytes, at most 16 fit")
    return (bytes([display_condition]) + body).ljust(SPN_FILE_SIZE, b"\xff")


def decode_spn(data: bytes) -> str | None:
    """Service provider name from EF.SPN, or None when blank."""
    body = data[1:].rstrip(b"\xff")
    if not body:
        return None
    if body[0] == _UCS2_MARKER:
        ucs2 = body[1:]
        return ucs2[: len(ucs2) - len(ucs2) % 2].decode("utf-16-be")
    return body.decode("ascii", errors="replace")


def encode_msisdn(msisdn: str, record_length: int) -> bytes:
    """One EF.MSISDN (6F40) record: empty alpha identifier, then the dialling number."""
    international = msisdn.startswith("+")
    digits = msisdn[1:] if international else msisdn
    _require_digits(digits, "MSISDN")
    if not 1 <= len(digits) <= 20:
        raise ValueError(f"MSISDN must have 1 to 20 digits, got {len(digits)}")
    if record_length < MSISDN_RECORD_TAIL:
        raise ValueError(f"EF.MSISDN record length {record_length} is too short")
    number = swap_nibbles_encode(digits, 10)
    ton_npi = _TON_NPI_INTERNATIONAL if international else _TON_NPI_UNKNOWN
    bcd_length = 1 + (len(digits) + 1) // 2
    alpha = b"\xff" * (record_length - MSISDN_RECORD_TAIL)
    return alpha + bytes([bcd_length, ton_npi]) + number + b"\xff\xff"


def decode_msisdn(record: bytes) -> str | None:
    """Dialling number from an EF.MSISDN record, or None when the record is empty."""
    if len(record) < MSISDN_RECORD_TAIL:
        raise ValueError("EF.MSISDN record is too short")
    tail = record[-MSISDN_RECORD_TAIL:]
    if is_blank(tail[:2]):
        return None
    bcd_length, ton_npi = tail[0], tail[1]
    digits = swap_nibbles_decode(tail[2 : 1 + bcd_length])
    return ("+" if ton_npi == _TON_NPI_INTERNATIONAL else "") + digits


def _require_digits(value: str, what: str) -> None:
    if not value.isascii() or not value.isdigit():
        raise ValueError(f"{what} must contain decimal digits only, got {value!r}")
