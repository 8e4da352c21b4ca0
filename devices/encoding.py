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
    """Service provider name from EF.SPN, or None when blank.

    A UCS2 name is decoded two bytes at a time up to the first FFFF pair: stripping FF
    bytes first would cut a last character whose low byte is FF (仿 is U+4EFF).
    """
    body = data[1:]
    if not body or is_blank(body):
        return None
    if body[0] == _UCS2_MARKER:
        chars: list[str] = []
        for index in range(1, len(body) - 1, 2):
            pair = body[index : index + 2]
            if pair == b"\xff\xff":
                break
            chars.append(pair.decode("utf-16-be"))
        return "".join(chars)
    return body.rstrip(b"\xff").decode("ascii", errors="replace")


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


# -- subscription files derived from the IMSI (TS 31.102 4.2, TS 24.008 10.5.1.3) ----------
AD_FILE_SIZE = 4
ACC_FILE_SIZE = 2
LOCI_FILE_SIZE = 11
PSLOCI_FILE_SIZE = 14
FPLMN_FILE_SIZE = 12
PLMN_ACT_ENTRY = 5
PLMNWACT_FILE_SIZE = 8 * PLMN_ACT_ENTRY
HPLMNWACT_FILE_SIZE = PLMN_ACT_ENTRY
SMSP_RECORD_TAIL = 28
# Access technology bits of a PLMNwAcT entry (TS 31.102 4.2.5): UTRAN, E-UTRAN, GSM.
ACT_ALL = bytes([0xC0, 0x80])
_THREE_DIGIT_MNC_MCCS = frozenset(range(310, 317))
_LAC_DELETED = b"\xff\xfe"
_LU_NOT_UPDATED = 0x01
_SMSP_SCA_PID_DCS = 0xF1  # parameter indicators: only SC address, PID and DCS present


def mnc_length(imsi: str) -> int:
    """Digits of the MNC inside an IMSI: 3 for the North American MCCs, 2 elsewhere."""
    _require_digits(imsi, "IMSI")
    return 3 if int(imsi[:3]) in _THREE_DIGIT_MNC_MCCS else 2


def encode_plmn(mcc: str, mnc: str) -> bytes:
    """3-byte PLMN identity: MCC2 MCC1, MNC3 MCC3, MNC2 MNC1 (F for a 2-digit MNC)."""
    _require_digits(mcc + mnc, "PLMN")
    if len(mcc) != 3 or len(mnc) not in (2, 3):
        raise ValueError("PLMN is a 3-digit MCC and a 2- or 3-digit MNC")
    mnc3 = mnc[2] if len(mnc) == 3 else "F"
    nibbles = (mcc[1] + mcc[0], mnc3 + mcc[2], mnc[1] + mnc[0])
    return bytes(int(pair, 16) for pair in nibbles)


def home_plmn(imsi: str) -> bytes:
    length = mnc_length(imsi)
    return encode_plmn(imsi[:3], imsi[3 : 3 + length])


def encode_ad(imsi: str) -> bytes:
    """EF.AD: normal operation, no additional information, the MNC length (TS 31.102 4.2.18)."""
    return bytes([0x00, 0x00, 0x00, mnc_length(imsi)])


def encode_acc(imsi: str) -> bytes:
    """EF.ACC: the access class is the last IMSI digit (TS 22.011 4.2), one bit of 16."""
    _require_digits(imsi, "IMSI")
    return (1 << int(imsi[-1])).to_bytes(ACC_FILE_SIZE, "big")


def encode_plmn_act_list(plmns: list[bytes], size: int) -> bytes:
    body = b"".join(plmn + ACT_ALL for plmn in plmns)
    if len(body) > size:
        raise ValueError(f"{len(plmns)} PLMNs do not fit in {size} bytes")
    return body.ljust(size, b"\xff")


def reset_loci(imsi: str) -> bytes:
    """EF.LOCI as deleted: no TMSI, the home PLMN with LAC FFFE, status not updated."""
    return b"\xff" * 4 + home_plmn(imsi) + _LAC_DELETED + b"\xff" + bytes([_LU_NOT_UPDATED])


def reset_psloci(imsi: str) -> bytes:
    """EF.PSLOCI as deleted: no P-TMSI nor signature, RAI home PLMN/FFFE/FF, not updated."""
    rai = home_plmn(imsi) + _LAC_DELETED + b"\xff"
    return b"\xff" * 7 + rai + bytes([_LU_NOT_UPDATED])


def encode_smsp(smsc: str, record_length: int) -> bytes:
    """One EF.SMSP record: no alpha identifier, the SMS centre address, PID 00, DCS 00."""
    if record_length < SMSP_RECORD_TAIL:
        raise ValueError(f"EF.SMSP record length {record_length} is too short")
    digits = smsc[1:] if smsc.startswith("+") else smsc
    _require_digits(digits, "SMS centre")
    if not 1 <= len(digits) <= 20:
        raise ValueError("SMS centre must have 1 to 20 digits")
    ton_npi = _TON_NPI_INTERNATIONAL if smsc.startswith("+") else _TON_NPI_UNKNOWN
    sca = bytes([1 + (len(digits) + 1) // 2, ton_npi]) + swap_nibbles_encode(digits, 10)
    tail = bytes([_SMSP_SCA_PID_DCS]) + b"\xff" * 12 + sca + b"\x00\x00\xff"
    return b"\xff" * (record_length - SMSP_RECORD_TAIL) + tail


def encode_adm(adm: str) -> bytes:
    """The ADM key as VERIFY data: 8 decimal digits as ASCII, or 16 hex digits as 8 bytes."""
    if len(adm) == 8 and adm.isascii() and adm.isdigit():
        return adm.encode("ascii")
    if len(adm) == 16:
        try:
            return bytes.fromhex(adm)
        except ValueError:
            pass
    raise ValueError("ADM key must be 8 decimal digits or 16 hexadecimal digits")
