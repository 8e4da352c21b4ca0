"""``branchdesk db export`` / ``db import``: a training room's data to the branch server and back.

Both are all-or-nothing: import writes every document into an *empty* database in one
transaction; export reads one consistent snapshot and writes a *new* embedded store by atomic
snapshot replace. Counters move with the data (embedded ``_counters`` ↔ PostgreSQL sequences),
and so does the master key that seals secrets, so sealed values stay readable on the other side
(with ``BRANCHDESK_STORE_KEY`` set, both sides already share it).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from branchdesk.clients.local import sealing
from branchdesk.clients.local.pg_store import _dumps, latest_version, mapped_errors, schema_version
from branchdesk.clients.local.shared_backend import key_dir
from branchdesk.clients.local.store import SNAPSHOT_NAME, FileStore, StoreError

COUNTERS = "_counters"


class TransferError(Exception):
    pass


def _counts(data: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {table: len(rows) for table, rows in data.items() if rows}


def _check_schema(conn: psycopg.Connection[Any]) -> None:
    if schema_version(conn) != latest_version():
        raise TransferError("the database schema is not current: run `branchdesk db upgrade`")


def _adopt_key(target_dir: Path, key: bytes) -> None:
    """Make ``key`` the master key of ``target_dir`` (a new store; nothing sealed there yet)."""
    if os.environ.get(sealing.KEY_ENV):
        return
    name = sealing._entry_name(target_dir)
    sealing._keyring_set(name, key)
    path = sealing.key_file_path(target_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(base64.b64encode(key))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def import_from_dir(source: str | os.PathLike[str], url: str) -> dict[str, int]:
    """Copy the embedded store in ``source`` into the empty database at ``url``."""
    source_dir = Path(source)
    if not (source_dir / SNAPSHOT_NAME).exists():
        raise TransferError(f"{source_dir} holds no embedded store")
    try:
        store = FileStore(source_dir)
    except StoreError as exc:
        raise TransferError(str(exc)) from None
    try:
        data = store.export_tables()
        key = sealing.load_master_key(source_dir)
    finally:
        store.close()
    counters = data.pop(COUNTERS, {})
    with mapped_errors(), psycopg.connect(url, autocommit=True) as conn:
        _check_schema(conn)
        with conn.transaction():
            conn.execute("LOCK TABLE documents IN EXCLUSIVE MODE")
            row = conn.execute("SELECT count(*) FROM documents").fetchone()
            if row and row[0]:
                raise TransferError(f"the database is not empty ({row[0]} documents)")
            with conn.cursor().copy("COPY documents (tbl, key, doc) FROM STDIN") as copy:
                for table, rows in data.items():
                    for key_, doc in rows.items():
                        copy.write_row((table, key_, _dumps(doc)))
            for name, doc in counters.items():
                seq = sql.Identifier(f"counter_{name}")
                conn.execute(sql.SQL("CREATE SEQUENCE IF NOT EXISTS {}").format(seq))
                conn.execute(
                    sql.SQL("SELECT setval({}, %s)").format(sql.Literal(f"counter_{name}")),
                    (max(1, int(doc["value"])),),
                )
    _adopt_key(key_dir(url), key)
    return _counts(data)


def export_to_dir(url: str, target: str | os.PathLike[str]) -> dict[str, int]:
    """Copy the database at ``url`` into a new embedded store in ``target``."""
    target_dir = Path(target)
    if target_dir.exists() and any(target_dir.iterdir()):
        raise TransferError(f"{target_dir} is not empty")
    data: dict[str, dict[str, Any]] = {}
    with mapped_errors(), psycopg.connect(url, autocommit=True) as conn:
        _check_schema(conn)
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            with conn.cursor(name="export") as cur:
                cur.itersize = 5000
                cur.execute("SELECT tbl, key, doc FROM documents ORDER BY tbl, key")
                for table, key_, doc in cur:
                    data.setdefault(table, {})[key_] = doc
            rows = conn.execute(
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE sequencename LIKE 'counter\\_%' AND last_value IS NOT NULL"
            ).fetchall()
    data[COUNTERS] = {name[len("counter_") :]: {"value": int(v)} for name, v in rows}
    from branchdesk.clients.local.shared_backend import sealer_key

    key = sealer_key(url)
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = FileStore(target_dir)
    try:
        store.import_tables(data)
        store.compact()
    finally:
        store.close()
    _adopt_key(target_dir, key)
    counts = _counts(data)
    counts.pop(COUNTERS, None)
    return counts
