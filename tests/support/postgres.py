"""A private PostgreSQL server for tests: initdb + pg_ctl in a temporary directory.

PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
``postgres`` OS user (``runuser``) in a private directory chowned to it. It listens on a unix
socket in that directory only (no TCP), with fsync off: a test server, thrown away afterwards.
One server per pytest(-xdist) worker; each test gets its own database, copied from a template
that already has the schema.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from branchdesk.clients.local import pg_store

BIN_DIRS = [Path("/usr/lib/postgresql/15/bin"), *sorted(Path("/usr/lib/postgresql").glob("*/bin"))]
REQUIRE_ENV = "BRANCHDESK_REQUIRE_POSTGRES"
TEMPLATE = "branchdesk_template"


def find_bin_dir() -> Path | None:
    for directory in BIN_DIRS:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def unavailable_reason() -> str | None:
    """Why no test server can be started here, or None."""
    if find_bin_dir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


class PostgresServer:
    def __init__(self) -> None:
        bin_dir = find_bin_dir()
        assert bin_dir is not None
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="branchdesk-pg-"))
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        os.chmod(self.root, 0o700)
        self.data = self.root / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-N",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        self.start()
        try:
            with self.admin() as conn:
                conn.execute(f"CREATE DATABASE {TEMPLATE}")
            pg_store.upgrade(self.url(TEMPLATE))
        except BaseException:
            self.stop()
            raise

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(
            [*self.as_user, str(self.bin_dir / tool), *args],
            capture_output=True,
            text=True,
            cwd=self.root,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{tool} failed: {result.stdout}\n{result.stderr}")

    def start(self) -> None:
        options = (
            f"-k {self.root} -p {self.port} -c listen_addresses='' -F "
            "-c max_connections=200 -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-w",
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.root}&port={self.port}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.url(), autocommit=True)

    def create_database(self, template: str = TEMPLATE) -> str:
        """A fresh copy of ``template`` (by default: the current schema, no data); its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        with contextlib.suppress(psycopg.Error), self.admin() as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
