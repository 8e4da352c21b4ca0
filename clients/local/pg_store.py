"""The shared server's store: the same tables of JSON documents, in PostgreSQL.

Design (see README, "Shared server on PostgreSQL"):

- One table ``documents(tbl, key, doc jsonb)`` with primary key ``(tbl, key)``: every logical
  table of the rules is a ``tbl`` value, so a new table needs no DDL. Each
  ``lookup(table, field, value)`` the rules make has a partial expression index
  ``((doc -> field)) WHERE tbl = table`` (``migrations/``); queries carry the table name as a
  literal so the planner can use it.
- Every transaction is ``SERIALIZABLE``. A serialization failure surfaces as ``StoreConflict``
  and the request runner (``shared_requests``) runs the whole request again, a bounded number
  of times: the rules stay plain Python and no rule has to know which rows to lock.
- ``next_id`` uses a PostgreSQL sequence per name, not a counter row: a counter row every
  request increments would make all writers conflict. Numbers are unique and increasing, but a
  rolled-back attempt leaves a gap.
- Writes are buffered in the transaction (read-your-writes through ``get``) and sent in batches
  before any query and at commit, so a 100,000-card batch is a few statements, not 100,000.
- Failures the user must see are ``DomainError`` s with their own codes: database unreachable
  (``store_unavailable``), pool exhausted (``store_busy``), statement timeout (``store_timeout``),
  too many serialization retries (``store_conflict``), all 503.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

import psycopg
import psycopg_pool
from psycopg import errors as pg_errors
from psycopg import sql

from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.store import Bound, Where

Doc = dict[str, Any]
log = logging.getLogger("branchdesk.pg_store")

STATEMENT_TIMEOUT_MS = int(os.environ.get("BRANCHDESK_DB_STATEMENT_TIMEOUT_MS", "30000"))
POOL_TIMEOUT_S = float(os.environ.get("BRANCHDESK_DB_POOL_TIMEOUT", "5"))
POOL_SIZE = int(os.environ.get("BRANCHDESK_DB_POOL_SIZE", "8"))
FLUSH_CHUNK = 5000
"""Rows per statement of a batched delete."""
FLUSH_AT = 50_000
"""Buffered writes that make ``put`` send them before the transaction goes on."""
COPY_OVER = 200
"""Writes above this go to the database by COPY (a temporary table, then one upsert): a
100,000-card batch costs seconds less than ``unnest`` of JSONB arrays."""
MIGRATION_LOCK = 0x6272616E636864  # advisory lock id for schema upgrades ("branchd")
_NAME = re.compile(r"^[A-Za-z0-9_]{1,60}$")
RETRYABLE = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)


class StoreUnavailable(DomainError):
    def __init__(self, code: str = "store_unavailable") -> None:
        super().__init__(503, code)


class StoreConflict(DomainError):
    """A serialization failure: the request is run again from the start."""

    def __init__(self) -> None:
        super().__init__(503, "store_conflict")


class SchemaOutdated(Exception):
    def __init__(self, current: int, latest: int) -> None:
        super().__init__(
            f"database schema is at version {current}, this program needs {latest}: "
            "run `branchdesk db upgrade` (or `serve --upgrade`)"
        )
        self.current = current
        self.latest = latest


register_messages(
    {
        "store_unavailable": {
            "zh-CN": "数据库暂时无法连接,请稍后重试。",
            "en": "The database cannot be reached; try again shortly.",
        },
        "store_busy": {
            "zh-CN": "服务器繁忙(数据库连接已用尽),请稍后重试。",
            "en": "The server is busy (no free database connection); try again shortly.",
        },
        "store_timeout": {
            "zh-CN": "数据库处理超时,请稍后重试。",
            "en": "The database took too long to answer; try again shortly.",
        },
        "store_conflict": {
            "zh-CN": "同时处理的请求过多,请稍后重试。",
            "en": "Too many simultaneous changes to the same data; try again.",
        },
    }
)


def _literal_table(table: str) -> sql.Composable:
    if not _NAME.match(table):
        raise ValueError(f"bad table name {table!r}")
    return sql.Literal(table)


def _field(name: str) -> sql.Composable:
    if not _NAME.match(name):
        raise ValueError(f"bad field name {name!r}")
    return sql.Literal(name)


BY_KEY = "SELECT doc FROM documents WHERE (tbl || '/' || key) = %s"
"""One document by its key, through the hash index of migration 0010: under SERIALIZABLE it
locks the key's bucket, not the primary key's leaf page that the neighbouring keys (the next
numbers of a sequence, written by other requests) share."""
_TABLES: set[str] = set()


def _hashed_key(table: str, key: str) -> str:
    """ "tbl/key", the index's value for a document (one document: no table name has a '/')."""
    if table not in _TABLES:
        _literal_table(table)
        _TABLES.add(table)
    return f"{table}/{key}"


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(doc: Any) -> str:
    return _ENCODER.encode(doc)


