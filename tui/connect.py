"""Build the API client: the embedded local backend in this process, or a remote URL."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from branchdesk.clients.api import ApiClient, check_api_url
from branchdesk.tui.options import AppOptions

PHONE_KEY_ENV = "BRANCHDESK_SANDBOX_PHONE_KEY"
"""Set by ``branchdesk web`` for the demo server it starts and for its browser tabs."""


class StartupError(Exception):
    """Why the app cannot start; ``key`` is a catalog key, ``params`` fill it in."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class Connection:
    client: ApiClient
    backend: Any = None
    """The embedded backend (owner of the store), closed with the app."""

    async def close(self) -> None:
        await self.client.aclose()
        if self.backend is not None:
            self.backend.store.close()
            self.backend = None


def connect(options: AppOptions, lang: str) -> Connection:
    """Blocking (imports the server framework, reads the store): run it in a thread worker."""
    if options.api_url:
        problem = check_api_url(options.api_url, options.insecure)
        if problem:
            raise StartupError(f"startup.{problem}", url=options.api_url)
        client = ApiClient(options.api_url, lang=lang)
        # Only a browser tab of `branchdesk web` holds it (for the demo server it started).
        key = os.environ.get(PHONE_KEY_ENV, "")
        client.phone_key = key if len(key) >= 32 else None
        return Connection(client)
    return embedded_connection(options.store_dir(), demo=options.demo, lang=lang)


def embedded_connection(store_dir: Path | None, *, demo: bool, lang: str) -> Connection:
    from branchdesk.clients.local.app import create_app, open_backend
    from branchdesk.clients.local.store import StoreCorrupt, StoreLocked

    try:
        # The embedded backend is a sandbox: its fake SMS shows on the simulated phone.
        backend = open_backend(store_dir, demo=demo, sandbox=True)
    except StoreLocked as exc:
        raise StartupError("startup.store_locked", path=str(exc.path)) from exc
    except StoreCorrupt as exc:
        raise StartupError("startup.store_corrupt", path=str(exc.path), reason=exc.reason) from exc
    except OSError as exc:
        raise StartupError(
            "startup.store_unreadable", path=str(store_dir), reason=str(exc)
        ) from exc
    # The simulated phone's key never leaves this process (see demo.sandbox_routes).
    backend.phone_key = secrets.token_urlsafe(32)
    client = ApiClient.for_asgi(create_app(backend), lang=lang)
    client.phone_key = backend.phone_key
    return Connection(client, backend=backend)
