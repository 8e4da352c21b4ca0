"""The local backend's store: tables of JSON documents, in memory, made durable on disk.

Layout of a data directory::

    store.json      snapshot, a TinyDB database file ({"table": {"key": document}})
    store.journal   transactions committed since the snapshot, one JSON line each
    store.lock      held with an exclusive lock by the one process that owns the store

Why a journal beside the TinyDB file: TinyDB's JSON storage rewrites the whole file on every
write, so a write would cost time proportional to the size of the store (100,000 ledger rows
make every settle slow). Here a commit appends one checksummed line and fsyncs it; the snapshot
is rewritten (temp file, fsync, atomic rename) only when the store opens, closes, or the journal
grows long. A crash never leaves a half-written snapshot; a torn last journal line belongs to a
transaction that was never acknowledged and is dropped.

Documents handed out by ``get``/``scan``/``lookup`` are the stored objects: treat them as
read-only and ``put`` a new dict to change one.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import json
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tinydb import TinyDB
from tinydb.storages import MemoryStorage, Storage

Doc = dict[str, Any]

SNAPSHOT_NAME = "store.json"
JOURNAL_NAME = "store.journal"
LOCK_NAME = "store.lock"
COMPACT_AFTER = 20_000  # journal entries


class StoreError(Exception):
    """Base for store failures that the user must be told about."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class StoreLocked(StoreError):
    """Another process owns this store."""


class StoreCorrupt(StoreError):
    """The store cannot be read; it is left untouched for recovery."""


class Store(Protocol):
    """What the domain rules need from storage; a real database can implement it later."""

    def get(self, table: str, key: str) -> Doc | None: ...
    def scan(self, table: str) -> Iterable[Doc]: ...
    def lookup(self, table: str, field: str, value: Any) -> list[Doc]: ...
    def keys(self, table: str) -> list[str]: ...
    def tables(self) -> list[str]: ...
    def count(self, table: str) -> int: ...
    def transaction(self) -> contextlib.AbstractContextManager[Transaction]: ...
    def close(self) -> None: ...


