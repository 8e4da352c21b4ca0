"""ICCID batches given as a text file or as a number range.

Shared by the screens (local preview with line numbers, before anything is sent) and the local
backend (the authority, which checks every ICCID again). Pure functions; the one file read
(``read_batch_file``) is bounded and refuses anything but a regular file.

Problem codes (translated by both catalogs): ``digits_only``, ``iccid_length``,
``iccid_prefix``, ``luhn``, ``duplicate``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

MAX_BATCH = 100_000
ICCID_LENGTHS = (19, 20)
ISSUER_PREFIX_LEN = 6  # "89" + country "86" + issuer "01"

_ZERO = ord("0")
# Luhn: every second digit from the right (the check digit excluded) is doubled, 9 subtracted.
_DOUBLED = bytes.maketrans(b"0123456789", bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))
_PLAIN = bytes.maketrans(b"0123456789", bytes(range(10)))


def check_digit(body: str) -> str:
    """The Luhn digit that completes ``body`` (ASCII digits only)."""
    raw = body.encode("ascii")
    total = sum(raw[::-1][::2].translate(_DOUBLED)) + sum(raw[::-1][1::2].translate(_PLAIN))
    return chr(_ZERO + (10 - total % 10) % 10)


def iccid_problem(value: str) -> str | None:
    """Why ``value`` is not an ICCID (a problem code), or None. ``value`` is already stripped."""
    if not (value.isascii() and value.isdigit()):
        return "digits_only"
    if len(value) not in ICCID_LENGTHS:
        return "iccid_length"
    if not value.startswith("89"):
        return "iccid_prefix"
    if check_digit(value[:-1]) != value[-1]:
        return "luhn"
    return None


@dataclass(frozen=True)
class BadLine:
    line: int
    text: str
    reason: str
    first_line: int | None = None
    """For ``duplicate``: the line where the ICCID first appeared."""


@dataclass
class ParsedFile:
    iccids: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    """The file line number of each ICCID in ``iccids``."""
    bad: list[BadLine] = field(default_factory=list)
    total_lines: int = 0

    @property
    def ok(self) -> bool:
        return not self.bad and bool(self.iccids)


class BatchFileError(ValueError):
    """The file as a whole cannot be read: not UTF-8 text, not a regular file, too big."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


MAX_FILE_BYTES = 8 * 1024 * 1024
"""100,000 ICCIDs of 20 digits with CRLF are 2.2 MB; 8 MB leaves room for spaces and notes."""
MAX_FILE_LINES = 200_000


def read_batch_file(
    path: str | os.PathLike[str],
    max_bytes: int = MAX_FILE_BYTES,
    max_lines: int = MAX_FILE_LINES,
) -> list[str]:
    """The lines of an ICCID file, refusing what could hang or exhaust memory.

    Only a regular file: a FIFO (opened without blocking, so no writer is waited for),
    ``/dev/zero`` or a terminal is refused before anything is read. At most ``max_bytes`` are
    read whatever the file claims its size is (``/proc`` files say 0). Blocking: call it from a
    thread.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise BatchFileError("file_not_regular")
        if info.st_size > max_bytes:
            raise BatchFileError("file_too_big", mb=max_bytes // (1024 * 1024))
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise BatchFileError("file_too_big", mb=max_bytes // (1024 * 1024))
    lines = decode_file(data).splitlines()
    if len(lines) > max_lines:
        raise BatchFileError("file_too_many_lines", n=len(lines), max=max_lines)
    return lines


def decode_file(data: bytes) -> str:
    """UTF-8 text, with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BatchFileError("file_not_utf8") from None


def parse_lines(
    lines: Iterable[str],
    start_line: int = 1,
    into: ParsedFile | None = None,
    seen: dict[str, int] | None = None,
) -> ParsedFile:
    """Check lines of an ICCID file; blank lines and surrounding spaces are tolerated.

    ``into``/``seen`` let a caller parse a big file in chunks (to show progress, or cancel).
    """
    result = into if into is not None else ParsedFile()
    seen = seen if seen is not None else {}
    number = start_line - 1
    for number, raw in enumerate(lines, start=start_line):
        text = raw.strip()
        if not text:
            continue
        problem = iccid_problem(text)
        if problem is not None:
            result.bad.append(BadLine(number, text[:40], problem))
            continue
        first = seen.get(text)
        if first is not None:
            result.bad.append(BadLine(number, text, "duplicate", first))
            continue
        seen[text] = number
        result.iccids.append(text)
        result.lines.append(number)
    result.total_lines = max(result.total_lines, number)
    return result


def parse_file(data: bytes) -> ParsedFile:
    parsed = parse_lines(decode_file(data).splitlines())
    if len(parsed.iccids) > MAX_BATCH:
        parsed.bad.append(BadLine(parsed.lines[MAX_BATCH], parsed.iccids[MAX_BATCH], "too_many"))
    return parsed


def clean_iccid(text: str) -> str:
    """An ICCID as typed or pasted: spaces (also full-width) and tabs between digit groups go."""
    return "".join(text.split())


def complete_range_end(start: str, end: str) -> str:
    """The range's end ICCID: an end one digit shorter than the start is taken as the body
    without its check digit, which is computed (clerks type the number printed on the card
    body, not the check digit)."""
    start, end = clean_iccid(start), clean_iccid(end)
    if (
        end.isascii()
        and end.isdigit()
        and len(end) == len(start) - 1
        and len(start) in ICCID_LENGTHS
    ):
        return end + check_digit(end)
    return end


class RangeError(ValueError):
    """A range that cannot be expanded; ``code`` and ``params`` for the message catalogs."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def range_size(start: str, end: str, limit: int = MAX_BATCH) -> int:
    """Validate a range (start and end ICCIDs, inclusive) and return how many cards it spans."""
    start, end = start.strip(), end.strip()
    for which, value in (("start", start), ("end", end)):
        problem = iccid_problem(value)
        if problem is not None:
            raise RangeError(f"range_{which}_invalid", reason=problem, value=value)
    if len(start) != len(end) or start[:ISSUER_PREFIX_LEN] != end[:ISSUER_PREFIX_LEN]:
        raise RangeError("range_prefix_mismatch", start=start, end=end)
    count = int(end[:-1]) - int(start[:-1]) + 1
    if count < 1:
        raise RangeError("range_reversed", start=start, end=end)
    if count > limit:
        raise RangeError("range_too_large", count=count, limit=limit)
    return count


def iter_range(start: str, end: str, limit: int = MAX_BATCH) -> Iterator[str]:
    """Every ICCID from ``start`` to ``end``: the body counts up, the check digit is recomputed."""
    start, end = start.strip(), end.strip()
    count = range_size(start, end, limit)
    width = len(start) - 1
    first = int(start[:-1])
    for n in range(first, first + count):
        body = str(n).zfill(width)
        yield body + check_digit(body)


def expand_range(start: str, end: str, limit: int = MAX_BATCH) -> list[str]:
    return list(iter_range(start, end, limit))


def make_iccid(body: str) -> str:
    """A complete ICCID from its body (all digits but the check digit)."""
    return body + check_digit(body)
