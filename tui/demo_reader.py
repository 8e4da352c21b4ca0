"""The card reader of ``branchdesk demo``: the virtual SIM in vpcd when pcscd runs, else none.

Started before the app so that the card-writing screens find a blank card in "Virtual PCD";
what happened is passed to the app (``options.extra["demo_reader"]``) so the trainer's screens
say plainly whether a card reader is simulated.
"""

from __future__ import annotations

import os
import sys
from typing import Any

VIRTUAL_READER = "Virtual PCD 00 00"
DEMO_BLANK_ICCID = "89860126011000003589"
"""A demo-seed card picked up by c001's agent A00101, with card data: writable in the demo."""
ENV_VPCD_PORT = "BRANCHDESK_VPCD_PORT"
"""The vpcd port when pcscd's reader.conf does not use the default (tests: one per process)."""


def start_virtual_sim() -> tuple[Any, str]:
    """(the VirtualSim or None, the reader name or "none"). Never raises."""
    try:
        from branchdesk.devices.vcard import DEFAULT_HOST, DEFAULT_PORT, SlotBusy, VirtualSim
        from branchdesk.devices.virtual_card import VirtualCard

        port = int(os.environ.get(ENV_VPCD_PORT) or DEFAULT_PORT)
        sim = VirtualSim(DEFAULT_HOST, port, connect_timeout=0.5)
        sim.insert(VirtualCard.blank(DEMO_BLANK_ICCID))
    except SlotBusy as exc:
        # A trainer's own `branchdesk vcard` already serves the reader: use its card.
        print(f"branchdesk demo: {exc}", file=sys.stderr)
        return None, VIRTUAL_READER
    except (ConnectionError, OSError, ValueError, ImportError):
        return None, "none"
    return sim, VIRTUAL_READER
