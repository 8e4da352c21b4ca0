"""Secrets at rest: AES-GCM sealing with a key that never lives in the data directory.

The store keeps sealed values (``v1:<base64 nonce+ciphertext>``) for what must not be readable
from its files: card keys (Ki/OPc/ADM), and the subkeys derived here (OTP MACs, keyed hashes
for lookups of ID numbers and mobiles). The master key comes, in this order, from

1. ``BRANCHDESK_STORE_KEY`` (base64 of 32 bytes) — for servers run by a service manager;
2. the OS keyring (service ``branchdesk-store``, one entry per data directory);
3. a 0600 key file under the config directory (``store-keys/``), outside the data directory.

A store without a data directory (tests, the in-memory backend) gets a random key per process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_ENV = "BRANCHDESK_STORE_KEY"
KEYRING_SERVICE = "branchdesk-store"
PREFIX = "v1:"
KEY_BYTES = 32
NONCE_BYTES = 12


class SealError(Exception):
    """A sealed value cannot be opened: wrong key, damaged value, or another context."""


class KeyUnavailable(Exception):
    """No master key could be read or created; the message says where it was looked for."""


class Sealer:
    """Seals and opens values with one master key; every use names its context (as AAD)."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("the master key must be 32 bytes")
        self._key = key
        self._subkeys: dict[str, bytes] = {}
        self._aead = AESGCM(self.derive("seal"))

    def derive(self, purpose: str) -> bytes:
        """A 32-byte subkey for ``purpose`` (HKDF-SHA256); the master key is never used twice.

        Derived once per purpose and kept beside the master key (the same process memory)."""
        subkey = self._subkeys.get(purpose)
        if subkey is None:
            subkey = self._subkeys[purpose] = self._derive(purpose)
        return subkey

    def _derive(self, purpose: str) -> bytes:
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=KEY_BYTES,
            salt=None,
            info=b"branchdesk:" + purpose.encode(),
        )
        return hkdf.derive(self._key)

    def seal(self, plaintext: bytes, *, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext, context.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def unseal(self, token: str, *, context: str) -> bytes:
        if not isinstance(token, str) or not token.startswith(PREFIX):
            raise SealError("not a sealed value")
        try:
            raw = base64.b64decode(token[len(PREFIX) :], validate=True)
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (ValueError, InvalidTag):
            raise SealError("the value cannot be opened with this key") from None

    def seal_text(self, text: str, *, context: str) -> str:
        return self.seal(text.encode("utf-8"), context=context)

    def unseal_text(self, token: str, *, context: str) -> str:
        return self.unseal(token, context=context).decode("utf-8")

    def keyed_hash(self, value: str, *, context: str) -> str:
        """A stable lookup key for ``value`` that cannot be reversed without the master key."""
        return hmac.new(self.derive("hash:" + context), value.encode(), hashlib.sha256).hexdigest()


def _config_dir() -> Path:
    env = os.environ.get("BRANCHDESK_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("branchdesk"))


def _entry_name(data_dir: Path) -> str:
    return hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:24]


def _from_env() -> bytes | None:
    raw = os.environ.get(KEY_ENV)
    if not raw:
        return None
    try:
        key = base64.b64decode(raw, validate=True)
    except ValueError:
        raise KeyUnavailable(f"{KEY_ENV} is not base64") from None
    if len(key) != KEY_BYTES:
        raise KeyUnavailable(f"{KEY_ENV} must hold 32 bytes")
    return key


def _keyring_get(name: str) -> bytes | None:
    try:
        import keyring

        value = keyring.get_password(KEYRING_SERVICE, name)
    except Exception:  # noqa: BLE001 - no usable keyring backend is an ordinary case
        return None
    return base64.b64decode(value) if value else None


def _keyring_set(name: str, key: bytes) -> bool:
    try:
        import keyring
        from keyring.backends import fail, null

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring | null.Keyring):
            return False
        keyring.set_password(KEYRING_SERVICE, name, base64.b64encode(key).decode())
        return _keyring_get(name) == key
    except Exception:  # noqa: BLE001
        return False


def key_file_path(data_dir: Path) -> Path:
    return _config_dir() / "store-keys" / f"{_entry_name(data_dir)}.key"


def load_master_key(data_dir: Path | None) -> bytes:
    """The master key for the store in ``data_dir``, created on first use."""
    from_env = _from_env()
    if from_env is not None:
        return from_env
    if data_dir is None:
        return secrets.token_bytes(KEY_BYTES)
    name = _entry_name(data_dir)
    from_keyring = _keyring_get(name)
    if from_keyring is not None:
        return from_keyring
    path = key_file_path(data_dir)
    if path.resolve().is_relative_to(data_dir.resolve()):
        raise KeyUnavailable(f"the key file {path} would lie inside the data directory")
    try:
        return base64.b64decode(path.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as exc:
        raise KeyUnavailable(f"{path}: {exc}") from None
    key = secrets.token_bytes(KEY_BYTES)
    if _keyring_set(name, key):
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.b64encode(key))
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise KeyUnavailable(f"{path}: {exc.strerror or exc}") from None
    return key


def sealer_for(data_dir: Path | None) -> Sealer:
    return Sealer(load_master_key(data_dir))
