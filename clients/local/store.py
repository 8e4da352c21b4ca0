"""The local backend's store: tables of JSON documents, in memory, made durable on disk.

Layout of a data directory (0700; every file 0600)::

    store.json      snapshot, a TinyDB database file ({"table": {"key": document}}) whose last
                    table ``_checksum`` holds the SHA-256 of everything before it
    store.journal   transactions committed since the snapshot, one checksummed JSON line each
    store.lock      held with an exclusive lock by the one process that owns the store
    store.journal.damaged-<time>   a copy of a journal whose tail or entries were damaged

Why a journal beside the TinyDB file: TinyDB's JSON storage rewrites the whole file on every
write, so a write would cost time proportional to the size of the store. Here a commit appends
one line; a committer thread writes the lines of every transaction waiting at that moment and
fsyncs once for all of them (group commit), so the event loop never waits for the disk.

Durable or never happened: a transaction is acknowledged only after its line is fsynced. When a
write or fsync fails, the journal is truncated back to its last good offset (raw ``os.write`` on
a file descriptor: no buffer can carry the refused bytes into a later write), every transaction
not yet durable is undone, and the store carries on; if the truncation fails too, the store stops
taking writes and says why (``health()``).

Isolation: writers change the documents in place (a rule reads its own writes), while readers
outside a transaction see only committed data: the committed value of every key with an
uncommitted change is kept aside (``_shadow``) until that change is durable or undone.

Damage is never silent: a snapshot whose checksum fails is refused; a torn last journal line (a
write that never completed, so never acknowledged) is dropped, but a copy of the journal is kept
aside and the drop is reported in the log and ``health()``; a damaged complete entry (an
acknowledged transaction) refuses the start unless ``recover=True``, which drops that entry and
everything after it and says so.

Documents handed out by ``get``/``scan``/``lookup`` are the stored objects: treat them as
read-only and ``put`` a new dict to change one.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import contextlib
import contextvars
import errno
import fcntl
import hashlib
import itertools
import json
import logging
import os
import queue
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from tinydb import TinyDB
from tinydb.storages import MemoryStorage

Doc = dict[str, Any]
Key = tuple[str, str]
Where = Mapping[str, Any] | None
Bound = str | None
Entry = tuple[str, str, str]  # an ordered index's (str(value), str(id), key)
OrderKey = tuple[str, tuple[str, ...], str]  # (table, where fields, range field)

SNAPSHOT_NAME = "store.json"
JOURNAL_NAME = "store.journal"
LOCK_NAME = "store.lock"
REFUSED_NAME = "store.refused"
DAMAGED_PREFIX = JOURNAL_NAME + ".damaged-"
CHECKSUM_TABLE = "_checksum"
COMPACT_AFTER = 20_000  # journal entries
SMALL_SELECT = 500  # a select with fewer candidates filters and sorts them (no ordered index)
DIR_MODE = 0o700
FILE_MODE = 0o600

log = logging.getLogger("branchdesk.store")


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


class StoreWriteFailed(StoreError):
    """A commit could not be made durable; it was undone and never happened."""


class StoreReadOnly(StoreError):
    """The store has stopped taking writes (a failed write could not be undone on disk)."""


class Store(Protocol):
    """What the domain rules need from storage; a real database can implement it later."""

    def get(self, table: str, key: str) -> Doc | None: ...
    def scan(self, table: str) -> Iterable[Doc]: ...
    def lookup(self, table: str, field: str, value: Any) -> list[Doc]: ...
    def keys(self, table: str) -> list[str]: ...
    def tables(self) -> list[str]: ...
    def count(self, table: str) -> int: ...
    def select(
        self,
        table: str,
        *,
        where: Mapping[str, Any] | None = None,
        field: str | None = None,
        lo: str | None = None,
        hi: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[Doc]: ...
    def count_range(
        self, table: str, field: str, *, where: Where = None, lo: Bound = None, hi: Bound = None
    ) -> int: ...
    def tally(self, table: str, fields: tuple[str, ...]) -> dict[tuple[Any, ...], int]: ...
    def transaction(self) -> contextlib.AbstractContextManager[Transaction]: ...
    def health(self) -> dict[str, Any]: ...
    def close(self) -> None: ...


@dataclass(eq=False)
class Transaction:
    """Writes applied to memory at once, journalled at commit, undone on failure.

    Set ``deferred`` inside the block to leave the block without waiting for the disk; then
    ``await txn.durable()`` before answering (it raises ``StoreWriteFailed`` if the commit was
    undone). Otherwise leaving the block waits until the commit is durable.
    """

    store: MemoryStore
    epoch: int = 0
    writes: dict[Key, Doc | None] = field(default_factory=dict)
    undo: list[tuple[str, str, Doc | None, Doc | None]] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    deferred: bool = False
    commit: _Commit | None = None

    def get(self, table: str, key: str) -> Doc | None:
        return self.store._tables.get(table, {}).get(key)

    def put(self, table: str, key: str, doc: Doc) -> Doc:
        self.store._write(self, table, key, doc)
        return doc

    def delete(self, table: str, key: str) -> None:
        if self.get(table, key) is not None:
            self.store._write(self, table, key, None)

    def next_id(self, name: str) -> int:
        """A per-store counter, persisted with the transaction."""
        counter = self.get("_counters", name)
        value = (counter["value"] if counter else 0) + 1
        self.put("_counters", name, {"value": value})
        return value

    async def durable(self) -> None:
        """Wait until a ``deferred`` commit is on disk; raise if it was undone instead."""
        commit = self.commit
        if commit is None:
            return
        if commit.state == "queued":
            assert commit.future is not None
            await asyncio.shield(commit.future)
        self.store._settle()
        if commit.error is not None:
            raise commit.error


@dataclass(eq=False)
class _Commit:
    txn: Transaction
    line: bytes
    epoch: int
    state: str = "queued"  # queued → durable | failed
    error: StoreError | None = None
    done: threading.Event = field(default_factory=threading.Event)
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future[None] | None = None
    settled: bool = False


_current_txn: contextvars.ContextVar[Transaction | None] = contextvars.ContextVar(
    "branchdesk_store_txn", default=None
)


class MemoryStore:
    """Tables of documents in memory, with secondary indexes; durability is added by subclasses."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, Doc]] = {}
        self._indexes: dict[tuple[str, str], dict[Any, dict[str, Doc]]] = {}
        # Ordered indexes for select/count_range: (table, where fields, field) → the where
        # values → sorted (str(doc[field]), str(doc["id"]), key), kept up to date on write.
        self._orders: dict[OrderKey, dict[tuple[Any, ...], list[Entry]]] = {}
        # Committed values of keys that have uncommitted changes, and how many open or
        # not-yet-durable transactions touch each such key.
        self._shadow: dict[str, dict[str, Doc | None]] = {}
        self._owners: dict[Key, int] = {}
        self._active: list[Transaction] = []
        self._pending: collections.deque[_Commit] = collections.deque()
        self._epoch = 0
        self._discard_wanted = False
        self.read_only_reason: str | None = None
        self.problems: list[str] = []
        self.last_write_error: str | None = None

    # -- reading ---------------------------------------------------------------------------
    def _committed_view(self, table: str) -> dict[str, Doc | None] | None:
        """The shadow of ``table`` when the caller must not see uncommitted changes."""
        shadow = self._shadow.get(table)
        if not shadow:
            return None
        txn = _current_txn.get()
        if txn is not None and txn.store is self:
            return None
        return shadow

    def get(self, table: str, key: str) -> Doc | None:
        shadow = self._committed_view(table)
        if shadow is not None and key in shadow:
            return shadow[key]
        return self._tables.get(table, {}).get(key)

    def _rows(self, table: str) -> dict[str, Doc]:
        rows = self._tables.get(table, {})
        shadow = self._committed_view(table)
        if shadow is None:
            return rows
        merged = dict(rows)
        for key, doc in shadow.items():
            if doc is None:
                merged.pop(key, None)
            else:
                merged[key] = doc
        return merged

    def scan(self, table: str) -> Iterable[Doc]:
        return list(self._rows(table).values())

    def keys(self, table: str) -> list[str]:
        return list(self._rows(table))

    def tables(self) -> list[str]:
        """Every table holding documents, including ones only requests create."""
        return [name for name, rows in self._tables.items() if rows]

    def count(self, table: str) -> int:
        return len(self._rows(table))

    def lookup(self, table: str, field: str, value: Any) -> list[Doc]:
        """Documents whose ``field`` equals ``value``, through an index built on first use."""
        index = self._indexes.get((table, field))
        if index is None:
            index = {}
            for key, doc in self._tables.get(table, {}).items():
                index.setdefault(_index_value(doc.get(field)), {})[key] = doc
            self._indexes[(table, field)] = index
        wanted = _index_value(value)
        bucket = index.get(wanted, {})
        shadow = self._committed_view(table)
        if shadow is None:
            return list(bucket.values())
        found = {k: d for k, d in bucket.items() if k not in shadow}
        for key, committed in shadow.items():
            if committed is not None and _index_value(committed.get(field)) == wanted:
                found[key] = committed
        return list(found.values())

    def select(
        self,
        table: str,
        *,
        where: Mapping[str, Any] | None = None,
        field: str | None = None,
        lo: str | None = None,
        hi: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[Doc]:
        """Documents equal to ``where`` with ``lo <= doc[field] < hi``, ordered by ``field``.

        The shared database answers the same question from an index; here, a range of an
        ordered index (``_ordered``) when the candidates are many, else a filter over the
        first ``where`` field's lookup index, sorted.
        """
        entries = self._range(table, where, field, lo, hi)
        if entries is not None:
            rows = self._tables.get(table, {})
            chosen = reversed(entries) if newest_first else iter(entries)
            if limit is not None:
                chosen = itertools.islice(chosen, limit)
            return [rows[key] for _text, _id, key in chosen]
        equal = dict(where or {})
        if equal:
            first, value = next(iter(equal.items()))
            docs = self.lookup(table, first, value)
        else:
            docs = list(self._rows(table).values())
        found = [
            d
            for d in docs
            if all(_index_value(d.get(f)) == _index_value(v) for f, v in equal.items())
            and (field is None or _in_range(d.get(field), lo, hi))
        ]
        if field is not None:
            found.sort(
                key=lambda d: (str(d.get(field)), str(d.get("id", ""))), reverse=newest_first
            )
        return found if limit is None else found[:limit]

    def count_range(
        self, table: str, field: str, *, where: Where = None, lo: Bound = None, hi: Bound = None
    ) -> int:
        """How many documents ``select`` would give (no limit), without reading them."""
        entries = self._range(table, where, field, lo, hi, always=True)
        if entries is not None:
            return len(entries)
        return len(self.select(table, where=where, field=field, lo=lo, hi=hi))

    def _range(
        self,
        table: str,
        where: Mapping[str, Any] | None,
        field: str | None,
        lo: str | None,
        hi: str | None,
        *,
        always: bool = False,
    ) -> list[Entry] | None:
        """The entries of an ordered index with ``lo <= text < hi``, or None where a filter
        serves better: no range field, a reader that must not see uncommitted changes (then
        the index, which holds them, cannot answer), or few candidates (unless ``always``)."""
        if field is None or self._committed_view(table) is not None:
            return None
        equal = dict(where or {})
        if equal and not always:
            first, value = next(iter(equal.items()))
            if len(self.lookup(table, first, value)) <= SMALL_SELECT:
                return None
        bucket = self._ordered(table, tuple(equal), field).get(
            tuple(_index_value(v) for v in equal.values()), []
        )
        start = bisect.bisect_left(bucket, (lo,)) if lo is not None else 0
        end = bisect.bisect_left(bucket, (hi,)) if hi is not None else len(bucket)
        return bucket[start:end]

    def _ordered(
        self, table: str, fields: tuple[str, ...], field: str
    ) -> dict[tuple[Any, ...], list[Entry]]:
        """The ordered index of ``table`` by ``field`` per value of ``fields``, built on first
        use (one sort) and kept by ``_set`` (a bisect per write)."""
        key = (table, fields, field)
        index = self._orders.get(key)
        if index is None:
            index = {}
            for doc_key, doc in self._tables.get(table, {}).items():
                entry = _entry(doc, field, doc_key)
                if entry is not None:
                    index.setdefault(_bucket(doc, fields), []).append(entry)
            for entries in index.values():
                entries.sort()
            self._orders[key] = index
        return index

    def tally(self, table: str, fields: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
        """How many documents share each combination of ``fields`` (a GROUP BY count)."""
        counts: dict[tuple[Any, ...], int] = {}
        for doc in self._rows(table).values():
            key = tuple(doc.get(f) for f in fields)
            counts[key] = counts.get(key, 0) + 1
        return counts

    def health(self) -> dict[str, Any]:
        return {
            "writable": self.read_only_reason is None,
            "read_only_reason": self.read_only_reason,
            "last_write_error": self.last_write_error,
            "problems": list(self.problems),
        }

    # -- writing ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """A unit of work: all of its writes reach disk together, or none do.

        A transaction opened while another is current joins it, so a request-wide transaction
        (see ``idempotency``) makes the handler's writes and the idempotency record atomic.
        """
        outer = _current_txn.get()
        if outer is not None and outer.store is self:
            yield outer
            return
        self._check_writable()
        txn = Transaction(self, epoch=self._epoch)
        self._active.append(txn)
        token = _current_txn.set(txn)
        try:
            yield txn
        except BaseException:
            self._end(txn, ok=False)
            raise
        finally:
            _current_txn.reset(token)
        self._end(txn, ok=True)
        if txn.commit is not None and not txn.deferred:
            self._wait(txn.commit)
        if txn.commit is None or txn.deferred is False:
            self._run_after_commit(txn)

    def _check_writable(self) -> None:
        if self.read_only_reason is not None:
            raise StoreReadOnly(self._path(), self.read_only_reason)
        if self._discard_wanted:
            raise StoreWriteFailed(self._path(), "an earlier write failed and is being undone")

    def _path(self) -> Path:
        return Path("<memory>")

    def _write(self, txn: Transaction, table: str, key: str, doc: Doc | None) -> None:
        old = self._set(table, key, doc)
        if (table, key) not in txn.writes:
            owners = self._owners.get((table, key), 0)
            if owners == 0:
                self._shadow.setdefault(table, {})[key] = old
            self._owners[(table, key)] = owners + 1
        txn.writes[(table, key)] = doc
        txn.undo.append((table, key, old, doc))

    def _release(self, txn: Transaction, *, committed: bool) -> None:
        """Drop ``txn``'s claim on its keys; ``committed``: its values are now committed."""
        for (table, key), doc in txn.writes.items():
            owners = self._owners.get((table, key), 0) - 1
            shadow = self._shadow.get(table, {})
            if owners <= 0:
                self._owners.pop((table, key), None)
                shadow.pop(key, None)
                if not shadow:
                    self._shadow.pop(table, None)
            else:
                self._owners[(table, key)] = owners
                if committed:
                    shadow[key] = doc

    def _undo(self, txn: Transaction) -> None:
        for table, key, old, new in reversed(txn.undo):
            # A key overwritten since by another transaction keeps that one's value.
            if self._tables.get(table, {}).get(key) is new:
                self._set(table, key, old)
        self._release(txn, committed=False)

    def _end(self, txn: Transaction, *, ok: bool) -> None:
        self._active.remove(txn)
        try:
            if not ok:
                self._undo(txn)
                return
            if not txn.writes:
                return
            if self.read_only_reason is not None:
                self._undo(txn)
                raise StoreReadOnly(self._path(), self.read_only_reason)
            if txn.epoch != self._epoch:
                self._undo(txn)
                raise StoreWriteFailed(self._path(), "an earlier write failed; nothing was saved")
            line = _encode_entry(self._ops(txn))
            commit = _Commit(txn, line, self._epoch)
            with contextlib.suppress(RuntimeError):
                commit.loop = asyncio.get_running_loop()
                commit.future = commit.loop.create_future()
            txn.commit = commit
            self._pending.append(commit)
            self._enqueue(commit)
        finally:
            if self._discard_wanted and not self._active:
                self._discard_failed()

    def _ops(self, txn: Transaction) -> list[list[Any]]:
        ops: list[list[Any]] = []
        for (table, key), doc in txn.writes.items():
            if doc is None:
                ops.append(["del", table, key])
                continue
            if table == "_counters":
                # Another transaction may have counted past us meanwhile: keep the highest.
                current = self._tables.get(table, {}).get(key)
                if current is not None and current.get("value", 0) > doc.get("value", 0):
                    doc = current
            ops.append(["put", table, key, doc])
        return ops

    def _enqueue(self, commit: _Commit) -> None:
        """Memory-only store: nothing to write, durable at once."""
        commit.state = "durable"
        commit.done.set()

    def _wait(self, commit: _Commit) -> None:
        commit.done.wait()
        self._settle()
        if commit.error is not None:
            raise commit.error

    def _settle(self) -> None:
        """Fold durable commits (in order) into the committed view; undo failed ones."""
        while self._pending:
            head = self._pending[0]
            if head.state == "queued":
                return
            if head.state == "failed":
                if any(c.state == "queued" for c in self._pending):
                    return  # the committer fails the rest of them in a moment
                self._epoch += 1
                self._discard_wanted = True
                if not self._active:
                    self._discard_failed()
                return
            self._pending.popleft()
            self._release(head.txn, committed=True)
            self._resolve(head)
        self._after_settle()

    def _after_settle(self) -> None:
        """Hook for compaction once nothing is pending."""

    def _discard_failed(self) -> None:
        self._discard_wanted = False
        failed = list(self._pending)
        self._pending.clear()
        for commit in reversed(failed):
            self._undo(commit.txn)
        for commit in failed:
            if commit.error is None:
                commit.error = StoreWriteFailed(self._path(), "an earlier write failed")
            self._resolve(commit)

    def _resolve(self, commit: _Commit) -> None:
        if commit.settled:
            return
        commit.settled = True
        if commit.future is not None and not commit.future.done():
            if commit.loop is not None and commit.loop.is_closed():
                return
            commit.future.set_result(None)
        if commit.error is None and commit.txn.deferred:
            self._run_after_commit(commit.txn)

    def _run_after_commit(self, txn: Transaction) -> None:
        callbacks, txn.after_commit = txn.after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:  # noqa: BLE001 - a side effect must not undo a durable commit
                log.exception("after-commit callback failed")

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
        for (otable, fields, ofield), ordered in self._orders.items():
            if otable == table:
                _reorder(ordered, fields, ofield, key, old, doc)
        return old

    def export_tables(self) -> dict[str, dict[str, Doc]]:
        """A copy of every committed table (for moving a store to another backend)."""
        return {name: dict(rows) for name, rows in self._tables.items()}

    def import_tables(self, data: dict[str, dict[str, Doc]]) -> None:
        """Replace the contents of a new, empty store (then ``compact()`` makes it durable)."""
        self._load(data)

    def _load(self, data: dict[str, dict[str, Doc]]) -> None:
        self._tables = {name: dict(rows) for name, rows in data.items()}
        self._indexes.clear()
        self._orders.clear()

    def _apply(self, ops: list[list[Any]]) -> None:
        for op in ops:
            if op[0] == "put":
                self._set(op[1], op[2], op[3])
            elif op[0] == "del":
                self._set(op[1], op[2], None)
            else:
                raise ValueError(f"unknown journal op {op[0]!r}")

    def committed_tables(self) -> dict[str, dict[str, Doc]]:
        """A consistent copy of the committed data (documents shared, never mutated)."""
        out: dict[str, dict[str, Doc]] = {}
        for name, rows in self._tables.items():
            copy = dict(rows)
            for key, doc in self._shadow.get(name, {}).items():
                if doc is None:
                    copy.pop(key, None)
                else:
                    copy[key] = doc
            out[name] = copy
        for name, shadow in self._shadow.items():
            if name not in out:
                out[name] = {k: d for k, d in shadow.items() if d is not None}
        return out

    def as_tinydb(self) -> TinyDB:
        """A TinyDB view of a copy of the data, for ad-hoc queries in tools and tests."""
        db = TinyDB(storage=MemoryStorage)
        db.storage.write(self.committed_tables())
        return db

    def close(self) -> None:
        """Nothing to release for a memory-only store."""


def _entry(doc: Doc, field: str, key: str) -> Entry | None:
    value = doc.get(field)
    return None if value is None else (str(value), str(doc.get("id", "")), key)


def _bucket(doc: Doc, fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(_index_value(doc.get(f)) for f in fields)


def _reorder(
    ordered: dict[tuple[Any, ...], list[Entry]],
    fields: tuple[str, ...],
    field: str,
    key: str,
    old: Doc | None,
    new: Doc | None,
) -> None:
    """Move ``key`` in an ordered index from where ``old`` sorted to where ``new`` does."""
    if old is not None and (entry := _entry(old, field, key)) is not None:
        entries = ordered.get(_bucket(old, fields), [])
        at = bisect.bisect_left(entries, entry)
        if at < len(entries) and entries[at] == entry:
            del entries[at]
    if new is not None and (entry := _entry(new, field, key)) is not None:
        bisect.insort(ordered.setdefault(_bucket(new, fields), []), entry)


def _in_range(value: Any, lo: str | None, hi: str | None) -> bool:
    if value is None:
        return False
    text = str(value)
    return (lo is None or text >= lo) and (hi is None or text < hi)


def _index_value(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, list | dict) else value


class FileLayer:
    """The system calls the store makes on its files; tests inject failures (ENOSPC) here."""

    def write(self, fd: int, data: bytes | memoryview) -> int:
        return os.write(fd, data)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def ftruncate(self, fd: int, length: int) -> None:
        os.ftruncate(fd, length)

    def write_all(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[self.write(fd, view) :]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_CHECKSUM_TAIL = re.compile(rb'"_checksum":\{"1":\{"sha256":"([0-9a-f]{64})"\}\}\}\s*\Z')


def encode_snapshot(tables: dict[str, dict[str, Doc]]) -> bytes:
    """A TinyDB database file whose last table carries the SHA-256 of everything before it."""
    data = {name: rows for name, rows in tables.items() if name != CHECKSUM_TABLE}
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest().encode()
    return body[:-1] + (b"," if data else b"") + b'"_checksum":{"1":{"sha256":"%s"}}}' % digest


def decode_snapshot(path: Path, raw: bytes) -> dict[str, dict[str, Doc]]:
    match = _CHECKSUM_TAIL.search(raw)
    if match is None:
        raise StoreCorrupt(path, "no checksum at the end of the snapshot (truncated or damaged)")
    prefix = raw[: match.start()]
    body = prefix[:-1] + b"}" if prefix.endswith(b",") else prefix + b"}"
    if hashlib.sha256(body).hexdigest().encode() != match.group(1):
        raise StoreCorrupt(path, "checksum mismatch: the snapshot was damaged")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreCorrupt(path, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise StoreCorrupt(path, "not a TinyDB database")
    return data


def _encode_entry(ops: list[list[Any]]) -> bytes:
    payload = json.dumps(ops, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b"%08x\t%s\n" % (zlib.crc32(payload), payload)


def remove_store(directory: Path) -> None:
    """Delete the store files in ``directory``; refuses (StoreLocked) while a process owns it."""
    if not directory.exists():
        return
    lock = _lock_directory(directory, directory / SNAPSHOT_NAME)
    try:
        for name in (SNAPSHOT_NAME, JOURNAL_NAME, SNAPSHOT_NAME + ".tmp", REFUSED_NAME):
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


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"cannot write ({exc.strerror})"
    return exc.strerror or str(exc)


_STOP = object()


class FileStore(MemoryStore):
    """A ``MemoryStore`` owned by one process and made durable in a data directory."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        recover: bool = False,
        io: FileLayer | None = None,
    ) -> None:
        super().__init__()
        self.io = io or FileLayer()
        self.directory = Path(directory)
        self.snapshot_path = self.directory / SNAPSHOT_NAME
        self.journal_path = self.directory / JOURNAL_NAME
        self.recovered: list[str] = []
        self._fd: int | None = None
        self._lock_fh: Any = None
        self._thread: threading.Thread | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            os.chmod(self.directory, DIR_MODE)
        except OSError as exc:
            raise StoreError(self.directory, _reason(exc)) from None
        self._lock_fh = self._acquire_lock()
        try:
            self._open(recover)
        except OSError as exc:
            self._release_lock()
            raise StoreError(self.directory, _reason(exc)) from None
        except BaseException:
            self._release_lock()
            raise
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._committer, name="store-commit", daemon=True)
        self._thread.start()

    def _path(self) -> Path:
        return self.journal_path

    # -- opening ---------------------------------------------------------------------------
    def _open(self, recover: bool) -> None:
        for path in (self.snapshot_path, self.journal_path):
            if path.exists():
                os.chmod(path, FILE_MODE)
        try:
            raw = self.snapshot_path.read_bytes()
        except FileNotFoundError:
            raw = None
        if raw is not None:
            if not raw.strip():
                raise StoreCorrupt(self.snapshot_path, "empty file")
            self._load(decode_snapshot(self.snapshot_path, raw))
        self._cut_refused()
        replayed, dropped = self._replay_journal(recover)
        self._entries = 0
        if replayed or dropped or raw is None:
            self._write_snapshot(self.committed_tables())
            fd = os.open(self.journal_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            try:
                self.io.fsync(fd)
            finally:
                os.close(fd)
        self._fd = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
        self._good = os.fstat(self._fd).st_size

    def _acquire_lock(self) -> Any:
        return _lock_directory(self.directory, self.snapshot_path)

    def _release_lock(self) -> None:
        if self._lock_fh is not None:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def _keep_aside(self, raw: bytes) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.directory / f"{DAMAGED_PREFIX}{stamp}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        return path

    def _replay_journal(self, recover: bool) -> tuple[int, int]:
        try:
            raw = self.journal_path.read_bytes()
        except FileNotFoundError:
            return 0, 0
        lines = raw.split(b"\n")
        tail = lines.pop()  # b"" when the file ends with a newline
        entries: list[list[list[Any]]] = []
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            ops = _decode_entry(line)
            if ops is None:
                dropped = len([x for x in lines[number - 1 :] if x]) + (1 if tail else 0)
                if not recover:
                    raise StoreCorrupt(
                        self.journal_path,
                        f"damaged entry on line {number} (an acknowledged transaction); "
                        "start with --recover to drop it and the "
                        f"{dropped - 1} entries after it",
                    )
                kept = self._keep_aside(raw)
                message = (
                    f"recovered: dropped journal lines {number}..{number + dropped - 1} "
                    f"({dropped} transactions) from the damaged entry on; copy kept in {kept}"
                )
                self._report(message)
                self.recovered.append(message)
                self._apply_all(entries)
                return len(entries), dropped
            entries.append(ops)
        dropped = 0
        if tail:
            ops = _decode_entry(tail)
            if ops is not None:
                entries.append(ops)  # complete entry whose newline did not reach the disk
            else:
                kept = self._keep_aside(raw)
                self._report(
                    f"torn last journal line ({len(tail)} bytes, a write that never completed) "
                    f"dropped; copy kept in {kept}"
                )
                dropped = 1
        self._apply_all(entries)
        return len(entries), dropped

    def _apply_all(self, entries: list[list[list[Any]]]) -> None:
        for ops in entries:
            self._apply(ops)

    def _report(self, message: str) -> None:
        self.problems.append(message)
        log.warning("store %s: %s", self.directory, message)

    def _write_snapshot(self, tables: dict[str, dict[str, Doc]]) -> None:
        data = encode_snapshot(tables)
        tmp = self.snapshot_path.with_name(self.snapshot_path.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            try:
                self.io.write_all(fd, data)
                self.io.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.snapshot_path)
            _fsync_dir(self.directory)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    # -- committing ------------------------------------------------------------------------
    def _enqueue(self, commit: _Commit) -> None:
        self._queue.put(commit)

    def _committer(self) -> None:
        failed_epoch = -1
        while True:
            item = self._queue.get()
            batch: list[_Commit] = []
            stop = False
            while True:
                if item is _STOP:
                    stop = True
                    break
                if isinstance(item, tuple):  # ("compact", tables)
                    self._flush(batch, failed_epoch)
                    batch = []
                    self._compact_now(item[1])
                else:
                    batch.append(item)
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            failed_epoch = self._flush(batch, failed_epoch)
            if stop:
                return

    def _flush(self, batch: list[_Commit], failed_epoch: int) -> int:
        if not batch:
            return failed_epoch
        doomed = [c for c in batch if c.epoch <= failed_epoch]
        live = [c for c in batch if c.epoch > failed_epoch]
        error: StoreError | None = None
        if live:
            data = b"".join(c.line for c in live)
            assert self._fd is not None
            try:
                self.io.write_all(self._fd, data)
                self.io.fsync(self._fd)
                self._good += len(data)
                self._entries += len(live)
            except OSError as exc:
                error = self._undo_on_disk(exc)
                failed_epoch = max(c.epoch for c in live)
        for commit in doomed:
            commit.state, commit.error = (
                "failed",
                StoreWriteFailed(self.journal_path, "an earlier write failed; nothing was saved"),
            )
        for commit in live:
            if error is None:
                commit.state = "durable"
            else:
                commit.state, commit.error = "failed", error
        for commit in batch:
            commit.done.set()
        loops = {id(c.loop): c.loop for c in batch if c.loop is not None}
        for loop in loops.values():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._settle)
        return failed_epoch

    def _undo_on_disk(self, exc: OSError) -> StoreError:
        """Cut the journal back to its last good offset, or stop taking writes."""
        reason = _reason(exc)
        self.last_write_error = reason
        log.error("store %s: journal write failed (%s); undoing", self.directory, reason)
        assert self._fd is not None
        try:
            self.io.ftruncate(self._fd, self._good)
            self.io.fsync(self._fd)
        except OSError as again:
            self.read_only_reason = (
                f"a journal write failed ({reason}) and could not be undone ({_reason(again)}); "
                "the store takes no more writes: restart the server"
            )
            log.error("store %s: %s", self.directory, self.read_only_reason)
            self._mark_refused()
            return StoreReadOnly(self.journal_path, self.read_only_reason)
        return StoreWriteFailed(self.journal_path, reason)

    def _mark_refused(self) -> None:
        """Note the last good offset, so that the next start cuts the refused bytes off."""
        path = self.directory / REFUSED_NAME
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
            with os.fdopen(fd, "w") as fh:
                json.dump({"good_offset": self._good, "reason": self.read_only_reason}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            _fsync_dir(self.directory)
        except OSError as exc:
            log.error("store %s: cannot note the refused write (%s)", self.directory, exc)

    def _cut_refused(self) -> None:
        path = self.directory / REFUSED_NAME
        try:
            note = json.loads(path.read_text())
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            raise StoreCorrupt(path, f"unreadable ({exc})") from None
        good = int(note["good_offset"])
        raw = self.journal_path.read_bytes() if self.journal_path.exists() else b""
        if len(raw) > good:
            kept = self._keep_aside(raw)
            with open(self.journal_path, "r+b") as fh:
                fh.truncate(good)
                fh.flush()
                os.fsync(fh.fileno())
            self._report(
                f"cut {len(raw) - good} bytes of writes refused before the last stop "
                f"({note.get('reason')}); copy kept in {kept}"
            )
        path.unlink()
        _fsync_dir(self.directory)

    def _after_settle(self) -> None:
        if self._entries >= COMPACT_AFTER and not self._pending and self._thread is not None:
            self._entries = 0
            self._queue.put(("compact", self.committed_tables()))

    def _compact_now(self, tables: dict[str, dict[str, Doc]]) -> None:
        try:
            self._write_snapshot(tables)
            assert self._fd is not None
            self.io.ftruncate(self._fd, 0)
            self.io.fsync(self._fd)
            self._good = 0
        except OSError as exc:
            # The journal still holds every entry; the snapshot is simply older.
            self._report(f"compaction failed ({_reason(exc)}); the journal keeps growing")

    def compact(self) -> None:
        """Write the committed data as a new snapshot and start an empty journal."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        self._settle()
        self._compact_now(self.committed_tables())
        self._entries = 0
        if self._lock_fh is not None:
            self._thread = threading.Thread(
                target=self._committer, name="store-commit", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        if self._lock_fh is None:
            return
        try:
            if self._thread is not None and self._thread.is_alive():
                self._queue.put(_STOP)
                self._thread.join()
            self._thread = None
            self._settle()
            if self._entries and self.read_only_reason is None:
                self._compact_now(self.committed_tables())
        finally:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._release_lock()

    def abandon(self) -> None:
        """Let go of the files as a killed process would: no compaction (for tests)."""
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()
        self._thread = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._release_lock()


def _lock_directory(directory: Path, snapshot_path: Path) -> Any:
    """The exclusive lock of the store in ``directory``, as an open file; StoreLocked if held."""
    path = directory / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as exc:
        raise StoreError(directory, _reason(exc)) from None
    fh = os.fdopen(fd, "r+")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise StoreLocked(snapshot_path, "in use by another process") from None
    with contextlib.suppress(OSError):
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
    return fh


def open_store(directory: str | os.PathLike[str] | None, *, recover: bool = False) -> MemoryStore:
    """A durable store in ``directory``, or a memory-only one when ``directory`` is None."""
    return MemoryStore() if directory is None else FileStore(directory, recover=recover)
