"""Start a sandbox store again from fresh demo data (``branchdesk demo --reset``)."""

from __future__ import annotations

from pathlib import Path

from branchdesk.clients.local.store import JOURNAL_NAME, SNAPSHOT_NAME, FileStore


def reset_store(directory: Path) -> None:
    """Delete the store files in ``directory``; refuses (StoreLocked) while a process owns it."""
    if not directory.exists():
        return
    store = FileStore.__new__(FileStore)
    store.directory = directory
    store.snapshot_path = directory / SNAPSHOT_NAME
    lock = store._acquire_lock()
    try:
        for name in (SNAPSHOT_NAME, JOURNAL_NAME, SNAPSHOT_NAME + ".tmp"):
            (directory / name).unlink(missing_ok=True)
    finally:
        store._lock_fh = lock
        store._release_lock()
