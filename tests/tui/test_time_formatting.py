"""Every time a person sees goes through ``tui/timefmt.py``: no screen formats one itself."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import branchdesk
from branchdesk.tui import timefmt

ROOT = Path(branchdesk.__file__).parent
SCANNED = ("screens", "tui")
ALLOWED = {ROOT / "tui" / "timefmt.py"}
# Ways a screen used to turn a server stamp into text on its own: ``isoformat``/``strftime``
# (formatting), ``fromisoformat``/``strptime`` (parsing a stamp to re-format it), slicing an ISO
# stamp (``[:16]``, ``[:10]``, ``[11:]``, ``[5:]``), dropping its ``T``, ``datetime.now()`` in
# the machine's zone instead of the configured one.
AD_HOC = re.compile(
    r"\.isoformat\(|\.strftime\(|\bstrptime\(|\bfromisoformat\(|\butcnow\("
    r"|datetime\.now\(\)|\[:1[0-9]\]|\[1[0-9]:1?[0-9]?\]|\[5:\]"
    r"""|\.(?:replace|split|partition)\(\s*["']T["']"""
)


def sources() -> list[Path]:
    found = [p for area in SCANNED for p in sorted((ROOT / area).rglob("*.py"))]
    return [p for p in found if p not in ALLOWED]


def test_the_scan_flags_what_the_screens_used_to_do() -> None:
    for line in (
        "return timefmt.when_seconds(value)[11:]",
        '_local(order["created_at"])[5:]',
        'time=at.strftime("%H:%M")',
        'datetime.now().strftime("%Y%m%d")',
        'value.replace("T", " ")[:16]',
        "date.fromisoformat(text)",
        "moment.isoformat()",
    ):
        assert AD_HOC.search(line), line
    assert not AD_HOC.search("timefmt.when(order['created_at'])")


def test_no_screen_or_tui_module_formats_a_time_itself() -> None:
    files = sources()
    assert len(files) > 60
    bad = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if AD_HOC.search(code):
                bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bad, "format times through tui/timefmt.py:\n" + "\n".join(bad)


@pytest.fixture
def shanghai() -> object:
    timefmt.set_zone("Asia/Shanghai")
    yield
    timefmt.set_zone(None)


@pytest.mark.usefixtures("shanghai")
def test_helpers_show_local_time() -> None:
    stamp = "2026-12-01T20:06:02+00:00"
    assert timefmt.when(stamp) == "2026-12-02 04:06"
    assert timefmt.when_short(stamp) == "12-02 04:06"
    assert timefmt.clock_seconds(stamp) == "04:06:02"
    assert timefmt.stamp(datetime(2026, 12, 1, 20, 6, 2, 5, tzinfo=UTC)) == "20261202-040602-000005"
    assert timefmt.stamp(datetime(2026, 12, 1, 20, 6, 2, tzinfo=UTC), micro=False) == (
        "20261202-040602"
    )
    assert timefmt.day_start_utc(date(2026, 12, 2)) == "2026-12-01T16:00:00+00:00"


def test_parse_day_takes_only_full_dates() -> None:
    assert timefmt.parse_day(" 2026-12-02 ") == date(2026, 12, 2)
    for text in ("6-12-01", "20261202", "2026-13-01", "2026-1-2", ""):
        assert timefmt.parse_day(text) is None, text
