"""Fixtures for every test area. Tests never touch the user's real dirs or OS keyring."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import null

from branchdesk.clients.api import ApiClient
from branchdesk.clients.local.backend import Backend
from branchdesk.tui import i18n
from support import pcsc
from support.backend import ServedBackend, asgi_client, logged_in, make_backend
from support.pcsc import pcscd, virtual_sim  # noqa: F401  (fixtures for every test area)


def pytest_configure(config: pytest.Config) -> None:
    # Before any test touches pyscard: this process's own pcscd socket and vpcd ports.
    pcsc.configure_process()


def pytest_unconfigure(config: pytest.Config) -> None:
    pcsc.unconfigure_process()


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("BRANCHDESK_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("BRANCHDESK_DATA_DIR", str(home / "data"))
    monkeypatch.delenv("BRANCHDESK_API_URL", raising=False)
    monkeypatch.delenv("BRANCHDESK_LANG", raising=False)
    keyring.set_keyring(null.Keyring())
    i18n.set_language("en")


@pytest.fixture
def backend() -> Iterator[Backend]:
    """The local backend with demo data on a memory store."""
    b = make_backend()
    yield b
    b.store.close()


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
