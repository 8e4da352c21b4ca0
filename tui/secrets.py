"""API tokens in the OS keyring; never on disk. Without a usable keyring, nothing is kept."""

from __future__ import annotations

import contextlib

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