def _conditions(
    table: str,
    where: Mapping[str, Any] | None,
    field: str | None,
    lo: str | None,
    hi: str | None,
) -> tuple[sql.Composable, list[Any]]:
    """``select``'s WHERE: equality as ``doc -> f`` (jsonb), the range on ``doc ->> field``."""
    conds: list[sql.Composable] = [sql.SQL("tbl = {}").format(_literal_table(table))]
    params: list[Any] = []
    for name, value in (where or {}).items():
        conds.append(sql.SQL("doc -> {} = %s::jsonb").format(_field(name)))
        params.append(_dumps(value))
    if field is not None:
        text = sql.SQL("(doc ->> {})").format(_field(field))
        conds.append(sql.SQL("{} IS NOT NULL").format(text))
        if lo is not None:
            conds.append(sql.SQL("{} >= %s").format(text))
            params.append(lo)
        if hi is not None:
            conds.append(sql.SQL("{} < %s").format(text))
            params.append(hi)
    return sql.SQL(" AND ").join(conds), params


@contextlib.contextmanager
def mapped_errors() -> Iterator[None]:
    """psycopg's failures as the store's 503 errors; anything else passes through."""
    try:
        yield
    except DomainError:
        raise
    except RETRYABLE:
        raise StoreConflict() from None
    except pg_errors.QueryCanceled:
        raise StoreUnavailable("store_timeout") from None
    except psycopg_pool.PoolTimeout:
        raise StoreUnavailable("store_busy") from None
    except (psycopg.OperationalError, psycopg_pool.PoolClosed) as exc:
        log.warning("database unavailable: %s", exc)
        raise StoreUnavailable() from None


