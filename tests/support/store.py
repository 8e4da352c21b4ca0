"""The store tests' own steps: one committed write, and the copies a damaged store kept aside."""

from __future__ import annotations

from pathlib import Path

from branchdesk.clients.local.store import DAMAGED_PREFIX, MemoryStore


def put(store: MemoryStore, table: str, key: str, doc: dict) -> None:
    """``doc`` under ``key`` in ``table``, in a transaction of its own."""
    with store.transaction() as txn:
        txn.put(table, key, doc)


def damaged_copies(data_dir: Path) -> list[Path]:
    """The copies of damaged store files that opening the store in ``data_dir`` kept aside."""
    return sorted(data_dir.glob(DAMAGED_PREFIX + "*"))
