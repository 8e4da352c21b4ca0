"""API tokens and offline-login verifiers in the OS keyring; never on disk. Without a usable
keyring, nothing is kept."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from branchdesk.tui import timefmt

SERVICE = "branchdesk"


def keyring_available() -> bool:
    """True when a real keyring backend is configured (not the fail/null backends)."""
    try:
        import keyring
        from keyring.backends import fail
    except Exception:  # noqa: BLE001 - any import problem means: no keyring
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001
        return False
    name = type(backend).__module__ + "." + type(backend).__name__
    if isinstance(backend, fail.Keyring) or name.startswith("keyring.backends.null"):
        return False
    priority = getattr(backend, "priority", 1)
    try:
        return float(priority) > 0
    except (TypeError, ValueError):
        return True


def _account(backend_label: str, staff_id: str) -> str:
    return f"{backend_label}|{staff_id}"


def save_token(backend_label: str, staff_id: str, token: str) -> bool:
    if not keyring_available():
        return False
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, _account(backend_label, staff_id), token)
    except KeyringError:
        return False
    return True


def load_token(backend_label: str, staff_id: str) -> str | None:
    if not keyring_available():
        return None
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, _account(backend_label, staff_id))
    except KeyringError:
        return None


def forget_token(backend_label: str, staff_id: str) -> None:
    if not keyring_available():
        return
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(SERVICE, _account(backend_label, staff_id))


# -- offline work: a password verifier, never the password -------------------------------------
# A marketer who logged in online on this machine may log in offline for a bounded time. What is
# kept is a scrypt hash of the password with a random salt, plus who the staff member is and when
# they last logged in online: in the keyring only (never a file), so without a keyring there is
# no offline work. Five wrong offline passwords forget the verifier: the next login is online.

OFFLINE_VERSION = 1
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
OFFLINE_TRIES = 5


@dataclass(frozen=True)
class OfflineCheck:
    """The answer to an offline login: ``ok``, or why not (``none``, ``wrong``, ``expired``,
    ``locked``); ``staff`` and ``online_at`` as kept at the last online login."""

    reason: str
    staff: dict[str, Any] | None = None
    online_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


def _offline_account(backend_label: str, staff_id: str) -> str:
    return f"offline|{backend_label}|{staff_id}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024)


def save_offline_verifier(
    backend_label: str, staff: dict[str, Any], password: str, online_at: datetime
) -> bool:
    """After an online login: keep a verifier for offline work. False: no usable keyring."""
    if not keyring_available():
        return False
    import keyring
    from keyring.errors import KeyringError

    salt = os.urandom(16)
    record = {
        "v": OFFLINE_VERSION,
        "salt": salt.hex(),
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "hash": _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P).hex(),
        "staff": staff,
        "online_at": timefmt.utc_stamp(online_at),
        "failures": 0,
    }
    try:
        keyring.set_password(
            SERVICE, _offline_account(backend_label, str(staff["id"])), json.dumps(record)
        )
    except KeyringError:
        return False
    return True


def check_offline(
    backend_label: str, staff_id: str, password: str, now: datetime, max_hours: float
) -> OfflineCheck:
    """Check a password against the kept verifier, within ``max_hours`` of the online login."""
    if not keyring_available():
        return OfflineCheck("none")
    import keyring
    from keyring.errors import KeyringError

    account = _offline_account(backend_label, staff_id)
    try:
        kept = keyring.get_password(SERVICE, account)
    except KeyringError:
        return OfflineCheck("none")
    try:
        record = json.loads(kept) if kept else None
        salt = bytes.fromhex(record["salt"]) if record else b""
        online_at = timefmt.parse_stamp(record["online_at"]) if record else None
    except (ValueError, KeyError, TypeError):
        record = None
    if not record or record.get("v") != OFFLINE_VERSION or online_at is None:
        return OfflineCheck("none")
    if now - online_at > timedelta(hours=max_hours) or now < online_at:
        return OfflineCheck("expired", record["staff"], online_at)
    given = _scrypt(password, salt, record["n"], record["r"], record["p"])
    if not hmac.compare_digest(given.hex(), record["hash"]):
        failures = int(record.get("failures", 0)) + 1
        with contextlib.suppress(KeyringError):
            if failures >= OFFLINE_TRIES:
                keyring.delete_password(SERVICE, account)
                return OfflineCheck("locked")
            keyring.set_password(SERVICE, account, json.dumps({**record, "failures": failures}))
        return OfflineCheck("wrong")
    if record.get("failures"):
        with contextlib.suppress(KeyringError):
            keyring.set_password(SERVICE, account, json.dumps({**record, "failures": 0}))
    return OfflineCheck("ok", record["staff"], online_at)


def forget_offline(backend_label: str, staff_id: str) -> None:
    if not keyring_available():
        return
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(SERVICE, _offline_account(backend_label, staff_id))
