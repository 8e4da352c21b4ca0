"""Secrets at rest: sealed values open only with the same key and context; the key stays out
of the data directory."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from branchdesk.clients.local import sealing
from branchdesk.clients.local.sealing import Sealer, SealError


def test_a_sealed_value_opens_only_in_its_context() -> None:
    sealer = Sealer(os.urandom(32))
    token = sealer.seal_text("465a8f0e2c", context="card:ki:8986")
    assert "465a8f0e2c" not in token
    assert sealer.unseal_text(token, context="card:ki:8986") == "465a8f0e2c"
    with pytest.raises(SealError):
        sealer.unseal_text(token, context="card:ki:other")
    with pytest.raises(SealError):
        Sealer(os.urandom(32)).unseal_text(token, context="card:ki:8986")
    with pytest.raises(SealError):
        sealer.unseal_text(token[:-4] + "AAAA", context="card:ki:8986")


def test_keyed_hashes_are_stable_and_keyed() -> None:
    key = os.urandom(32)
    a, b = Sealer(key), Sealer(key)
    assert a.keyed_hash("13800138000", context="phone") == b.keyed_hash(
        "13800138000", context="phone"
    )
    assert a.keyed_hash("13800138000", context="phone") != Sealer(os.urandom(32)).keyed_hash(
        "13800138000", context="phone"
    )


def test_the_key_file_is_0600_outside_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    key = sealing.load_master_key(data)
    path = sealing.key_file_path(data)
    assert not path.resolve().is_relative_to(data.resolve())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sealing.load_master_key(data) == key
    assert not any(data.iterdir())


def test_the_environment_key_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = os.urandom(32)
    monkeypatch.setenv(sealing.KEY_ENV, base64.b64encode(key).decode())
    assert sealing.load_master_key(tmp_path) == key
    monkeypatch.setenv(sealing.KEY_ENV, "not base64!")
    with pytest.raises(sealing.KeyUnavailable):
        sealing.load_master_key(tmp_path)
