"""Opening the backend on a shared PostgreSQL database (``serve --database``)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

from branchdesk.clients.local import sealing, seed
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.pg_store import PgStore, mapped_errors, open_pg_store
from branchdesk.clients.local.settings import Settings

DATABASE_ENV = "BRANCHDESK_DATABASE_URL"
INIT_LOCK = 0x62726E6473656564  # advisory lock id: first-run seeding ("brndseed")


class NoLock:
    """Stands in for the embedded store's write lock: the database does the isolating."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


def database_url(flag: str | None) -> str | None:
    return flag or os.environ.get(DATABASE_ENV) or None


def is_database_url(value: str) -> bool:
    return value.startswith(("postgresql://", "postgres://"))


def key_dir(url: str) -> Path:
    """Where the master key of a database is looked up when BRANCHDESK_STORE_KEY is not set.

    Every server process on every host must share the key: set BRANCHDESK_STORE_KEY. Without
    it, processes on one host share a key file named after the database (not its password).
    """
    info = psycopg.conninfo.conninfo_to_dict(url)
    ident = f"postgresql:{info.get('host', '')}:{info.get('port', '')}:{info.get('dbname', '')}"
    name = hashlib.sha256(ident.encode()).hexdigest()[:24]
    return Path(sealing._config_dir()) / "postgres-stores" / name


def sealer_key(url: str) -> bytes:
    return sealing.load_master_key(key_dir(url))


def open_shared_backend(
    url: str,
    *,
    demo: bool,
    settings: Settings | None = None,
    upgrade: bool = False,
    sealer: sealing.Sealer | None = None,
    sandbox: bool = False,
    **store_options: Any,
) -> Backend:
    """The backend on PostgreSQL; the first process to start on an empty database seeds it."""
    store: PgStore = open_pg_store(url, upgrade_schema=upgrade, **store_options)
    try:
        settings = settings or Settings(sandbox=sandbox)
        backend = Backend(
            # PgStore implements the Store protocol with its own transaction type.
            store=store,  # type: ignore[arg-type]
            settings=settings,
            sealer=sealer or sealing.Sealer(sealer_key(url)),
            write_lock=NoLock(),  # type: ignore[arg-type]  # the database isolates
        )
        meta = store.get("_meta", "store")
        if meta is None:
            with mapped_errors(), psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SELECT pg_advisory_lock(%s)", (INIT_LOCK,))
                try:
                    if store.get("_meta", "store") is None:
                        seed.initialise(backend, demo=demo)
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (INIT_LOCK,))
            meta = store.get("_meta", "store")
        settings.demo = bool(meta and meta.get("demo"))
        return backend
    except BaseException:
        store.close()
        raise
