"""Helpers for the SIM stock tests: demo ICCIDs and quick batch bodies."""

from __future__ import annotations

from branchdesk.clients.local.sim.seed import demo_iccid


def iccids(branch: int, card_type: str, first: int, last: int) -> list[str]:
    return [demo_iccid(branch, card_type, n) for n in range(first, last + 1)]


def card_range(branch: int, card_type: str, first: int, last: int) -> dict[str, dict[str, str]]:
    return {
        "range": {
            "start": demo_iccid(branch, card_type, first),
            "end": demo_iccid(branch, card_type, last),
        }
    }
