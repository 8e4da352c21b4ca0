"""The store under faults: a refused write never comes back, damage is never silent, readers
see only committed data, and one fsync serves many transactions."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from branchdesk.clients.local.store import (
    JOURNAL_NAME,
    SNAPSHOT_NAME,
    FileStore,
    MemoryStore,
    StoreCorrupt,
    StoreReadOnly,
    StoreWriteFailed,
)
from support.faults import FlakyDisk
from support.store import damaged_copies, put


def test_a_write_refused_by_a_full_disk_never_reappears(tmp_path: Path) -> None:
    disk = FlakyDisk()
    store = FileStore(tmp_path, io=disk)
    put(store, "members", "A", {"balance": 1000})
    size = (tmp_path / JOURNAL_NAME).stat().st_size
    disk.full = True
    with pytest.raises(StoreWriteFailed) as err:
        put(store, "members", "A", {"balance": 1500})
    assert "disk is full" in err.value.reason
    assert store.get("members", "A") == {"balance": 1000}
    assert (tmp_path / JOURNAL_NAME).stat().st_size == size  # cut back to the last good line
    assert store.health()["last_write_error"] == "the disk is full"
    disk.full = False
    put(store, "members", "B", {"balance": 500})
    store.abandon()  # kill -9
    reopened = FileStore(tmp_path)
    assert reopened.get("members", "A") == {"balance": 1000}
    assert reopened.get("members", "B") == {"balance": 500}
    reopened.close()


def test_a_failed_undo_stops_writes_and_says_why(tmp_path: Path) -> None:
    disk = FlakyDisk()
    store = FileStore(tmp_path, io=disk)
    put(store, "rows", "a", {"v": 1})
    disk.fsync_fails = disk.truncate_fails = True
    with pytest.raises(StoreReadOnly):
        put(store, "rows", "a", {"v": 2})
    assert store.get("rows", "a") == {"v": 1}
    disk.fsync_fails = disk.truncate_fails = False
    with pytest.raises(StoreReadOnly):
        put(store, "rows", "b", {"v": 3})
    health = store.health()
    assert health["writable"] is False
    assert "could not be undone" in health["read_only_reason"]
    store.abandon()
    reopened = FileStore(tmp_path)
    assert reopened.get("rows", "a") == {"v": 1} and reopened.get("rows", "b") is None
    reopened.close()


def test_a_flipped_byte_in_the_snapshot_is_refused(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    put(store, "members", "A", {"balance": 1000})
    store.close()
    snapshot = tmp_path / SNAPSHOT_NAME
    damaged = snapshot.read_bytes().replace(b'"balance":1000', b'"balance":9000')
    snapshot.write_bytes(damaged)
    with pytest.raises(StoreCorrupt) as err:
        FileStore(tmp_path)
    assert "checksum" in err.value.reason
    assert snapshot.read_bytes() == damaged


def test_a_flipped_byte_in_an_acknowledged_entry_refuses_the_start(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    for n in range(3):
        put(store, "rows", str(n), {"v": n})
    store.abandon()
    journal = tmp_path / JOURNAL_NAME
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"v":1', b'"v":7')
    damaged = b"".join(lines)
    journal.write_bytes(damaged)
    with pytest.raises(StoreCorrupt) as err:
        FileStore(tmp_path)
    assert "line 2" in err.value.reason and "--recover" in err.value.reason
    assert journal.read_bytes() == damaged
    recovered = FileStore(tmp_path, recover=True)
    assert recovered.get("rows", "0") == {"v": 0}
    assert recovered.get("rows", "1") is None and recovered.get("rows", "2") is None
    assert "dropped journal lines 2..3 (2 transactions)" in recovered.recovered[0]
    copies = damaged_copies(tmp_path)
    assert [c.read_bytes() for c in copies] == [damaged]
    assert recovered.health()["problems"] == recovered.recovered
    recovered.close()


def test_cutting_the_last_line_is_reported_not_silent(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    put(store, "grants", "1", {"points": 500})
    put(store, "grants", "2", {"points": 700})
    store.abandon()
    journal = tmp_path / JOURNAL_NAME
    original = journal.read_bytes()
    journal.write_bytes(original[:-5])
    reopened = FileStore(tmp_path)
    assert reopened.get("grants", "1") == {"points": 500}
    assert reopened.get("grants", "2") is None
    assert "torn last journal line" in reopened.health()["problems"][0]
    copies = damaged_copies(tmp_path)
    assert [c.read_bytes() for c in copies] == [original[:-5]]  # the evidence is kept
    reopened.close()


def test_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = FileStore(data)
    put(store, "rows", "a", {"v": 1})
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in (SNAPSHOT_NAME, JOURNAL_NAME, "store.lock"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    store.close()
    assert stat.S_IMODE((data / SNAPSHOT_NAME).stat().st_mode) == 0o600


async def test_a_reader_never_sees_a_change_that_is_rolled_back() -> None:
    store = MemoryStore()
    put(store, "members", "A", {"balance": 1000})
    seen: list[int] = []
    writing = asyncio.Event()
    done = asyncio.Event()

    async def reader() -> None:
        await writing.wait()
        while not done.is_set():
            # A concurrent GET: no transaction in its context.
            seen.append(store.get("members", "A")["balance"])
            seen.extend(d["balance"] for d in store.scan("members"))
            seen.extend(d["balance"] for d in store.lookup("members", "balance", 1500))
            await asyncio.sleep(0)

    async def writer() -> None:
        with pytest.raises(RuntimeError), store.transaction() as txn:
            txn.put("members", "A", {"balance": 1500})
            assert store.get("members", "A") == {"balance": 1500}  # the writer reads its own
            writing.set()
            for _ in range(20):
                await asyncio.sleep(0)
            raise RuntimeError("rule refused")
        done.set()

    await asyncio.gather(asyncio.create_task(reader()), asyncio.create_task(writer()))
    assert seen and set(seen) == {1000}
    assert store.get("members", "A") == {"balance": 1000}


async def test_commits_share_one_fsync_and_reads_do_not_wait(tmp_path: Path) -> None:
    disk = FlakyDisk()
    store = FileStore(tmp_path, io=disk)
    before = disk.fsyncs
    txns = []
    for n in range(50):
        with store.transaction() as txn:
            txn.deferred = True
            txn.put("rows", str(n), {"v": n})
        txns.append(txn)
    await asyncio.gather(*(t.durable() for t in txns))
    assert store.count("rows") == 50
    assert disk.fsyncs - before < 50
    store.abandon()
    reopened = FileStore(tmp_path)
    assert reopened.count("rows") == 50
    reopened.close()


async def test_a_failed_group_commit_undoes_every_transaction_in_it(tmp_path: Path) -> None:
    disk = FlakyDisk()
    store = FileStore(tmp_path, io=disk)
    put(store, "rows", "base", {"v": 0})
    disk.full = True
    txns = []
    for n in range(5):
        with store.transaction() as txn:
            txn.deferred = True
            txn.put("rows", "base", {"v": n + 1})
        txns.append(txn)
    results = await asyncio.gather(*(t.durable() for t in txns), return_exceptions=True)
    assert all(isinstance(r, StoreWriteFailed) for r in results)
    assert store.get("rows", "base") == {"v": 0}
    disk.full = False
    put(store, "rows", "after", {"v": 9})
    store.abandon()
    reopened = FileStore(tmp_path)
    assert reopened.get("rows", "base") == {"v": 0}
    assert reopened.get("rows", "after") == {"v": 9}
    reopened.close()


WRITER = """
import asyncio, sys
from branchdesk.clients.local.store import FileStore

store = FileStore(sys.argv[1])
start = int(sys.argv[2])

async def one(n):
    with store.transaction() as txn:
        txn.deferred = True
        txn.put("acks", str(n), {"n": n})
    await txn.durable()
    sys.stdout.write(f"{n}\\n")
    sys.stdout.flush()

async def main():
    n = start
    while True:
        await asyncio.gather(*(one(n + i) for i in range(8)))
        n += 8

print("ready", flush=True)
asyncio.run(main())
"""


@pytest.mark.slow
def test_kill_9_loop_loses_no_acknowledged_write(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rng = random.Random(5)
    acknowledged: set[int] = set()
    start = 0
    for _ in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data), str(start)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + rng.uniform(0.2, 0.6)
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if line.strip():
                acknowledged.add(int(line))
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate()
        acknowledged.update(int(x) for x in rest.split())
        start = max(acknowledged, default=0) + 1000
    store = FileStore(data)
    stored = {int(k) for k in store.keys("acks")}
    store.close()
    assert len(acknowledged) > 100
    assert acknowledged <= stored