# -- migrations ----------------------------------------------------------------------------
def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped with the program, in order."""
    found = []
    for entry in resources.files("branchdesk.clients.local").joinpath("migrations").iterdir():
        match = re.match(r"^(\d{4})_(\w+)\.sql$", entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return migrations()[-1][0]


def schema_version(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def upgrade(url: str) -> list[int]:
    """Apply the missing migrations, each in its own transaction; returns the versions applied.

    An advisory lock makes concurrent upgrades (several servers started at once) take turns.
    """
    applied: list[int] = []
    with mapped_errors(), psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            current = schema_version(conn)
            for version, name, text in migrations():
                if version <= current:
                    continue
                with conn.transaction():
                    conn.execute(text.encode())  # shipped SQL, several statements
                    conn.execute(
                        "INSERT INTO schema_version (version, name) VALUES (%s, %s)",
                        (version, name),
                    )
                applied.append(version)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
    return applied


# -- transactions --------------------------------------------------------------------------
_MISSING = object()
BEGIN = "BEGIN ISOLATION LEVEL SERIALIZABLE"


Statement = tuple[Any, Any]


@dataclass
class PgTransaction:
    """One SERIALIZABLE transaction on one pooled connection; writes buffered until a query.

    Round trips are what a request costs on a shared database, so a transaction saves them
    where that is safe: ``BEGIN`` travels with the first statement and the last writes with
    ``COMMIT`` (psycopg's pipeline mode: one round trip each); a document read once is not
    read again (the snapshot of a SERIALIZABLE transaction does not move, and its own writes
    update what it remembers); an identical lookup is answered again until the transaction
    writes to that table; and a query flushes the buffered writes only when they touch a
    table it reads.
    """

    store: PgStore
    conn: psycopg.Connection[Any]
    pending: dict[tuple[str, str], Doc | None] = field(default_factory=dict)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    failure: BaseException | None = None
    wrote: bool = False
    begun: bool = False
    read: dict[tuple[str, str], Doc | None] = field(default_factory=dict)
    lookups: dict[tuple[str, str, str], list[Doc]] = field(default_factory=dict)
    then: list[Statement] = field(default_factory=list)
    """Statements sent right after ``COMMIT``, in its round trip (skipped if it fails)."""

    def _check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def execute(self, query: Any, params: Any = None) -> psycopg.Cursor[Any]:
        self._check()
        try:
            with mapped_errors():
                if self.begun:
                    return self.conn.execute(query, params)
                with self.conn.pipeline():
                    self.conn.execute(BEGIN, prepare=False)
                    self.begun = True
                    cursor = self.conn.execute(query, params, prepare=False)
                return cursor
        except DomainError as exc:
            self.failure = exc
            raise

    def pipelined(self, statements: list[Statement]) -> None:
        """Send ``statements`` (and ``BEGIN`` first if not sent yet) in one round trip.

        Never as prepared statements: when a statement of a pipeline fails, the server skips
        the rest, and psycopg would take a skipped one as prepared all the same.
        """
        self._check()
        try:
            with mapped_errors(), self.conn.pipeline():
                if not self.begun:
                    self.conn.execute(BEGIN, prepare=False)
                    self.begun = True
                for query, params in statements:
                    self.conn.execute(query, params, prepare=False)
        except DomainError as exc:
            self.failure = exc
            raise

    def get(self, table: str, key: str) -> Doc | None:
        found = self.pending.get((table, key), _MISSING)
        if found is _MISSING:
            found = self.read.get((table, key), _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[return-value]
        row = self.execute(BY_KEY, (_hashed_key(table, key),)).fetchone()
        doc = row[0] if row else None
        self.read[(table, key)] = doc
        return doc

    def put(self, table: str, key: str, doc: Doc) -> Doc:
        self._changed(table)
        self.pending[(table, key)] = doc
        if len(self.pending) >= FLUSH_AT:
            self.flush()
        return doc

    def delete(self, table: str, key: str) -> None:
        self._changed(table)
        self.pending[(table, key)] = None

    def _changed(self, table: str) -> None:
        if self.lookups:
            self.lookups = {k: v for k, v in self.lookups.items() if k[0] != table}

    # set-based writes: many documents changed by one statement, no document through Python
    def patch_many(self, table: str, keys: list[str], patch: Doc) -> int:
        """``doc = doc || patch`` (the top-level fields of ``patch`` replaced or added) for the
        stored documents of ``keys``, in one statement; how many there were.

        What a loop of ``put(table, key, {**doc, **patch})`` writes, without reading,
        decoding and encoding every document in Python (a 100,000-card batch).
        """
        self._before_bulk(table, keys, "")
        cursor = self.execute(
            "UPDATE documents SET doc = doc || %s::jsonb WHERE tbl = %s AND key = ANY(%s)",
            (_dumps(patch), table, keys),
        )
        return cursor.rowcount

    def put_each(self, table: str, keys: list[str], prefix: str, common: Doc, field: str) -> None:
        """For each ``k`` of ``keys``: ``put(table, prefix + k, {**common, field: k})``, in one
        statement (a history row per card of a batch)."""
        self._before_bulk(table, keys, prefix)
        self.execute(
            "INSERT INTO documents (tbl, key, doc) "
            "SELECT %s, %s || k, %s::jsonb || jsonb_build_object(%s::text, k) "
            "FROM unnest(%s::text[]) AS k "
            "ON CONFLICT (tbl, key) DO UPDATE SET doc = EXCLUDED.doc",
            (table, prefix, _dumps(common), field, keys),
        )

    def _before_bulk(self, table: str, keys: list[str], prefix: str) -> None:
        """A statement is about to write ``prefix + k`` in ``table``: buffered writes to the
        table go first, and what this transaction remembers of those documents is forgotten."""
        self._changed(table)
        if any(t == table for t, _ in self.pending):
            self.flush()
        if self.read:
            for key in keys:
                self.read.pop((table, prefix + key), None)
        self.wrote = True

    def next_id(self, name: str) -> int:
        seq = self.store.sequence(name)
        row = self.execute(sql.SQL("SELECT nextval({})").format(sql.Literal(seq))).fetchone()
        assert row is not None
        return int(row[0])

    def _statements(self) -> list[Statement]:
        """The buffered writes as statements (buffer emptied; small batches only)."""
        items = list(self.pending.items())
        self.pending.clear()
        self.wrote = True
        self.read.update(items)
        statements: list[Statement] = []
        dels = [(t, k) for (t, k), d in items if d is None]
        for start in range(0, len(dels), FLUSH_CHUNK):
            gone = dels[start : start + FLUSH_CHUNK]
            statements.append(
                (
                    "DELETE FROM documents d USING unnest(%s::text[], %s::text[]) AS x(tbl, key) "
                    "WHERE d.tbl = x.tbl AND d.key = x.key",
                    ([t for t, _ in gone], [k for _, k in gone]),
                )
            )
        puts = [(t, k, _dumps(d)) for (t, k), d in items if d is not None]
        if puts:
            statements.append(
                (
                    "INSERT INTO documents (tbl, key, doc) "
                    "SELECT * FROM unnest(%s::text[], %s::text[], %s::jsonb[]) "
                    "ON CONFLICT (tbl, key) DO UPDATE SET doc = EXCLUDED.doc",
                    ([t for t, _, _ in puts], [k for _, k, _ in puts], [d for _, _, d in puts]),
                )
            )
        return statements

    def flush(self) -> None:
        if not self.pending:
            return
        if len(self.pending) > COPY_OVER:
            self._copy()
            return
        statements = self._statements()
        if len(statements) == 1:
            self.execute(*statements[0])
        else:
            self.pipelined(statements)

    def _copy(self) -> None:
        """Many writes: COPY into this session's temporary table, then one upsert from it."""
        items = list(self.pending.items())
        self.pending.clear()
        self.wrote = True
        self.read.update(items)
        dels = {key: None for key, doc in items if doc is None}
        if dels:
            self.pending.update(dels)
            self.pipelined(self._statements())
        self.execute(
            "CREATE TEMP TABLE IF NOT EXISTS branchdesk_pending "
            "(tbl text, key text, doc jsonb) ON COMMIT DELETE ROWS"
        )
        try:
            with (
                mapped_errors(),
                self.conn.cursor().copy(
                    "COPY branchdesk_pending (tbl, key, doc) FROM STDIN"
                ) as copy,
            ):
                for (table, key), doc in items:
                    if doc is not None:
                        copy.write_row((table, key, _dumps(doc)))
        except DomainError as exc:
            self.failure = exc
            raise
        self.execute(  # and empty the temporary table again, in the same statement
            "WITH sent AS (DELETE FROM branchdesk_pending RETURNING tbl, key, doc) "
            "INSERT INTO documents (tbl, key, doc) SELECT tbl, key, doc FROM sent "
            "ON CONFLICT (tbl, key) DO UPDATE SET doc = EXCLUDED.doc"
        )

    # queries: flush first, so they see this transaction's own writes
    def query(
        self, query: Any, params: Any = None, tables: Iterable[str] | None = None
    ) -> list[tuple[Any, ...]]:
        """Rows of ``query``; buffered writes to ``tables`` (None: any) are sent first."""
        if tables is None:
            self.flush()
        elif self.pending:
            wanted = set(tables)
            if any(t in wanted for t, _ in self.pending):
                self.flush()
        return self.execute(query, params).fetchall()

    def commit(self) -> None:
        """The last writes and ``COMMIT`` in one round trip (none at all if nothing was sent)."""
        if not self.begun and not self.pending:
            if self.then:
                self.pipelined(self.then)
            return
        if len(self.pending) > COPY_OVER:
            self.flush()
        writes = self._statements() if self.pending else []
        self.pipelined([*writes, ("COMMIT", None), *self.then])

    def rollback(self) -> None:
        self.pending.clear()
        if self.begun:
            with contextlib.suppress(Exception):
                self.conn.execute("ROLLBACK")


@dataclass
class Outcome:
    """What the store saw during one attempt of a request that has no request transaction."""

    conflict: bool = False
    commits: int = 0


_outcome: contextvars.ContextVar[Outcome | None] = contextvars.ContextVar(
    "branchdesk_pg_outcome", default=None
)
_current: contextvars.ContextVar[PgTransaction | None] = contextvars.ContextVar(
    "branchdesk_pg_txn", default=None
)


class PgStore:
    """The ``Store`` protocol on PostgreSQL, for any number of server processes and hosts."""

    shared = True
    """Correctness comes from the database: requests run in ``shared_requests``."""
    outcome = _outcome

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = POOL_SIZE,
        pool_timeout: float = POOL_TIMEOUT_S,
        statement_timeout_ms: int = STATEMENT_TIMEOUT_MS,
        check_schema: bool = True,
        queue_timeout: float = float(os.environ.get("BRANCHDESK_DB_QUEUE_TIMEOUT", "20")),
    ) -> None:
        self.url = url
        self.pool_timeout = pool_timeout
        self.request_slots = pool_size
        self.queue_timeout = queue_timeout
        """Requests run at once (``shared_requests``); the pool has two more connections."""
        self._sequences: set[str] = set()
        self.pool = psycopg_pool.ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size + 2,
            timeout=pool_timeout,
            kwargs={
                "autocommit": True,
                "options": f"-c statement_timeout={int(statement_timeout_ms)}",
                "connect_timeout": 5,
            },
            reconnect_timeout=0,
            open=False,
            name="branchdesk",
        )
        self.pool.open(wait=False)
        if check_schema:
            with self.connection() as conn, mapped_errors():
                current = schema_version(conn)
            if current != latest_version():
                self.pool.close()
                raise SchemaOutdated(current, latest_version())

    # -- connections ---------------------------------------------------------------------
    @contextlib.contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection; pool exhaustion or a dead database become 503 errors."""
        try:
            with mapped_errors():
                conn = self.pool.getconn(timeout=self.pool_timeout)
        except StoreUnavailable as exc:
            if exc.code == "store_busy":
                self.ping()  # a full pool, or a database that is gone: say which
            raise
        try:
            yield conn
        finally:
            if conn.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                with contextlib.suppress(Exception):
                    conn.execute("ROLLBACK")
            self.pool.putconn(conn)

    def begin(self, conn: psycopg.Connection[Any]) -> PgTransaction:
        """A transaction on ``conn``; ``BEGIN`` is sent with its first statement."""
        return PgTransaction(self, conn)

    def current(self) -> PgTransaction | None:
        txn = _current.get()
        return txn if txn is not None and txn.store is self else None

    @contextlib.contextmanager
    def bound(self, txn: PgTransaction) -> Iterator[PgTransaction]:
        """Make ``txn`` the current transaction: every store call in this context joins it."""
        token = _current.set(txn)
        try:
            yield txn
        finally:
            _current.reset(token)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[PgTransaction]:
        """A unit of work; joins the current request transaction when there is one.

        Standing alone (seed, tools), a serialization failure is raised as ``StoreConflict``;
        requests are retried whole by ``shared_requests``.
        """
        outer = self.current()
        if outer is not None:
            yield outer
            return
        with self.connection() as conn:
            txn = self.begin(conn)
            with self.bound(txn):
                try:
                    yield txn
                    txn.commit()
                except BaseException as exc:
                    txn.rollback()
                    outcome = _outcome.get()
                    if outcome is not None and isinstance(txn.failure or exc, StoreConflict):
                        outcome.conflict = True
                    raise
        outcome = _outcome.get()
        if outcome is not None:
            outcome.commits += 1
        for callback in txn.after_commit:
            callback()

    def _read(
        self, query: Any, params: Any = None, tables: Iterable[str] | None = None
    ) -> list[tuple[Any, ...]]:
        """Rows of ``query``, in the current transaction if there is one; ``tables``: what
        it reads (None: anything), so that only writes to those are sent before it."""
        txn = self.current()
        if txn is not None:
            return txn.query(query, params, tables)
        with self.connection() as conn, mapped_errors():
            return conn.execute(query, params).fetchall()

    def sequence(self, name: str) -> str:
        """The sequence behind ``next_id(name)``, created (outside any transaction) on first use."""
        if not _NAME.match(name):
            raise ValueError(f"bad counter name {name!r}")
        seq = f"counter_{name}"
        if seq not in self._sequences:
            create = sql.SQL("CREATE SEQUENCE IF NOT EXISTS {}").format(sql.Identifier(seq))
            with (
                self.connection() as conn,
                mapped_errors(),
                contextlib.suppress(pg_errors.UniqueViolation),
            ):
                conn.execute(create)
            self._sequences.add(seq)
        return seq

    # -- the Store protocol ---------------------------------------------------------------
    def get(self, table: str, key: str) -> Doc | None:
        txn = self.current()
        if txn is not None:
            return txn.get(table, key)
        rows = self._read(BY_KEY, (_hashed_key(table, key),))
        return rows[0][0] if rows else None

    def _known(self, table: str, keys: list[str]) -> tuple[dict[str, Doc], list[str]]:
        """The documents of ``keys`` the current transaction has written or read (those that
        exist), and the keys it knows nothing of, to ask the database."""
        txn = self.current()
        if txn is None:
            return {}, keys
        found: dict[str, Doc] = {}
        ask = []
        for key in keys:
            known = txn.pending.get((table, key), _MISSING)
            if known is _MISSING:
                known = txn.read.get((table, key), _MISSING)
            if known is _MISSING:
                ask.append(key)
            elif known is not None:
                found[key] = known  # type: ignore[assignment]
        return found, ask

    def get_many(self, table: str, keys: list[str]) -> dict[str, Doc]:
        """The documents of ``keys`` that exist, in one indexed query (batches of cards)."""
        found, ask = self._known(table, keys)
        if ask:
            rows = self._read(
                "SELECT key, doc FROM documents WHERE tbl = %s AND key = ANY(%s)",
                (table, ask),
                (),  # the keys with buffered writes were answered above
            )
            found.update(dict(rows))
        return found

    def get_fields(self, table: str, keys: list[str], fields: tuple[str, ...]) -> dict[str, Doc]:
        """The documents of ``keys`` that exist, each with at least ``fields`` as stored.

        For a batch of many documents of which a few string fields are needed (the cards of a
        batch): the database sends those fields as text, and Python decodes no JSON. A
        document where one of them is missing or not a string comes whole, as does one this
        transaction has written or read already.
        """
        found, ask = self._known(table, keys)
        if not ask:
            return found
        names = [_field(f) for f in fields]
        texts = sql.SQL(", ").join(sql.SQL("doc ->> {}").format(n) for n in names)
        strings = sql.SQL(" AND ").join(
            sql.SQL("jsonb_typeof(doc -> {}) = 'string'").format(n) for n in names
        )
        query = sql.SQL(
            "SELECT key, CASE WHEN {s} THEN NULL ELSE doc END, {t} "
            "FROM documents WHERE tbl = {tbl} AND key = ANY(%s)"
        ).format(s=strings, t=texts, tbl=_literal_table(table))
        for key, whole, *values in self._read(query, (ask,), ()):
            found[key] = whole if whole is not None else dict(zip(fields, values, strict=True))
        return found

    def scan(self, table: str) -> Iterable[Doc]:
        query = sql.SQL("SELECT doc FROM documents WHERE tbl = {} ORDER BY key").format(
            _literal_table(table)
        )
        return [row[0] for row in self._read(query, None, (table,))]

    def keys(self, table: str) -> list[str]:
        query = sql.SQL("SELECT key FROM documents WHERE tbl = {} ORDER BY key").format(
            _literal_table(table)
        )
        return [row[0] for row in self._read(query, None, (table,))]

    def count(self, table: str) -> int:
        query = sql.SQL("SELECT count(*) FROM documents WHERE tbl = {}").format(
            _literal_table(table)
        )
        return int(self._read(query, None, (table,))[0][0])

    def lookup(self, table: str, field: str, value: Any) -> list[Doc]:
        """Documents whose ``field`` equals ``value``, through the partial expression index."""
        expr = sql.SQL("doc -> {}").format(_field(field))
        if value is None:
            cond = sql.SQL("({e} IS NULL OR {e} = 'null'::jsonb)").format(e=expr)
            params: tuple[Any, ...] = ()
        else:
            cond = sql.SQL("{} = %s::jsonb").format(expr)
            params = (_dumps(value),)
        query = sql.SQL("SELECT doc FROM documents WHERE tbl = {} AND {} ORDER BY key").format(
            _literal_table(table), cond
        )
        txn = self.current()
        if txn is None:
            return [row[0] for row in self._read(query, params)]
        # The same question twice in one transaction: the same answer, until it writes there.
        asked = (table, field, _dumps(value))
        found = txn.lookups.get(asked)
        if found is None:  # (a write to the table forgets its lookups: _changed)
            found = [row[0] for row in txn.query(query, params, (table,))]
            txn.lookups[asked] = found
        return list(found)

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
        """Documents equal to ``where`` with ``lo <= doc ->> field < hi``, ordered and limited
        in SQL (indexes in migration 0004: equality as ``doc -> f``, the range as text)."""
        conds, params = _conditions(table, where, field, lo, hi)
        order: sql.Composable = sql.SQL("key")
        if field is not None:
            direction = sql.SQL("DESC" if newest_first else "ASC")
            order = sql.SQL("(doc ->> {f}) {d}, key {d}").format(f=_field(field), d=direction)
        query = sql.SQL("SELECT doc FROM documents WHERE {} ORDER BY {}").format(conds, order)
        if limit is not None:
            query += sql.SQL(" LIMIT {}").format(sql.Literal(int(limit)))
        return [row[0] for row in self._read(query, params, (table,))]

    def count_range(
        self, table: str, field: str, *, where: Where = None, lo: Bound = None, hi: Bound = None
    ) -> int:
        """How many documents ``select`` would give, counted by the database."""
        conds, params = _conditions(table, where, field, lo, hi)
        query = sql.SQL("SELECT count(*) FROM documents WHERE {}").format(conds)
        return int(self._read(query, params, (table,))[0][0])

    def tally(self, table: str, fields: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
        """How many documents share each combination of ``fields``, counted by the database."""
        keys = sql.SQL(", ").join(sql.SQL("doc ->> {}").format(_field(f)) for f in fields)
        query = sql.SQL("SELECT {k}, count(*) FROM documents WHERE tbl = {t} GROUP BY {k}").format(
            k=keys, t=_literal_table(table)
        )
        return {tuple(row[:-1]): int(row[-1]) for row in self._read(query, None, (table,))}

    def tables(self) -> list[str]:
        return [row[0] for row in self._read("SELECT DISTINCT tbl FROM documents ORDER BY tbl")]

    def rows(self, table: str) -> dict[str, Doc]:
        query = sql.SQL("SELECT key, doc FROM documents WHERE tbl = {} ORDER BY key").format(
            _literal_table(table)
        )
        return dict(self._read(query, None, (table,)))

    @property
    def _tables(self) -> Mapping[str, dict[str, Doc]]:
        """The embedded store's ``_tables`` as a read-only view, for presets, tools and tests."""
        return _TablesView(self)

    # -- queries the rules ask for instead of scanning (cost independent of table size) ----
    def redemption_summary(
        self,
        start_utc: str,
        end_utc: str,
        utc_offset_hours: int,
        group_by: tuple[str, ...],
        institution: str | None,
        channel: str | None,
    ) -> dict[str, Any]:
        """Settled redemptions with ``start_utc <= settled_at < end_utc``, aggregated in SQL
        from the per-hour totals (``redemption_totals``, migration 0008), in one statement.

        ``groups``: (key..., accounts, points, amount, orders) per ``group_by`` value;
        ``totals`` the same over all; ``daily``: points per local day. The bounds are local
        midnights of a whole-hour zone, so whole UTC hours: the hourly rows add up exactly.
        """
        unknown = set(group_by) - {"institution_id", "channel"}
        if unknown:
            raise ValueError(f"cannot group redemptions by {sorted(unknown)}")
        where: sql.Composable = sql.SQL(
            "orders <> 0 AND hour >= (%(lo)s::timestamptz AT TIME ZONE 'UTC') "
            "AND hour < (%(hi)s::timestamptz AT TIME ZONE 'UTC')"
        )
        params: dict[str, Any] = {"lo": start_utc, "hi": end_utc, "off": utc_offset_hours}
        if institution:
            where += sql.SQL(" AND institution_id = %(inst)s")
            params["inst"] = institution
        if channel:
            where += sql.SQL(" AND channel = %(ch)s")
            params["ch"] = channel
        keys = sql.SQL(", ").join(sql.Identifier(k) for k in group_by)
        query = sql.SQL(
            "SELECT grouping({k}), {k}, day, count(DISTINCT member_id), "
            "coalesce(sum(points), 0), coalesce(sum(amount), 0.00), coalesce(sum(orders), 0) "
            "FROM (SELECT nullif(institution_id, '') AS institution_id, "
            "nullif(channel, '') AS channel, member_id, points, amount, orders, "
            "(hour + make_interval(hours => %(off)s))::date AS day "
            "FROM redemption_totals WHERE {w}) AS t "
            "GROUP BY GROUPING SETS (({k}), (), (day))"
        ).format(k=keys, w=where)
        groups: list[list[Any]] = []
        totals: list[Any] = [0, 0, Decimal("0.00"), 0]
        daily: dict[Any, int] = {}
        n = len(group_by)
        for row in self._read(query, params, ("redemptions",)):
            part, key, day, figures = row[0], row[1 : 1 + n], row[1 + n], list(row[2 + n :])
            if day is not None:
                daily[day] = int(figures[1])
            elif part == 0:
                groups.append([*key, *figures])
            else:
                totals = figures
        groups.sort(key=lambda g: tuple(g[:n]))
        return {"groups": groups, "totals": totals, "daily": daily}

    def health(self) -> dict[str, Any]:
        """For /health: the database answers now, or the 503 code it gives instead."""
        try:
            self.ping()
        except DomainError as exc:
            return {
                "writable": False,
                "read_only_reason": exc.code,
                "last_write_error": None,
                "problems": [exc.code],
                "unavailable": True,
            }
        return {
            "writable": True,
            "read_only_reason": None,
            "last_write_error": None,
            "problems": [],
        }

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the database answers on a new connection now."""
        with mapped_errors(), psycopg.connect(self.url, connect_timeout=2) as conn:
            conn.execute("SELECT 1")

    def close(self) -> None:
        self.pool.close()


class _TablesView(Mapping[str, dict[str, Doc]]):
    def __init__(self, store: PgStore) -> None:
        self.store = store

    def __getitem__(self, table: str) -> dict[str, Doc]:
        rows = self.store.rows(table)
        if not rows:
            raise KeyError(table)
        return rows

    def __iter__(self) -> Iterator[str]:
        return iter(self.store.tables())

    def __len__(self) -> int:
        return len(self.store.tables())


def open_pg_store(url: str, *, upgrade_schema: bool = False, **options: Any) -> PgStore:
    if upgrade_schema:
        upgrade(url)
    return PgStore(url, **options)
