"""The grouped redemption reports on PostgreSQL read ``redemption_totals`` (migration 0008),
kept by triggers in the transaction of every change: they must give what summing the settled
redemptions themselves gives, after settles, reversals, deletes, rolled-back attempts, bulk
SQL, and for redemptions stored before the migration."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest

from branchdesk.clients.local import pg_store
from branchdesk.clients.local.pg_store import PgStore, open_pg_store

LO, HI = "2026-11-30T16:00:00+00:00", "2026-12-03T16:00:00+00:00"  # 12-01..12-03 at UTC+8


def _redemption(n: int, status: str = "settled", hour: int = 3) -> dict[str, Any]:
    day = 1 + n % 3
    return {
        "id": f"R{n:08d}",
        "member_id": f"M{n % 5:06d}",
        "points": 10 + n,
        "amount": f"{(10 + n) / 100:.2f}",
        "channel": ["pos", "app"][n % 2],
        "institution_id": ["52230101", "52230102"][n % 3 % 2],
        "status": status,
        "settled_at": f"2026-12-0{day}T{hour + n % 20:02d}:{n % 60:02d}:00+00:00",
    }


def _expected(docs: list[dict[str, Any]], channel: str | None = None) -> dict[str, Any]:
    """The summary as summing the settled redemptions in the range gives it (UTC+8 days)."""
    from datetime import datetime, timedelta

    chosen = [
        d
        for d in docs
        if d["status"] == "settled"
        and LO <= d["settled_at"] < HI
        and (channel is None or d["channel"] == channel)
    ]
    groups: dict[str, list[dict[str, Any]]] = {}
    daily: dict[Any, int] = {}
    for d in chosen:
        groups.setdefault(d["channel"], []).append(d)
        day = (datetime.fromisoformat(d["settled_at"]) + timedelta(hours=8)).date()
        daily[day] = daily.get(day, 0) + d["points"]

    def figures(rows: list[dict[str, Any]]) -> list[Any]:
        return [
            len({r["member_id"] for r in rows}),
            sum(r["points"] for r in rows),
            sum((Decimal(r["amount"]) for r in rows), Decimal("0.00")),
            len(rows),
        ]

    return {
        "groups": [[key, *figures(rows)] for key, rows in sorted(groups.items())],
        "totals": figures(chosen),
        "daily": daily,
    }


def _summary(store: PgStore, channel: str | None = None) -> dict[str, Any]:
    found = store.redemption_summary(LO, HI, 8, ("channel",), None, channel)
    return {
        "groups": [[g[0], int(g[1]), int(g[2]), Decimal(g[3]), int(g[4])] for g in found["groups"]],
        "totals": [
            int(found["totals"][0]),
            int(found["totals"][1]),
            Decimal(found["totals"][2]),
            int(found["totals"][3]),
        ],
        "daily": found["daily"],
    }


def test_totals_follow_settles_reversals_deletes_and_rollbacks(pg_url: str) -> None:
    store = open_pg_store(pg_url)
    try:
        docs = {f"R{n:08d}": _redemption(n) for n in range(60)}
        docs["R00000061"] = _redemption(61, status="pending_otp")
        with store.transaction() as txn:
            for key, doc in docs.items():
                txn.put("redemptions", key, doc)
        assert _summary(store) == _expected(list(docs.values()))
        with store.transaction() as txn:  # a settle, a reversal, a delete, a rewrite
            docs["R00000061"] = {
                **docs["R00000061"],
                "status": "settled",
                "settled_at": "2026-12-02T01:00:00+00:00",
            }
            docs["R00000007"] = {**docs["R00000007"], "status": "reversed"}
            txn.put("redemptions", "R00000061", docs["R00000061"])
            txn.put("redemptions", "R00000007", docs["R00000007"])
            txn.put("redemptions", "R00000008", docs["R00000008"])
            txn.delete("redemptions", "R00000009")
            del docs["R00000009"]
        assert _summary(store) == _expected(list(docs.values()))
        assert _summary(store, "app") == _expected(list(docs.values()), "app")
        with pytest.raises(RuntimeError), store.transaction() as txn:  # rolled back: no trace
            txn.put("redemptions", "R00000099", _redemption(99))
            txn.flush()
            raise RuntimeError("undone")
        assert _summary(store) == _expected(list(docs.values()))
        with psycopg.connect(pg_url, autocommit=True) as conn:  # bulk SQL counts as well
            conn.execute(
                "INSERT INTO documents (tbl, key, doc) SELECT 'redemptions', 'RB' || g, "
                "d.doc || jsonb_build_object('id', 'RB' || g) FROM documents d, "
                "generate_series(1, 3) g WHERE d.tbl = 'redemptions' AND d.key = 'R00000010'"
            )
        docs.update({f"RB{g}": {**docs["R00000010"], "id": f"RB{g}"} for g in (1, 2, 3)})
        assert _summary(store) == _expected(list(docs.values()))
    finally:
        store.close()


def test_the_migration_counts_the_redemptions_stored_before_it(pg_url: str) -> None:
    docs = [_redemption(n) for n in range(40)] + [_redemption(40, status="reversed")]
    with psycopg.connect(pg_url, autocommit=True) as conn:  # the schema as version 7 left it
        conn.execute("DROP TABLE redemption_totals")
        conn.execute("DROP FUNCTION redemption_totals_change() CASCADE")
        conn.execute("DROP FUNCTION redemption_totals_hour(jsonb)")
        conn.execute("DROP INDEX documents_apps_status_due")
        conn.execute("DROP INDEX documents_key_hash")
        conn.execute("DELETE FROM schema_version WHERE version >= 8")
        for doc in docs:
            conn.execute(
                "INSERT INTO documents (tbl, key, doc) VALUES ('redemptions', %s, %s)",
                (doc["id"], psycopg.types.json.Jsonb(doc)),
            )
    assert pg_store.upgrade(pg_url) == [8, 9, 10]
    store = open_pg_store(pg_url)
    try:
        assert _summary(store) == _expected(docs)
        assert store.count("redemptions") == len(docs)
    finally:
        store.close()
