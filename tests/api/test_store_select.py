"""Store.select and Store.tally: the same answers from memory and from PostgreSQL.

Reports, the shift list and the stock overview ask the store for a slice instead of scanning
a table in Python; the shared database answers from indexes (migration 0004).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from branchdesk.clients.local.pg_store import open_pg_store
from branchdesk.clients.local.store import MemoryStore, Store

ROWS = [
    {"id": "R1", "who": "k001", "status": "settled", "at": "2026-12-01T01:00:00+00:00"},
    {"id": "R2", "who": "k002", "status": "settled", "at": "2026-12-01T02:00:00+00:00"},
    {"id": "R3", "who": "k001", "status": "pending_otp", "at": "2026-12-01T03:00:00+00:00"},
    {"id": "R4", "who": "k001", "status": "settled", "at": "2026-12-02T01:00:00.5+00:00"},
    {"id": "R5", "who": "k001", "status": "settled", "at": None},
]


@pytest.fixture(params=["embedded", "postgres"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    made: Any
    if request.param == "postgres":
        made = open_pg_store(request.getfixturevalue("pg_url"))
    else:
        made = MemoryStore()
    with made.transaction() as txn:
        for row in ROWS:
            txn.put("redemptions", row["id"], row)
    yield made
    made.close()


def _ids(docs: list[dict[str, Any]]) -> list[str]:
    return [d["id"] for d in docs]


def test_select_filters_by_equality_and_a_half_open_range(store: Store) -> None:
    found = store.select(
        "redemptions",
        where={"who": "k001", "status": "settled"},
        field="at",
        lo="2026-12-01T00:00:00+00:00",
        hi="2026-12-03T00:00:00+00:00",
    )
    assert _ids(found) == ["R1", "R4"]  # R5 has no time: never in a range
    upto = store.select("redemptions", field="at", hi="2026-12-01T02:00:00+00:00")
    assert _ids(upto) == ["R1"]  # the upper bound is excluded


def test_select_orders_newest_first_and_limits(store: Store) -> None:
    newest = store.select("redemptions", field="at", newest_first=True, limit=2)
    assert _ids(newest) == ["R4", "R3"]
    assert _ids(store.select("redemptions", where={"who": "nobody"})) == []
    assert sorted(_ids(store.select("redemptions"))) == ["R1", "R2", "R3", "R4", "R5"]


def test_select_inside_a_transaction_sees_its_own_writes(store: Store) -> None:
    with store.transaction() as txn:
        txn.put("redemptions", "R6", {**ROWS[0], "id": "R6", "at": "2026-12-05T00:00:00+00:00"})
        found = store.select("redemptions", field="at", lo="2026-12-05T00:00:00+00:00")
        assert _ids(found) == ["R6"]


def test_tally_counts_each_combination(store: Store) -> None:
    counts = store.tally("redemptions", ("who", "status"))
    assert counts == {
        ("k001", "settled"): 3,
        ("k002", "settled"): 1,
        ("k001", "pending_otp"): 1,
    }
    assert store.tally("nothing_here", ("who",)) == {}


def test_select_and_count_range_over_many_rows_after_writes(store: Store) -> None:
    """Past a few hundred candidates the embedded store answers from an ordered index kept up
    to date on every write: the same rows, in the same order, as filtering and sorting."""
    import random

    rng = random.Random(18)
    rows: dict[str, dict[str, Any]] = {}

    def at() -> str | None:
        return (
            None
            if rng.random() < 0.05
            else f"2026-12-{rng.randrange(1, 28):02d}T0{rng.randrange(10)}:00:00+00:00"
        )

    def write(count: int) -> None:
        with store.transaction() as txn:
            for _ in range(count):
                key = f"M{rng.randrange(1500):05d}"
                if key in rows and rng.random() < 0.2:
                    txn.delete("many", key)
                    del rows[key]
                    continue
                doc = {"id": key, "status": rng.choice(["a", "b"]), "at": at()}
                txn.put("many", key, doc)
                rows[key] = doc

    def expected(where: dict[str, Any], lo: str | None, hi: str | None) -> list[str]:
        found = [
            d
            for d in rows.values()
            if all(d.get(f) == v for f, v in where.items())
            and d["at"] is not None
            and (lo is None or d["at"] >= lo)
            and (hi is None or d["at"] < hi)
        ]
        return [d["id"] for d in sorted(found, key=lambda d: (d["at"], d["id"]))]

    write(2000)
    for round_ in range(3):
        store.select("many", where={"status": "a"}, field="at")  # builds the ordered index
        store.select("many", field="at")
        write(300)
        for where in ({}, {"status": "a"}):
            for lo, hi in ((None, None), ("2026-12-05", "2026-12-20"), (None, "2026-12-10")):
                want = expected(where, lo, hi)
                got = store.select("many", where=where, field="at", lo=lo, hi=hi)
                assert _ids(got) == want, (round_, where, lo, hi)
                newest = store.select(
                    "many", where=where, field="at", lo=lo, hi=hi, newest_first=True, limit=15
                )
                assert _ids(newest) == want[::-1][:15]
                count = store.count_range("many", where=where, field="at", lo=lo, hi=hi)
                assert count == len(want)
