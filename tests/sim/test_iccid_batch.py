"""ICCID file parsing and range expansion (clients/iccid_batch.py)."""

from __future__ import annotations

import random

import pytest

from branchdesk.clients.iccid_batch import (
    BatchFileError,
    RangeError,
    check_digit,
    expand_range,
    iccid_problem,
    make_iccid,
    parse_file,
    range_size,
)
from branchdesk.clients.validators import luhn_check_digit, luhn_valid

GOOD20 = make_iccid("8986012601100000101")
GOOD19 = make_iccid("898601260110000010")


def test_check_digit_matches_the_reference_luhn() -> None:
    rng = random.Random(4)
    for _ in range(2000):
        body = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 21)))
        assert check_digit(body) == str(luhn_check_digit(body))
    assert luhn_valid(GOOD20) and luhn_valid(GOOD19)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (GOOD20, None),
        (GOOD19, None),
        (GOOD20[:-1] + str((int(GOOD20[-1]) + 1) % 10), "luhn"),
        (GOOD20[:18], "iccid_length"),
        (GOOD20 + "0", "iccid_length"),
        ("8986O12601100000101" + "3", "digits_only"),
        ("８９８６０１２６０１１０００００１０１３", "digits_only"),  # full-width digits
        (make_iccid("7986012601100000101"), "iccid_prefix"),
    ],
)
def test_iccid_problems(value: str, problem: str | None) -> None:
    assert iccid_problem(value) == problem


def test_file_with_bom_crlf_blank_lines_and_spaces() -> None:
    a, b = make_iccid("8986012601100000101"), make_iccid("8986012601100000102")
    data = ("\ufeff" + f"  {a}  \r\n\r\n\t{b}\r\n   \r\n{GOOD19}\r\n").encode("utf-8")
    parsed = parse_file(data)
    assert parsed.iccids == [a, b, GOOD19]
    assert parsed.lines == [1, 3, 5]
    assert parsed.bad == []
    assert parsed.ok


def test_every_bad_line_is_reported_by_number_and_reason() -> None:
    a = make_iccid("8986012601100000101")
    bad_luhn = a[:-1] + str((int(a[-1]) + 3) % 10)
    text = "\n".join([a, "12345", bad_luhn, "", "8986x12601100000101", a, GOOD19 + "99"])
    parsed = parse_file(text.encode())
    assert [(b.line, b.reason) for b in parsed.bad] == [
        (2, "iccid_length"),
        (3, "luhn"),
        (5, "digits_only"),
        (6, "duplicate"),
        (7, "iccid_length"),
    ]
    assert parsed.bad[3].first_line == 1
    assert parsed.iccids == [a]
    assert not parsed.ok


def test_not_utf8_is_refused_as_a_whole() -> None:
    with pytest.raises(BatchFileError) as err:
        parse_file("卡号".encode("gbk") + b"\n" + GOOD20.encode())
    assert err.value.code == "file_not_utf8"


def test_empty_file_is_not_ok() -> None:
    parsed = parse_file(b"\r\n  \r\n")
    assert parsed.iccids == [] and parsed.bad == [] and not parsed.ok


def test_range_walks_the_body_and_recomputes_check_digits() -> None:
    start, end = make_iccid("8986012601100000099"), make_iccid("8986012601100000102")
    cards = expand_range(start, end)
    assert cards == [
        make_iccid(f"89860126011000000{n:02d}")
        if n < 100
        else make_iccid(f"8986012601100000{n:03d}")
        for n in (99, 100, 101, 102)
    ]
    assert all(iccid_problem(c) is None for c in cards)
    assert expand_range(start, start) == [start]
    assert expand_range(GOOD19, GOOD19) == [GOOD19]


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (make_iccid("8986012601100000200"), make_iccid("8986012601100000100"), "range_reversed"),
        (make_iccid("8986012601100000000"), make_iccid("8986012601100100000"), "range_too_large"),
        (
            make_iccid("8986012601100000000"),
            make_iccid("8986022601100000001"),
            "range_prefix_mismatch",
        ),
        (GOOD19, GOOD20, "range_prefix_mismatch"),
        (GOOD20[:-1] + str((int(GOOD20[-1]) + 1) % 10), GOOD20, "range_start_invalid"),
        (GOOD20, GOOD20[:-1] + "x", "range_end_invalid"),
    ],
)
def test_range_refusals(start: str, end: str, code: str) -> None:
    with pytest.raises(RangeError) as err:
        range_size(start, end)
    assert err.value.code == code


def test_range_of_exactly_the_limit_is_allowed() -> None:
    start, end = make_iccid("8986012601100000000"), make_iccid("8986012601100099999")
    assert range_size(start, end) == 100_000
