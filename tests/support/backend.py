"""Real backends for tests: the ASGI app in-process, or ``branchdesk serve`` as a subprocess."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from branchdesk.clients.api import ApiClient
from branchdesk.clients.local import seed
from branchdesk.clients.local.app import create_app, open_backend, ready
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.settings import Settings
from support.processes import stop

DEMO_PASSWORD = "demo-pass-1"
DEMO_ROLES = {
    "m001": "marketer",
    "c001": "clerk",
    "k001": "cashier",
    "t001": "trainer",
    "s001": "supervisor",
}
"""The demo staff accounts and their one role each."""


class FakeClock:
    """A settable clock for rules with time limits (lockout, OTP validity, QR codes)."""

    def __init__(self, start: Any = None) -> None:
        from datetime import UTC, datetime

        self.now = start or datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self) -> Any:
        return self.now

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self.now = self.now + timedelta(**delta)


def _as_embedded(backend: Backend, sandbox: bool) -> Backend:
    """Like the TUI's embedded backend: a sandbox whose simulated phone this process holds."""
    backend.settings.sandbox = sandbox
    backend.phone_key = secrets.token_urlsafe(32) if sandbox else None
    return backend


def make_backend(
    data_dir: Path | None = None,
    *,
    demo: bool = True,
    settings: Settings | None = None,
    sandbox: bool = True,
) -> Backend:
    if data_dir is not None:
        return _as_embedded(open_backend(data_dir, demo=demo, settings=settings), sandbox)
    return _as_embedded(_memory_backend(demo, settings), sandbox)


# Seeding the demo data (9,000 documents, sealed card secrets) takes most of a second, and the
# suite makes a thousand memory backends: each worker seeds once per (demo, clock) and gives every
# test its own deep copy of the seeded tables, sealed under the worker's one key.
_MEMORY_SEEDED: dict[tuple[bool, str], tuple[bytes, float]] = {}


def _memory_backend(demo: bool, settings: Settings | None) -> Backend:
    import marshal

    from branchdesk.clients.local.sealing import Sealer
    from branchdesk.clients.local.store import MemoryStore

    settings = settings or Settings()
    clock = settings.clock
    frozen = isinstance(clock, FakeClock)
    key = (demo, clock().isoformat() if frozen else "real")
    found = _MEMORY_SEEDED.get(key)
    if found is None or not (frozen or time.monotonic() - found[1] < _REAL_CLOCK_REUSE_S):
        seeded = Backend(
            store=MemoryStore(), settings=Settings(clock=clock), sealer=Sealer(_SEALER_KEY)
        )
        seed.initialise(seeded, demo=demo)
        found = (marshal.dumps(seeded.store.export_tables()), time.monotonic())
        _MEMORY_SEEDED[key] = found
    store = MemoryStore()
    store.import_tables(marshal.loads(found[0]))
    return ready(Backend(store=store, settings=settings, sealer=Sealer(_SEALER_KEY)))


# Seeding the demo data into PostgreSQL takes seconds; a suite makes hundreds of backends. Each
# worker seeds once per (demo, clock) into a template database and copies it (CREATE DATABASE
# ... TEMPLATE copies files: a fraction of a second). Sealed fields need one key per worker.
_SEALER_KEY = os.urandom(32)
_SEEDED: dict[tuple[str, bool, str], tuple[str, float]] = {}
_REAL_CLOCK_REUSE_S = 300.0  # seeded data is "now"-relative: a real-clock copy may age this much


def make_pg_backend(
    url: str, *, demo: bool = True, settings: Settings | None = None, sandbox: bool = True
) -> Backend:
    """A backend on the database at ``url``; an empty one gets the seeded data first."""
    from branchdesk.clients.local.sealing import Sealer

    if _is_empty(url):
        template = _seeded_template(url, demo, settings, Sealer(_SEALER_KEY))
        _copy_database(url, template)
    return _open_pg(url, demo, settings, sandbox)


def make_seeded_pg_backend(
    server: Any, *, demo: bool = True, settings: Settings | None = None, sandbox: bool = True
) -> Backend:
    """A backend on a new database of ``server`` (a ``support.postgres.PostgresServer``),
    copied in one step from the worker's seeded template."""
    from branchdesk.clients.local.sealing import Sealer
    from support.postgres import TEMPLATE

    template = _seeded_template(server.url(TEMPLATE), demo, settings, Sealer(_SEALER_KEY))
    return _open_pg(server.create_database(template), demo, settings, sandbox)


