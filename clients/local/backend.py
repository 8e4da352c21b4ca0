"""The local backend's state: one store, its settings, and the fake side channels."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from typing import Any

from branchdesk.clients.local.sealing import Sealer
from branchdesk.clients.local.settings import Settings
from branchdesk.clients.local.store import Store


@dataclass
class SmsOutbox:
    """The explicit fake SMS gateway of local and demo mode; a trainer reads codes from it."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    limit: int = 500

    def send(self, phone: str, text: str, at: str, purpose: str) -> None:
        self.messages.append({"phone": phone, "text": text, "at": at, "purpose": purpose})
        del self.messages[: -self.limit]
        print(f"[sandbox sms] to {phone}: {text}", flush=True)  # noqa: T201 - the visible outbox

    def for_phone(self, phone: str | None) -> list[dict[str, Any]]:
        return [m for m in self.messages if phone is None or m["phone"] == phone]


@dataclass
class Backend:
    store: Store
    settings: Settings
    sms: SmsOutbox = field(default_factory=SmsOutbox)
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Serialises state-changing requests, so a rule's check and its write cannot interleave."""
    sealer: Sealer = field(default_factory=lambda: Sealer(secrets.token_bytes(32)))
    """Seals secrets kept in the store (see ``sealing``); its key lives outside the data dir."""

    def now_iso(self) -> str:
        return self.settings.now().isoformat(timespec="seconds")
