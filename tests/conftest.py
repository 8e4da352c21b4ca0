"""Fixtures for every test area. Tests never touch the user's real dirs or OS keyring."""

from __future__ import annotations

import inspect
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import null

from branchdesk.clients.api import ApiClient
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.settings import Settings
from branchdesk.tui import i18n
from support import css_cache, pcsc, postgres
from support.backend import (
    ServedBackend,
    asgi_client,
    logged_in,
    make_backend,
    make_seeded_pg_backend,
)
from support.cups import cups  # noqa: F401  (a fixture for every test area)
from support.pcsc import pcscd, virtual_sim  # noqa: F401  (fixtures for every test area)

# Suites that run against both stores: the rules and the HTTP contract, not the screens.
BOTH_STORES = {"api", "points", "sim", "onboarding", "installment", "card_write"}
EMBEDDED_ONLY = (
    "screen",
    "snapshot",
    "served",
    "pcsc",
    "packaging",
    "tui",
    "sealing",
    "store",
    "reader_missing",
)


def pytest_configure(config: pytest.Config) -> None:
    # Before any test touches pyscard: this process's own pcscd socket and vpcd ports.
    pcsc.configure_process()
    # Every App in this process shares the parsed CSS (support/css_cache.py).
    css_cache.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    pcsc.unconfigure_process()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_kind" not in metafunc.fixturenames:
        return
    path = Path(str(metafunc.definition.path))
    if path.parent.name not in BOTH_STORES or any(w in path.name for w in EMBEDDED_ONLY):
        return
    if _drives_screens(metafunc.function):
        return  # the screens see only the HTTP API; the store below it is the API suites' part
    metafunc.parametrize("store_kind", ["embedded", "postgres"], indirect=True)


def _drives_screens(function: object) -> bool:
    """A Pilot test (it runs the App), wherever its file sits."""
    try:
        source = inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False
    return "run_test(" in source or "pilot" in source


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("BRANCHDESK_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("BRANCHDESK_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("BRANCHDESK_API_URL", raising=False)
    monkeypatch.delenv("BRANCHDESK_LANG", raising=False)
    keyring.set_keyring(null.Keyring())
    i18n.set_language("en")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[postgres.PostgresServer]:
    """One private PostgreSQL server per test worker (skipped when it cannot run here)."""
    reason = postgres.unavailable_reason()
    if reason is not None:
        if os.environ.get(postgres.REQUIRE_ENV) == "1":
            pytest.fail(f"{postgres.REQUIRE_ENV}=1 but {reason}")
        pytest.skip(reason)
    server = postgres.PostgresServer()
    yield server
    server.close()


@pytest.fixture
def pg_url(pg_server: postgres.PostgresServer) -> Iterator[str]:
    """A fresh database with the current schema on the worker's server."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """``embedded`` or ``postgres``; the rule and API suites run with both."""
    return getattr(request, "param", "embedded")


@pytest.fixture
def backend_factory(
    store_kind: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Backend]]:
    """``backend_factory(settings=...)`` → a demo backend on the store under test."""
    made: list[tuple[Backend, str | None]] = []

    def factory(settings: Settings | None = None) -> Backend:
        if store_kind == "postgres":
            server = request.getfixturevalue("pg_server")
            b = make_seeded_pg_backend(server, settings=settings)
            made.append((b, b.store.url))  # type: ignore[attr-defined]
        else:
            b = make_backend(settings=settings)
            made.append((b, None))
        return b

    yield factory
    for b, url in made:
        b.store.close()
        if url is not None:
            request.getfixturevalue("pg_server").drop_database(url)


@pytest.fixture
def backend(backend_factory: Callable[..., Backend]) -> Backend:
    """The local backend with demo data, on a memory store (and PostgreSQL where both run)."""
    return backend_factory()


@pytest.fixture
async def client(backend: Backend) -> AsyncIterator[ApiClient]:
    """The real httpx client against the in-process ASGI app, not logged in."""
    c = asgi_client(backend)
    yield c
    await c.aclose()


@pytest.fixture
async def login_as(backend: Backend) -> AsyncIterator[object]:
    """``await login_as("m001")`` → a client logged in as that demo account."""
    made: list[ApiClient] = []

    async def factory(staff_id: str, lang: str = "en") -> ApiClient:
        c = await logged_in(backend, staff_id, lang)
        made.append(c)
        return c

    yield factory
    for c in made:
        await c.aclose()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServedBackend]:
    """A real ``branchdesk serve --demo`` subprocess on a free loopback port."""
    server = ServedBackend(tmp_path / "served-data")
    yield server
    server.stop()
