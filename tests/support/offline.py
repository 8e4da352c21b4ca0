"""The offline visit day in tests: a network that can go down, and a keyring in this process.

``MemoryKeyring`` stands in for the OS keyring (the tests never touch the real one); the app
reaches it through ``keyring`` exactly as it reaches the OS keyring. ``FlakyNetwork`` is the
network between the real client and the real ASGI app: when it is down, requests fail with a
connection error, as with the backend out of reach.
"""

from __future__ import annotations

from typing import Any

import httpx
import keyring
from keyring.backend import KeyringBackend
from textual.pilot import Pilot

from branchdesk.clients.api import EMBEDDED_URL, Action, ApiClient
from branchdesk.clients.local.app import create_app
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.onboarding_api import OnboardingApi
from branchdesk.tui.app import BranchdeskApp
from branchdesk.tui.connect import Connection
from branchdesk.tui.options import AppOptions
from support.tui import SIZE, focus, login, wait_for


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps passwords in this process (the OS one is not touched)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username), None)


class FlakyNetwork(httpx.AsyncBaseTransport):
    """The network between client and backend; ``down`` makes the backend unreachable."""

    def __init__(self, backend: Backend) -> None:
        self.inner = httpx.ASGITransport(app=create_app(backend))
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("network down", request=request)
        return await self.inner.handle_async_request(request)


def app_over(network: FlakyNetwork, lang: str = "en", **options: object) -> BranchdeskApp:
    """The App over ``network`` to the in-process backend (same label as the embedded one)."""
    client = ApiClient(EMBEDDED_URL, transport=network, lang=lang, retry_delay=0.01)
    settings: dict[str, object] = {"cursor_blink": False, **options}
    return BranchdeskApp(
        AppOptions(lang=lang, **settings),  # type: ignore[arg-type]
        connection=Connection(client),
    )


def memory_keyring() -> MemoryKeyring:
    """A fresh in-process keyring, set as the one ``keyring`` uses (the OS one is not touched)."""
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    return ring


async def type_login(pilot: Pilot[Any], staff_id: str, password: str) -> None:
    """Type a login as the user does (the online login, or the offline one when out of reach)."""
    app = pilot.app
    await wait_for(pilot, lambda: getattr(app, "ready", False))
    await focus(pilot, "#staff-id")
    await pilot.press(*staff_id, "enter", *password, "enter")


def kept_customers(app: BranchdeskApp) -> dict[str, Any]:
    sync = app.outbox_sync
    return (sync.outbox.recall("m001", "local", "customers") if sync else None) or {}


async def online_day_before(
    network: FlakyNetwork, lang: str, login_as: Any, data: dict[str, Any]
) -> dict[str, Any]:
    """The day before: a customer exists; the marketer logs in online on this machine, which
    keeps the verifier and the customers with their checklists for the visit day."""
    customer = await OnboardingApi(await login_as("m001")).create_customer(data, Action())
    app = app_over(network, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "m001")

        def kept() -> bool:
            sync = app.outbox_sync
            checklist = f"checklist:{customer['id']}"  # type: ignore[index]
            return bool(sync and sync.outbox.recall("m001", "local", checklist))

        await wait_for(pilot, kept)
    return customer  # type: ignore[return-value]
