"""`branchdesk db export` / `db import`: embedded ↔ PostgreSQL, all-or-nothing, with counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from branchdesk.__main__ import main
from branchdesk.clients.local import transfer
from branchdesk.clients.local.app import open_backend
from branchdesk.clients.local.shared_backend import open_shared_backend
from branchdesk.clients.local.store import FileStore

pytestmark = pytest.mark.slow


def _all(store) -> dict[str, dict]:
    return {t: dict(store._tables[t]) for t in store._tables if t != "_counters"}


def test_import_then_export_round_trips_every_document(tmp_path: Path, pg_url: str, capsys):
    room = tmp_path / "room"
    embedded = open_backend(room, demo=True)
    with embedded.store.transaction() as txn:
        next_member = txn.next_id("members")
    before = _all(embedded.store)
    fingerprint = embedded.sealer.keyed_hash("probe", context="transfer-test")
    embedded.store.close()

    assert main(["db", "--database", pg_url, "import", str(room)]) == 0
    out = capsys.readouterr().out
    total = sum(len(rows) for rows in before.values())
    assert f"{total} documents in {len(before)} tables" in out
    assert f"sim_cards\t{len(before['sim_cards'])}" in out

    shared = open_shared_backend(pg_url, demo=False)
    try:
        assert _all(shared.store) == before
        with shared.store.transaction() as txn:  # counters moved with the data
            assert txn.next_id("members") == next_member + 1
        # sealed secrets stay readable: the master key moved with the data
        assert shared.sealer.keyed_hash("probe", context="transfer-test") == fingerprint
    finally:
        shared.store.close()

    # import again: refused as a whole, the database unchanged
    assert main(["db", "--database", pg_url, "import", str(room)]) == 1
    assert "not empty" in capsys.readouterr().err

    back = tmp_path / "back"
    assert main(["db", "--database", pg_url, "export", str(back)]) == 0
    assert f"{total} documents in {len(before)} tables" in capsys.readouterr().out
    store = FileStore(back)
    try:
        assert _all(store) == before
        assert store.get("_counters", "members")["value"] == next_member + 1
    finally:
        store.close()


def test_export_refuses_a_directory_that_is_not_empty(tmp_path: Path, pg_url: str):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "something").write_text("keep me")
    with pytest.raises(transfer.TransferError):
        transfer.export_to_dir(pg_url, tmp_path / "x")
    assert (tmp_path / "x" / "something").read_text() == "keep me"
