"""Build the API client: the embedded local backend in this process, or a remote URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from branchdesk.clients.api import ApiClient, check_api_url
from branchdesk.tui.options import AppOptions


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
        return Connection(ApiClient(options.api_url, lang=lang))
    return embedded_connection(options.store_dir(), demo=options.demo, lang=lang)


def embedded_connection(store_dir: Path | None, *, demo: bool, lang: str) -> Connection:
    from branchdesk.clients.local.app import create_app, open_backend
    from branchdesk.clients.local.store import StoreCorrupt, StoreLocked

    try:
        backend = open_backend(store_dir, demo=demo)
    except StoreLocked as exc:
        raise StartupError("startup.store_locked", path=str(exc.path)) from exc
    except StoreCorrupt as exc:
        raise StartupError("startup.store_corrupt", path=str(exc.path), reason=exc.reason) from exc
    except OSError as exc:
        raise StartupError(
            "startup.store_unreadable", path=str(store_dir), reason=str(exc)
        ) from exc
    return Connection(ApiClient.for_asgi(create_app(backend), lang=lang), backend=backend)
