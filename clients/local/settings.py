"""Server settings: limits that are policy, not code, and the clock every rule reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Settings:
    demo: bool = False
    """Demo data is loaded: the login screen may list the demo accounts."""
    sandbox: bool = False
    """Side channels (SMS) are fakes with a visible outbox: only the embedded backend and
    ``serve --demo`` turn it on; off, there are no sandbox routes and no simulated SMS."""
    clock: Callable[[], datetime] = field(default=utc_now)
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    session_hours: int = 12
    extra: dict[str, object] = field(default_factory=dict)
    """Workflow settings (OTP limits, QR validity, ...) keyed by name; see each workflow module."""

    def now(self) -> datetime:
        return self.clock()

    def get(self, name: str, default: object) -> object:
        return self.extra.get(name, default)
