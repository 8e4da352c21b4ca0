"""The store: durable commits, crash safety, corruption refused untouched, one owner at a time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from branchdesk.clients.local.store import (
    JOURNAL_NAME,
    SNAPSHOT_NAME,
    FileStore,
    MemoryStore,
    StoreCorrupt,
    StoreLocked,
)
from support.store import damaged_copies, put


def test_committed_writes_survive_a_restart(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    put(store, "cards", "1", {"state": "in_stock"})
    put(store, "cards", "1", {"state": "picked_up"})
    with store.transaction() as txn:
        txn.put("cards", "2", {"state": "in_stock"})
        txn.delete("cards", "2")
    store.close()
    reopened = FileStore(tmp_path)
    assert reopened.get("cards", "1") == {"state": "picked_up"}
    assert reopened.get("cards", "2") is None
    reopened.close()


def test_a_process_killed_without_close_loses_no_commit(tmp_path: Path) -> None:
    script = (
        "import os, sys\n"
        "from branchdesk.clients.local.store import FileStore\n"
        f"s = FileStore({str(tmp_path)!r})\n"
        "for i in range(50):\n"
        "    with s.transaction() as t:\n"
        "        t.put('rows', str(i), {'i': i})\n"
        "os._exit(0)\n"  # no close(): no compaction, the journal alone must carry the data
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert (tmp_path / JOURNAL_NAME).stat().st_size > 0
    store = FileStore(tmp_path)
    assert store.count("rows") == 50
    store.close()


def test_commit_appends_to_the_journal_and_does_not_rewrite_the_snapshot(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    put(store, "rows", "a", {"v": 1})
    snapshot_before = (tmp_path / SNAPSHOT_NAME).stat()
    for i in range(20):
        put(store, "rows", str(i), {"v": i})
    assert (tmp_path / SNAPSHOT_NAME).stat().st_mtime_ns == snapshot_before.st_mtime_ns
    assert len((tmp_path / JOURNAL_NAME).read_bytes().splitlines()) == 21
    store.close()
    assert (tmp_path / JOURNAL_NAME).read_bytes() == b""
    assert json.loads((tmp_path / SNAPSHOT_NAME).read_text())["rows"]["19"] == {"v": 19}


def test_a_torn_last_journal_line_is_dropped_reported_and_kept_aside(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    put(store, "rows", "kept", {"v": 1})
    store.abandon()  # a crash: no compaction
    with open(tmp_path / JOURNAL_NAME, "ab") as fh:
        fh.write(b'1234abcd\t[["put","rows","lost",{"v"')
    damaged = (tmp_path / JOURNAL_NAME).read_bytes()
    reopened = FileStore(tmp_path)
    assert reopened.get("rows", "kept") == {"v": 1}
    assert reopened.get("rows", "lost") is None
    problems = reopened.health()["problems"]
    assert len(problems) == 1 and "torn last journal line" in problems[0]
    copies = damaged_copies(tmp_path)
    assert len(copies) == 1 and copies[0].read_bytes() == damaged
    assert str(copies[0]) in problems[0]
    reopened.close()


def test_a_damaged_journal_entry_in_the_middle_is_refused(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    store.close()
    journal = tmp_path / JOURNAL_NAME
    journal.write_bytes(b'deadbeef\t[["put","rows","x",{}]]\n00000000\t[]\n')
    before = journal.read_bytes()
    with pytest.raises(StoreCorrupt) as err:
        FileStore(tmp_path)
    assert err.value.path == journal
    assert "line 1" in err.value.reason
    assert journal.read_bytes() == before


@pytest.mark.parametrize(
    "content", [b"", b"{not json", b'{"rows": {"1": {"v": 1}', b'["a list"]', b"\xff\xfe"]
)
def test_a_corrupt_or_truncated_snapshot_is_refused_and_left_untouched(
    tmp_path: Path, content: bytes
) -> None:
    snapshot = tmp_path / SNAPSHOT_NAME
    snapshot.write_bytes(content)
    with pytest.raises(StoreCorrupt) as err:
        FileStore(tmp_path)
    assert err.value.path == snapshot
    assert snapshot.read_bytes() == content
    # The refusal released the lock: after a repair the store opens.
    snapshot.unlink()
    FileStore(tmp_path).close()


def test_a_second_process_is_refused_with_the_file_named(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    script = (
        "from branchdesk.clients.local.store import FileStore, StoreLocked\n"
        "try:\n"
        f"    FileStore({str(tmp_path)!r})\n"
        "except StoreLocked as e:\n"
        "    print('LOCKED', e.path)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == f"LOCKED {tmp_path / SNAPSHOT_NAME}"
    store.close()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.strip() == ""


def test_a_second_opening_in_the_same_process_is_refused(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    with pytest.raises(StoreLocked):
        FileStore(tmp_path)
    store.close()


def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    put(store, "rows", "a", {"v": 1})
    with pytest.raises(RuntimeError), store.transaction() as txn:
        txn.put("rows", "a", {"v": 2})
        txn.put("rows", "b", {"v": 3})
        txn.delete("rows", "a")
        raise RuntimeError("rule refused")
    assert store.get("rows", "a") == {"v": 1}
    assert store.get("rows", "b") is None
    store.close()
    reopened = FileStore(tmp_path)
    assert reopened.get("rows", "a") == {"v": 1}
    assert reopened.get("rows", "b") is None
    reopened.close()


def test_nested_transactions_join_the_outer_one() -> None:
    store = MemoryStore()
    with pytest.raises(RuntimeError), store.transaction() as outer:
        outer.put("rows", "a", {"v": 1})
        with store.transaction() as inner:
            assert inner is outer
            inner.put("rows", "b", {"v": 2})
        raise RuntimeError
    assert store.count("rows") == 0


def test_indexed_lookup_follows_writes_and_rollbacks() -> None:
    store = MemoryStore()
    put(store, "cards", "1", {"state": "in_stock"})
    put(store, "cards", "2", {"state": "in_stock"})
    assert {d["state"] for d in store.lookup("cards", "state", "in_stock")} == {"in_stock"}
    assert len(store.lookup("cards", "state", "in_stock")) == 2
    put(store, "cards", "1", {"state": "picked_up"})
    assert len(store.lookup("cards", "state", "in_stock")) == 1
    assert len(store.lookup("cards", "state", "picked_up")) == 1
    with pytest.raises(RuntimeError), store.transaction() as txn:
        txn.put("cards", "2", {"state": "picked_up"})
        raise RuntimeError
    assert len(store.lookup("cards", "state", "in_stock")) == 1


def test_counters_are_persisted(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    with store.transaction() as txn:
        assert txn.next_id("batch") == 1
        assert txn.next_id("batch") == 2
    store.close()
    store = FileStore(tmp_path)
    with store.transaction() as txn:
        assert txn.next_id("batch") == 3
    store.close()


def test_the_snapshot_is_a_tinydb_database(tmp_path: Path) -> None:
    from tinydb import TinyDB

    store = FileStore(tmp_path)
    put(store, "rows", "1", {"name": "坪东"})
    store.close()
    db = TinyDB(tmp_path / SNAPSHOT_NAME)
    assert db.table("rows").get(doc_id=1) == {"name": "坪东"}
    db.close()
