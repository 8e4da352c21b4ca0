"""The local backend's state: one store, its settings, and the fake side channels."""

from __future__ import annotations

import asyncio
import collections
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from branchdesk.clients.local.sealing import Sealer
from branchdesk.clients.local.settings import Settings
from branchdesk.clients.local.store import Store

log = logging.getLogger("branchdesk.sandbox")


def _masked(phone: str) -> str:
    return phone[:3] + "*" * max(0, len(phone) - 7) + phone[-4:] if len(phone) > 7 else "***"


@dataclass
class SmsOutbox:
    """The explicit fake SMS gateway of local and demo mode; a trainer reads codes from it.

    The last ``limit`` messages, oldest first, and the same messages by phone (a phone's view
    costs what that phone has, not a walk of the whole outbox)."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    limit: int = 500
    _by_phone: dict[str, collections.deque[dict[str, Any]]] = field(
        default_factory=dict, repr=False
    )

    def send(self, phone: str, text: str, at: str, purpose: str) -> None:
        message = {"phone": phone, "text": text, "at": at, "purpose": purpose}
        self.messages.append(message)
        self._by_phone.setdefault(phone, collections.deque()).append(message)
        for dropped in self.messages[: -self.limit]:
            # The oldest of all is the oldest of its phone too.
            kept = self._by_phone[dropped["phone"]]
            kept.popleft()
            if not kept:
                del self._by_phone[dropped["phone"]]
        del self.messages[: -self.limit]
        # Never the text (it holds the code) nor the full mobile.
        log.info("sandbox sms to %s (%s)", _masked(phone), purpose)

    def for_phone(self, phone: str | None) -> list[dict[str, Any]]:
        if phone is None:
            return list(self.messages)
        return list(self._by_phone.get(phone, ()))

    def clear(self) -> None:
        self.messages.clear()
        self._by_phone.clear()


@dataclass
class Backend:
    store: Store
    settings: Settings
    sms: SmsOutbox = field(default_factory=SmsOutbox)
    write_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Serialises state-changing requests, so a rule's check and its write cannot interleave."""
    unknown_logins: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Failed logins of staff IDs that do not exist (see ``login_guard``), in memory only."""
    login_clients: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Failed logins per client address (see ``login_guard``), in memory only."""
    sealer: Sealer = field(default_factory=lambda: Sealer(secrets.token_bytes(32)))
    """Seals secrets kept in the store (see ``sealing``); its key lives outside the data dir."""
    phone_key: str | None = None
    """Opens the SMS outbox to the sandbox's simulated phone (see ``demo.sandbox_routes``):
    set only by the embedded backend and by ``serve --demo`` started from ``branchdesk web``."""

    def now_iso(self) -> str:
        return self.settings.now().isoformat(timespec="seconds")
