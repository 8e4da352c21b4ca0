"""Start a sandbox store again from fresh demo data (``branchdesk demo --reset``)."""

from __future__ import annotations

from pathlib import Path

from branchdesk.clients.local.store import remove_store


def reset_store(directory: Path) -> None:
    """Delete the store files in ``directory``; refuses (StoreLocked) while a process owns it."""
    remove_store(directory)
