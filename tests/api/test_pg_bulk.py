"""PostgreSQL's set-based batch calls give what the document-by-document calls give.

A 100,000-card SIM batch reads its cards with ``get_fields`` (a few string fields as text)
and moves them with ``patch_many`` and ``put_each`` (one statement each). Each is checked
against the plain ``get``/``put`` it stands for, inside a transaction that has already read
and buffered writes of the same table, and after the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from branchdesk.clients.local.pg_store import PgStore, open_pg_store

CARDS = [
    {"iccid": f"C{n}", "state": "in_stock", "loc_id": "W1", "batch": "B0", "note": f"n{n}"}
    for n in range(1, 6)
]


@pytest.fixture
def store(pg_url: str) -> Iterator[PgStore]:
    made = open_pg_store(pg_url)
    with made.transaction() as txn:
        for card in CARDS:
            txn.put("sim_cards", card["iccid"], card)
    yield made
    made.close()


def test_patch_many_writes_what_a_loop_of_puts_writes(store: PgStore) -> None:
    patch = {"state": "picked_up", "loc_id": "A1", "batch": "B1"}
    with store.transaction() as txn:
        assert txn.get("sim_cards", "C1") == CARDS[0]  # remembered by the transaction
        txn.put("sim_cards", "C2", {**CARDS[1], "note": "buffered"})  # not sent yet
        count = txn.patch_many("sim_cards", ["C1", "C2", "C3", "missing"], patch)
        assert count == 3  # a key with no document is not created
        assert txn.get("sim_cards", "C1") == {**CARDS[0], **patch}  # not the remembered one
        assert txn.get("sim_cards", "C2") == {**CARDS[1], "note": "buffered", **patch}
    assert store.get("sim_cards", "C3") == {**CARDS[2], **patch}
    assert store.get("sim_cards", "C4") == CARDS[3]
    assert store.get("sim_cards", "missing") is None


def test_put_each_writes_a_document_per_key(store: PgStore) -> None:
    common: dict[str, Any] = {"batch": "B1", "from": "warehouse:W1", "count": 2, "at": None}
    with store.transaction() as txn:
        txn.put("sim_moves", "B1:C1", {"old": True})
        assert txn.get("sim_moves", "B1:C2") is None  # remembered as missing
        txn.put_each("sim_moves", ["C1", "C2"], "B1:", common, "iccid")
        assert txn.get("sim_moves", "B1:C2") == {**common, "iccid": "C2"}
        assert store.lookup("sim_moves", "iccid", "C1") == [{**common, "iccid": "C1"}]
    assert store.get("sim_moves", "B1:C1") == {**common, "iccid": "C1"}  # replaced, as put


def test_get_fields_gives_the_fields_or_the_whole_document(store: PgStore) -> None:
    with store.transaction() as txn:
        txn.put("sim_cards", "C6", {"iccid": "C6", "state": 7, "loc_id": "W1"})  # not a string
        txn.put("sim_cards", "C7", {"iccid": "C7", "loc_id": "W1"})  # no state
        txn.put("sim_cards", "C5", {**CARDS[4], "state": "written"})  # buffered
        txn.flush()
        txn.put("sim_cards", "C5", {**CARDS[4], "state": "activated"})
        found = store.get_fields(
            "sim_cards", ["C1", "C5", "C6", "C7", "missing"], ("iccid", "state", "loc_id")
        )
    assert found == {
        "C1": {"iccid": "C1", "state": "in_stock", "loc_id": "W1"},
        "C5": {**CARDS[4], "state": "activated"},  # this transaction's own write
        "C6": {"iccid": "C6", "state": 7, "loc_id": "W1"},
        "C7": {"iccid": "C7", "loc_id": "W1"},
    }
    assert store.get_fields("sim_cards", ["C2"], ("note",)) == {"C2": {"note": "n2"}}