class AtomicJSONStorage(Storage):
    """TinyDB storage that replaces its file atomically: temp file, fsync, rename, fsync dir."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Doc]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            raise StoreCorrupt(self.path, "empty file")
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise StoreCorrupt(self.path, f"not valid JSON ({exc})") from None
        if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
            raise StoreCorrupt(self.path, "not a TinyDB database")
        return data

    def write(self, data: dict[str, dict[str, Doc]]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Transaction:
    """Writes applied to memory at once, journalled at commit, undone on failure."""

    store: MemoryStore
    ops: list[list[Any]] = field(default_factory=list)
    undo: list[tuple[str, str, Doc | None]] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def get(self, table: str, key: str) -> Doc | None:
        return self.store.get(table, key)

    def put(self, table: str, key: str, doc: Doc) -> Doc:
        old = self.store._set(table, key, doc)
        self.undo.append((table, key, old))
        self.ops.append(["put", table, key, doc])
        return doc

    def delete(self, table: str, key: str) -> None:
        old = self.store._set(table, key, None)
        if old is not None:
            self.undo.append((table, key, old))
            self.ops.append(["del", table, key])

    def next_id(self, name: str) -> int:
        """A per-store counter, persisted with the transaction."""
        counter = self.get("_counters", name)
        value = (counter["value"] if counter else 0) + 1
        self.put("_counters", name, {"value": value})
        return value


_current_txn: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar(
    "branchdesk_store_txn", default=None
)


class MemoryStore:
    """Tables of documents in memory, with secondary indexes; durability is added by subclasses."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, Doc]] = {}
        self._indexes: dict[tuple[str, str], dict[Any, dict[str, Doc]]] = {}

    # -- reading ---------------------------------------------------------------------------
    def get(self, table: str, key: str) -> Doc | None:
        return self._tables.get(table, {}).get(key)

    def scan(self, table: str) -> Iterable[Doc]:
        return list(self._tables.get(table, {}).values())

    def keys(self, table: str) -> list[str]:
        return list(self._tables.get(table, {}))

    def tables(self) -> list[str]:
        """Every table holding documents, including ones only requests create."""
        return [name for name, rows in self._tables.items() if rows]

    def count(self, table: str) -> int:
        return len(self._tables.get(table, {}))

    def lookup(self, table: str, field: str, value: Any) -> list[Doc]:
        """Documents whose ``field`` equals ``value``, through an index built on first use."""
        index = self._indexes.get((table, field))
        if index is None:
            index = {}
            for key, doc in self._tables.get(table, {}).items():
                index.setdefault(_index_value(doc.get(field)), {})[key] = doc
            self._indexes[(table, field)] = index
        return list(index.get(_index_value(value), {}).values())

    # -- writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A unit of work: all of its writes reach disk together, or none do.

        A transaction opened while another is current joins it, so a request-wide transaction
        (see ``idempotency``) makes the handler's writes and the idempotency record atomic.
        """
        outer = _current_txn.get()
        if outer is not None:
            yield outer
            return
        txn = Transaction(self)
        token = _current_txn.set(txn)
        try:
            yield txn
        except BaseException:
            self._rollback(txn)
            raise
        else:
            try:
                if txn.ops:
                    self._persist(txn.ops)
            except BaseException:
                self._rollback(txn)
                raise
            for callback in txn.after_commit:
                callback()
        finally:
            _current_txn.reset(token)

    def _rollback(self, txn: Transaction) -> None:
        for table, key, old in reversed(txn.undo):
            self._set(table, key, old)

    def _persist(self, ops: list[list[Any]]) -> None:
        """Memory-only store: nothing to write."""

    def _set(self, table: str, key: str, doc: Doc | None) -> Doc | None:
        rows = self._tables.setdefault(table, {})
        old = rows.get(key)
        if doc is None:
            rows.pop(key, None)
        else:
            rows[key] = doc
        for (itable, ifield), index in self._indexes.items():
            if itable != table:
                continue
            if old is not None:
                bucket = index.get(_index_value(old.get(ifield)))
                if bucket is not None:
                    bucket.pop(key, None)
            if doc is not None:
                index.setdefault(_index_value(doc.get(ifield)), {})[key] = doc
        return old

    def _load(self, data: dict[str, dict[str, Doc]]) -> None:
        self._tables = {name: dict(rows) for name, rows in data.items()}
        self._indexes.clear()

    def _apply(self, ops: list[list[Any]]) -> None:
        for op in ops:
            if op[0] == "put":
                self._set(op[1], op[2], op[3])
            elif op[0] == "del":
                self._set(op[1], op[2], None)
            else:
                raise ValueError(f"unknown journal op {op[0]!r}")

    def as_tinydb(self) -> TinyDB:
        """A TinyDB view of a copy of the data, for ad-hoc queries in tools and tests."""
        db = TinyDB(storage=MemoryStorage)
        db.storage.write({name: dict(rows) for name, rows in self._tables.items()})
        return db

    def close(self) -> None:
        """Nothing to release for a memory-only store."""


def _index_value(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, list | dict) else value


class FileStore(MemoryStore):
    """A ``MemoryStore`` owned by one process and made durable in a data directory."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.snapshot_path = self.directory / SNAPSHOT_NAME
        self.journal_path = self.directory / JOURNAL_NAME
        self._lock_fh = self._acquire_lock()
        self._journal_fh = None
        try:
            self._storage = AtomicJSONStorage(self.snapshot_path)
            self._load(self._storage.read() or {})
            replayed, torn = self._replay_journal()
            self._journal_entries = 0
            if replayed or torn or not self.snapshot_path.exists():
                self.compact()
            self._journal_fh = open(self.journal_path, "ab")  # noqa: SIM115 - held open
        except BaseException:
            self._release_lock()
            raise

    def _acquire_lock(self) -> Any:
        return _lock_directory(self.directory, self.snapshot_path)

    def _release_lock(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def _replay_journal(self) -> tuple[int, bool]:
        try:
            raw = self.journal_path.read_bytes()
        except FileNotFoundError:
            return 0, False
        lines = raw.split(b"\n")
        tail = lines.pop()  # b"" when the file ends with a newline
        count = 0
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            ops = _decode_entry(line)
            if ops is None:
                raise StoreCorrupt(self.journal_path, f"damaged entry on line {number}")
            self._apply(ops)
            count += 1
        torn = bool(tail)
        if torn and _decode_entry(tail) is not None:
            # Complete entry whose newline did not reach the disk: keep it.
            self._apply(_decode_entry(tail) or [])
            count += 1
            torn = False
        return count, torn

    def _persist(self, ops: list[list[Any]]) -> None:
        payload = json.dumps(ops, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        line = b"%08x\t%s\n" % (zlib.crc32(payload), payload)
        assert self._journal_fh is not None
        self._journal_fh.write(line)
        self._journal_fh.flush()
        os.fsync(self._journal_fh.fileno())
        self._journal_entries += 1
        if self._journal_entries >= COMPACT_AFTER:
            self.compact()

    def compact(self) -> None:
        """Write the whole store as a new snapshot and start an empty journal."""
        self._storage.write(self._tables)
        if self._journal_fh is not None:
            self._journal_fh.close()
        with open(self.journal_path, "wb") as fh:
            fh.flush()
            os.fsync(fh.fileno())
        self._journal_entries = 0
        if self._journal_fh is not None:
            self._journal_fh = open(self.journal_path, "ab")  # noqa: SIM115

    def close(self) -> None:
        if self._lock_fh is None:
            return
        try:
            if self._journal_entries:
                self.compact()
        finally:
            if self._journal_fh is not None:
                self._journal_fh.close()
                self._journal_fh = None
            self._release_lock()


def _lock_directory(directory: Path, snapshot_path: Path) -> Any:
    """The exclusive lock of the store in ``directory``, as an open file; StoreLocked if held."""
    path = directory / LOCK_NAME
    fh = open(path, "a+")  # noqa: SIM115 - held for the store's lifetime
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise StoreLocked(snapshot_path, "in use by another process") from None
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return fh


def remove_store(directory: Path) -> None:
    """Delete the store files in ``directory``; refuses (StoreLocked) while a process owns it."""
    if not directory.exists():
        return
    lock = _lock_directory(directory, directory / SNAPSHOT_NAME)
    try:
        for name in (SNAPSHOT_NAME, JOURNAL_NAME, SNAPSHOT_NAME + ".tmp"):
            (directory / name).unlink(missing_ok=True)
    finally:
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        lock.close()


def _decode_entry(line: bytes) -> list[list[Any]] | None:
    """The ops of one journal line ``<crc32 hex>\t<json>``, or None if it is damaged."""
    crc, sep, payload = line.partition(b"\t")
    try:
        if not sep or int(crc, 16) != zlib.crc32(payload):
            return None
        ops = json.loads(payload)
    except ValueError:
        return None
    return ops if isinstance(ops, list) else None


def open_store(directory: str | os.PathLike[str] | None) -> MemoryStore:
    """A durable store in ``directory``, or a memory-only one when ``directory`` is None."""
    return MemoryStore() if directory is None else FileStore(directory)