def _open_pg(url: str, demo: bool, settings: Settings | None, sandbox: bool) -> Backend:
    from branchdesk.clients.local.sealing import Sealer
    from branchdesk.clients.local.shared_backend import open_shared_backend

    backend = open_shared_backend(
        url, demo=demo, settings=settings, pool_size=4, sealer=Sealer(_SEALER_KEY)
    )
    return _as_embedded(backend, sandbox)


def _admin_url(url: str) -> str:
    import psycopg

    return psycopg.conninfo.make_conninfo(url, dbname="postgres")


def _dbname(url: str) -> str:
    import psycopg

    return str(psycopg.conninfo.conninfo_to_dict(url)["dbname"])


def _is_empty(url: str) -> bool:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM documents").fetchone()
    return row is not None and row[0] == 0


def _seeded_template(url: str, demo: bool, settings: Settings | None, sealer: Any) -> str:
    import psycopg

    from branchdesk.clients.local.shared_backend import open_shared_backend

    clock = (settings or Settings()).clock
    frozen = isinstance(clock, FakeClock)
    key = (_admin_url(url), demo, clock().isoformat() if frozen else "real")
    found = _SEEDED.get(key)
    if found is not None and (frozen or time.monotonic() - found[1] < _REAL_CLOCK_REUSE_S):
        return found[0]
    name = f"seeded_{os.getpid()}_{len(_SEEDED)}_{int(time.monotonic() * 1000)}"
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {_dbname(url)}")
    seeding = Settings(clock=clock) if settings is None else settings
    backend = open_shared_backend(
        _with_dbname(url, name), demo=demo, settings=seeding, pool_size=2, sealer=sealer
    )
    backend.store.close()
    if found is not None:
        with psycopg.connect(_admin_url(url), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {found[0]} WITH (FORCE)")
    _SEEDED[key] = (name, time.monotonic())
    return name


def _with_dbname(url: str, name: str) -> str:
    import psycopg

    return psycopg.conninfo.make_conninfo(url, dbname=name)


def _copy_database(url: str, template: str) -> None:
    import psycopg

    name = _dbname(url)
    with psycopg.connect(_admin_url(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")


def asgi_client(backend: Backend, lang: str = "en", *, phone: bool = True) -> ApiClient:
    """The embedded TUI's client; ``phone=False``: one without the simulated phone's key,
    which sees the outbox as any remote client does."""
    client = ApiClient.for_asgi(create_app(backend), lang=lang, retry_delay=0.01)
    client.phone_key = backend.phone_key if phone else None
    return client


async def logged_in(backend: Backend, staff_id: str, lang: str = "en") -> ApiClient:
    client = asgi_client(backend, lang)
    await client.login(staff_id, DEMO_PASSWORD)
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_command(port: int, data_dir: Path, *extra: str) -> list[str]:
    """``branchdesk serve`` on ``port`` over the store in ``data_dir``, as a subprocess's argv."""
    return [
        sys.executable,
        "-m",
        "branchdesk",
        "serve",
        "--port",
        str(port),
        "--data",
        str(data_dir),
        *extra,
    ]


def serve_to_the_end(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``branchdesk serve`` on a free port, run until it exits: for a server that must refuse."""
    return subprocess.run(
        serve_command(free_port(), data_dir, *extra), capture_output=True, text=True, timeout=60
    )


class ServedBackend:
    """``branchdesk serve`` in a subprocess on a free loopback port."""

    def __init__(
        self,
        data_dir: Path,
        *,
        demo: bool = True,
        extra_env: dict[str, str] | None = None,
        extra_args: list[str] | None = None,
        port: int | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()  # a port again: the same backend restarted
        self.url = f"http://127.0.0.1:{self.port}"
        args = serve_command(self.port, data_dir, "--log-level", "warning")
        if demo:
            args.append("--demo")
        args.extend(extra_args or [])
        env = {**os.environ, **(extra_env or {})}
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        try:
            self._wait_ready()
        except BaseException:
            self.stop()  # a server that was too slow must not outlive its test
            raise

    def _wait_ready(self, timeout: float = 90.0) -> None:
        # Generous: it only matters when something is wrong, and a machine running the whole
        # suite on every core (plus PostgreSQL) can take tens of seconds to start a process.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"branchdesk serve exited: {self.log_path.read_text()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"branchdesk serve did not start: {self.log_path.read_text()}")

    def client(self, lang: str = "en") -> ApiClient:
        return ApiClient(self.url, lang=lang, retry_delay=0.05)

    def stop(self) -> None:
        stop(self.process)
        self._log.close()
