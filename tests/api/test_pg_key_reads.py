"""PostgreSQL reads one document by key through the "tbl/key" hash index (migration 0010).

A b-tree read under SERIALIZABLE locks the leaf page it looked at, which the next keys of a
sequence share: the hash index locks the key's bucket instead, so that requests of unrelated
members stop failing each other. These tests hold the plan and the meaning of the key.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from branchdesk.clients.local.pg_store import BY_KEY, PgStore, open_pg_store


@pytest.fixture
def store(pg_url: str) -> Iterator[PgStore]:
    made = open_pg_store(pg_url)
    yield made
    made.close()


def test_a_read_by_key_uses_the_hash_index(store: PgStore, pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute("SET enable_seqscan = off")  # a tiny table: the plan of a big one
        plan = [row[0] for row in conn.execute("EXPLAIN " + BY_KEY, ("redemptions/R1",))]
    assert "documents_key_hash" in "\n".join(plan), plan


def test_keys_with_a_slash_name_one_document(store: PgStore) -> None:
    with store.transaction() as txn:
        txn.put("sim_cards", "a/b", {"n": 1})
        txn.put("sim_cards", "a", {"n": 2})
    assert store.get("sim_cards", "a/b") == {"n": 1}
    assert store.get("sim_cards", "a") == {"n": 2}
    assert store.get("sim_cards", "a/") is None
    with store.transaction() as txn:
        assert txn.get("sim_cards", "a/b") == {"n": 1}
    with pytest.raises(ValueError, match="bad table name"):
        store.get("sim/cards", "a")
