"""SIM file encodings: known vectors, round trips and blank detection."""

from __future__ import annotations

import pytest

from branchdesk.devices import encoding
from branchdesk.devices.profile import SimProfile

ICCID_20 = "89860070310112094320"
ICCID_20_BYTES = bytes.fromhex("98 68 00 07 13 10 21 90 34 02")
IMSI = "460001234567890"
IMSI_BYTES = bytes.fromhex("08 49 06 00 21 43 65 87 09")


def test_iccid_known_vector_encodes() -> None:
    assert encoding.encode_iccid(ICCID_20) == ICCID_20_BYTES


def test_iccid_known_vector_decodes() -> None:
    assert encoding.decode_iccid(ICCID_20_BYTES) == ICCID_20


def test_imsi_known_vector_encodes() -> None:
    assert encoding.encode_imsi(IMSI) == IMSI_BYTES


def test_imsi_known_vector_decodes() -> None:
    assert encoding.decode_imsi(IMSI_BYTES) == IMSI


def test_19_digit_iccid_is_padded_with_f() -> None:
    data = encoding.encode_iccid(ICCID_20[:19])
    assert data == bytes.fromhex("98 68 00 07 13 10 21 90 34 F2")
    assert encoding.decode_iccid(data) == ICCID_20[:19]


@pytest.mark.parametrize(
    "iccid", ["8986011234567890123", "89860112345678901234", "8901410321111851072"]
)
def test_iccid_round_trip(iccid: str) -> None:
    assert encoding.decode_iccid(encoding.encode_iccid(iccid)) == iccid


@pytest.mark.parametrize(
    ("imsi", "content"),
    [
        ("460011234567890", "08 49 06 10 21 43 65 87 09"),
        # 14 digits: even parity, the last byte's high nibble is the F filler.
        ("46001123456789", "08 41 06 10 21 43 65 87 F9"),
        ("001010", "04 01 10 10 F0 FF FF FF FF"),
    ],
)
def test_imsi_parity_and_padding(imsi: str, content: str) -> None:
    data = encoding.encode_imsi(imsi)
    assert data == bytes.fromhex(content)
    assert encoding.decode_imsi(data) == imsi


def test_all_ff_files_decode_as_blank() -> None:
    assert encoding.is_blank(b"\xff" * 9)
    assert not encoding.is_blank(IMSI_BYTES)
    assert encoding.decode_imsi(b"\xff" * 9) is None
    assert encoding.decode_iccid(b"\xff" * 10) is None
    assert encoding.decode_spn(b"\xff" * 17) is None
    assert encoding.decode_msisdn(b"\xff" * 14) is None


@pytest.mark.parametrize(
    "content",
    [
        "08 4A 06 00 21 43 65 87 09",  # type of identity 2, not IMSI
        "08 41 06 00 21 43 65 87 09",  # even parity bit with 15 digits
        "09 49 06 00 21 43 65 87 09",  # length beyond the file
        "08 49 06 00 21 4C 65 87 09",  # a non-decimal nibble
    ],
)
def test_corrupt_imsi_is_rejected(content: str) -> None:
    with pytest.raises(ValueError):
        encoding.decode_imsi(bytes.fromhex(content))


@pytest.mark.parametrize("bad", ["8986", "898600703101120943201", "8986007031011209432X", ""])
def test_invalid_iccid_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        encoding.encode_iccid(bad)


@pytest.mark.parametrize("bad", ["46000", "4600012345678901", "46000123456789a"])
def test_invalid_imsi_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        encoding.encode_imsi(bad)


def test_luhn() -> None:
    assert encoding.luhn_check_digit(ICCID_20[:-1]) == ICCID_20[-1]
    assert encoding.luhn_valid(ICCID_20)
    assert not encoding.luhn_valid(ICCID_20[:-1] + "1")
    assert encoding.luhn_check_digit("7992739871") == "3"  # ISO/IEC 7812 example


