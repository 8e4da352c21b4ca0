"""The offline outbox: changes made while the backend cannot be reached, kept until sent.

Each entry is one user action with its idempotency key, so sending it again after a lost
response can never apply it twice. Entries live in a TinyDB file in the user data dir and leave
it only when the server accepted them, or when the user explicitly chose the server's copy.
A change the server refuses is kept, marked ``conflict`` (with the server's current copy) or
``failed`` (with the server's message), for the user to decide. Client side: no ``clients.local``.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.clients.outbox_storage import AtomicJSONStorage, copy_json

FILE_NAME = "outbox.json"
PENDING, CONFLICT, FAILED = "pending", "conflict", "failed"
PENDING_PREFIX = "pending:"
"""What stands for a record created offline, not yet sent: ``pending:<outbox entry id>``.
An entry whose path or target names it waits until that entry is sent; then the server's
id of the new record takes its place."""


def waits_for(entry: dict[str, Any]) -> str | None:
    """The id of the outbox entry this one needs sent first (it names its pending record)."""
    target = str(entry.get("target") or "")
    if not target.startswith(PENDING_PREFIX):
        return None
    return target[len(PENDING_PREFIX) :].split("/", 1)[0]


class Outbox:
    """Queued requests and the last copies of views read online (to work on while offline)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = TinyDB(path, storage=AtomicJSONStorage, ensure_ascii=False)
        self._entries = self._db.table("entries")
        self._cache = self._db.table("cache")

    def close(self) -> None:
        self._db.close()

    # -- entries ----------------------------------------------------------------------------
    def add(self, *, staff_id: str, backend: str, **request: Any) -> dict[str, Any]:
        """Keep one request: ``method``, ``path``, ``body``, ``key`` (its idempotency key),
        ``kind``, ``target`` and ``summary`` (what the sync screen names)."""
        entry = {
            "id": uuid.uuid4().hex,
            "staff_id": staff_id,
            "backend": backend,
            "summary": "",
            **request,
            "status": PENDING,
            "server_copy": None,
            "message": "",
            "queued_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self._entries.insert(entry)
        return entry

    def entries(self, staff_id: str, backend: str) -> list[dict[str, Any]]:
        entry = Query()
        rows = self._entries.search((entry.staff_id == staff_id) & (entry.backend == backend))
        return sorted((copy_json(dict(r)) for r in rows), key=lambda r: r["queued_at"])

    def get(self, entry_id: str) -> dict[str, Any] | None:
        row = self._entries.get(Query().id == entry_id)
        return copy_json(dict(row)) if row else None

    def update(self, entry_id: str, **fields: Any) -> None:
        self._entries.update(fields, Query().id == entry_id)

    def remove(self, entry_id: str) -> None:
        self._entries.remove(Query().id == entry_id)

    # -- cached views -----------------------------------------------------------------------
    def remember(self, staff_id: str, backend: str, name: str, data: Any) -> None:
        key = f"{backend}|{staff_id}|{name}"
        self._cache.upsert({"key": key, "data": data}, Query().key == key)

    def recall(self, staff_id: str, backend: str, name: str) -> Any:
        row = self._cache.get(Query().key == f"{backend}|{staff_id}|{name}")
        return copy_json(row["data"]) if row else None

    def recall_all(self, staff_id: str, backend: str, prefix: str) -> dict[str, Any]:
        """Every kept copy whose name starts with ``prefix``, by the rest of its name."""
        start = f"{backend}|{staff_id}|{prefix}"
        rows = self._cache.search(Query().key.test(lambda k: k.startswith(start)))
        return {row["key"][len(start) :]: copy_json(row["data"]) for row in rows}


@dataclass
class ReplayResult:
    sent: int = 0
    conflicts: int = 0
    failed: int = 0
    still_offline: bool = False


@dataclass
class OutboxSync:
    """Binds an outbox to a logged-in client: queues offline changes, replays them when back."""

    client: ApiClient
    outbox: Outbox
    on_count: Callable[[int], None] = lambda n: None
    on_replayed: list[Callable[[ReplayResult], None]] = field(default_factory=list)
    offline_session: bool = False
    """Logged in offline (no token): nothing is sent; every change waits for an online login."""
    last_result: ReplayResult | None = None
    """What the last replay did (the one at login runs in the background)."""
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def attach(
        cls,
        client: ApiClient,
        directory: Path,
        on_count: Callable[[int], None],
        *,
        offline_session: bool = False,
    ) -> OutboxSync:
        for callback in list(client.on_online_change):
            if isinstance(getattr(callback, "__self__", None), OutboxSync):
                client.on_online_change.remove(callback)
        sync = cls(client, Outbox(directory / FILE_NAME), on_count, offline_session=offline_session)
        client.on_online_change.append(sync._online_changed)
        sync.notify()
        if sync.count() and not offline_session:
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop().create_task(sync.replay())
        return sync

    @property
    def staff_id(self) -> str:
        return self.client.staff.id if self.client.staff else ""

    def entries(self) -> list[dict[str, Any]]:
        return self.outbox.entries(self.staff_id, self.client.label)

    def count(self) -> int:
        return len(self.entries())

    def notify(self) -> None:
        self.on_count(self.count())

    def _online_changed(self, online: bool) -> None:
        if online and self.count() and not self.offline_session:
            with contextlib.suppress(RuntimeError):
                asyncio.get_running_loop().create_task(self.replay())

    def queue(
        self,
        method: str,
        path: str,
        body: Any,
        action: Action,
        *,
        kind: str,
        target: str,
        summary: str = "",
    ) -> dict[str, Any]:
        entry = self.outbox.add(
            staff_id=self.staff_id,
            backend=self.client.label,
            method=method,
            path=path,
            body=body,
            key=action.key,
            kind=kind,
            target=target,
            summary=summary,
        )
        self.notify()
        return entry

    async def replay(self) -> ReplayResult:
        """Send pending entries in order, each with its own key; stop at the first outage.

        An entry that names a record created offline waits until that record is sent, and is
        then sent with the server's id in its place. A refused entry is sent again in the same
        replay once another one got through (its cause, a prerequisite, may be fixed now), and
        at the next replay too: a refusal changed nothing on the server, so the same key is
        safe. A conflict waits for the user's choice (keep mine / keep the server's).
        """
        result = ReplayResult()
        if self.offline_session:
            result.still_offline = True
            self.last_result = result
            return result
        async with self._lock:
            tried_at: dict[str, int] = {}  # entry id -> how many were sent when it was tried
            while not result.still_offline:
                entry = self._next_to_send(tried_at, result.sent)
                if entry is None:
                    break
                tried_at[entry["id"]] = result.sent
                await self._send(entry, result)
        self.last_result = result
        self.notify()
        for callback in list(self.on_replayed):
            callback(result)
        return result

    def _next_to_send(self, tried_at: dict[str, int], sent: int) -> dict[str, Any] | None:
        waiting = {e["id"] for e in self.entries()}
        for entry in self.entries():
            if entry["status"] not in (PENDING, FAILED) or waits_for(entry) in waiting:
                continue
            if tried_at.get(entry["id"], -1) < sent:
                return entry
        return None

    async def _send(self, entry: dict[str, Any], result: ReplayResult) -> None:
        try:
            data = await self.client.request(
                entry["method"], entry["path"], json=entry["body"], action=Action(entry["key"])
            )
        except BackendUnreachable:
            result.still_offline = True
            return
        except ApiError as exc:
            if exc.status == 401:
                result.still_offline = True
            elif exc.code == "version_conflict":
                current = (exc.details or {}).get("current")
                self.outbox.update(
                    entry["id"], status=CONFLICT, server_copy=current, message=exc.message
                )
                result.conflicts += 1
            else:
                self.outbox.update(entry["id"], status=FAILED, message=exc.message)
                result.failed += 1
            return
        self.outbox.remove(entry["id"])
        result.sent += 1
        if isinstance(data, dict) and data.get("id"):
            self._created(entry["id"], str(data["id"]))

    def _created(self, entry_id: str, record_id: str) -> None:
        """The record made offline by ``entry_id`` has its server id: the entries that name it
        are sent with that id (kept on disk at once, so a crash cannot lose the link)."""
        placeholder = PENDING_PREFIX + entry_id
        for other in self.entries():
            if waits_for(other) == entry_id:
                self.outbox.update(
                    other["id"],
                    path=other["path"].replace(placeholder, record_id),
                    target=other["target"].replace(placeholder, record_id),
                )

    async def keep_mine(self, entry_id: str) -> Any:
        """Send my change again over the server's current copy (a new action, a new key).
        Not while a replay runs (the one at login runs in the background): it could send the
        same entry at the same time."""
        async with self._lock:
            return await self._keep_mine(entry_id)

    async def _keep_mine(self, entry_id: str) -> Any:
        entry = self.outbox.get(entry_id)
        if entry is None:
            return None
        body = dict(entry["body"])
        if entry["status"] == CONFLICT and entry["server_copy"] is not None:
            body["base_version"] = entry["server_copy"]["version"]
        action = Action()
        self.outbox.update(
            entry_id, body=body, key=action.key, status=PENDING, server_copy=None, message=""
        )
        try:
            data = await self.client.request(
                entry["method"], entry["path"], json=body, action=action
            )
        except BackendUnreachable:
            self.notify()
            raise
        except ApiError as exc:
            status = CONFLICT if exc.code == "version_conflict" else FAILED
            current = (exc.details or {}).get("current") if status == CONFLICT else None
            self.outbox.update(entry_id, status=status, server_copy=current, message=exc.message)
            self.notify()
            raise
        self.outbox.remove(entry_id)
        if isinstance(data, dict) and data.get("id"):
            self._created(entry_id, str(data["id"]))  # what waited for it goes at the next sync
        self.notify()
        return data

    def keep_server(self, entry_id: str) -> None:
        """The user chose the server's copy: this queued change is discarded on their word,
        with the changes of a record it would have created (they have nothing to go to)."""
        for other in self.entries():
            if waits_for(other) == entry_id:
                self.outbox.remove(other["id"])
        self.outbox.remove(entry_id)
        self.notify()