def test_spn_gsm_alphabet_and_ucs2() -> None:
    assert encoding.encode_spn("CU") == bytes.fromhex("01 43 55") + b"\xff" * 14
    chinese = encoding.encode_spn("中国联通")
    assert chinese[:2] == bytes.fromhex("01 80")
    assert chinese[2:10] == "中国联通".encode("utf-16-be")
    assert encoding.decode_spn(chinese) == "中国联通"
    with pytest.raises(ValueError):
        encoding.encode_spn("中国联通中国联通")  # 17 bytes do not fit in 16


def test_msisdn_record() -> None:
    record = encoding.encode_msisdn("+8613012345678", 14)
    assert record == bytes.fromhex("08 91 68 31 10 32 54 76 F8 FF FF FF FF FF")
    assert encoding.decode_msisdn(record) == "+8613012345678"
    with_alpha = encoding.encode_msisdn("13012345678", 20)
    assert with_alpha[:6] == b"\xff" * 6
    assert encoding.decode_msisdn(with_alpha) == "13012345678"


def test_keys_must_be_16_bytes_of_hex() -> None:
    assert encoding.encode_key("00" * 16) == bytes(16)
    for bad in ("00" * 15, "zz" * 16):
        with pytest.raises(ValueError):
            encoding.encode_key(bad)


def test_profile_validates_and_hides_keys() -> None:
    profile = SimProfile(ICCID_20, IMSI, "11" * 16, "22" * 16, "88888888")
    assert "11111111" not in repr(profile)
    assert "88888888" not in repr(profile)
    with pytest.raises(ValueError):
        SimProfile(ICCID_20, IMSI, "11" * 16, "22" * 16, "8888")
    with pytest.raises(ValueError):
        SimProfile(ICCID_20, IMSI, "11" * 15, "22" * 16, "88888888")


def test_profile_checks_the_iccid_luhn_digit() -> None:
    # Issue 16: 89860126011000003531 was encoded and accepted although its last digit is wrong.
    with pytest.raises(ValueError, match="Luhn"):
        SimProfile("89860126011000003531", IMSI, "11" * 16, "22" * 16, "88888888")
    SimProfile(
        "89860126011000003531"[:-1] + encoding.luhn_check_digit("8986012601100000353"),
        IMSI,
        "11" * 16,
        "22" * 16,
        "88888888",
    )


def test_spn_whose_last_ucs2_low_byte_is_ff_reads_back() -> None:
    # Issue 16: 仿 is U+4EFF; stripping FF bytes before decoding cut it off.
    for name in ("仿", "中国仿", "仿仿仿仿仿仿仿"):
        assert encoding.decode_spn(encoding.encode_spn(name)) == name


def test_adm_in_decimal_or_hex() -> None:
    assert encoding.encode_adm("88888888") == b"88888888"
    assert encoding.encode_adm("0102030405060708") == bytes(range(1, 9))
    for bad in ("8888", "88888888888", "01020304050607GG", "８８８８８８８８"):
        with pytest.raises(ValueError):
            encoding.encode_adm(bad)
    SimProfile(ICCID_20, IMSI, "11" * 16, "22" * 16, "A1B2C3D4E5F60718")


def test_subscription_files_derived_from_the_imsi() -> None:
    assert encoding.encode_plmn("460", "01") == bytes.fromhex("64F010")
    assert encoding.encode_plmn("310", "410") == bytes.fromhex("130014")
    assert encoding.encode_ad("460012200000001") == bytes.fromhex("00000002")
    assert encoding.encode_ad("310410123456789") == bytes.fromhex("00000003")
    assert encoding.encode_acc("460012200000001") == bytes.fromhex("0002")  # class 1
    assert encoding.encode_acc("460012200000009") == bytes.fromhex("0200")  # class 9
    assert encoding.reset_loci("460012200000001") == bytes.fromhex("FFFFFFFF64F010FFFEFF01")
