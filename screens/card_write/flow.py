"""The card steps of an account opening, without any UI: read, bind, write, verify, confirm.

The screens run the ``*_card`` functions (blocking pyscard calls) in thread workers and the
API calls in async workers; the bench and the tests drive the same functions. Reader errors
map to the messages staff are trained to recognise (DOMAIN.md section E) by ``problem_key``.
Secrets from the write script only live in the ``SimProfile`` in memory; its repr hides them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from branchdesk.clients.api import Action
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.devices.errors import (
    AdmRejected,
    CardNotBlank,
    CardRemoved,
    NoReaderOrCard,
    ReaderError,
    ServiceUnavailable,
    WriteCancelled,
)
from branchdesk.devices.profile import SimProfile
from branchdesk.devices.reader import ProgressCallback, Reader

if TYPE_CHECKING:
    from branchdesk.clients.models import OrderOut, ScriptOut

CARD_WAIT_SECONDS = 2.0

# Reader error code -> catalog key of the message staff know (plus a "what next" hint key).
PROBLEM_KEYS = {
    "no_reader_or_card": "cw.error.no_reader",
    "card_removed": "cw.error.no_reader",
    "reader_timeout": "cw.error.no_reader",
    "pcsc_unavailable": "cw.error.driver",
    "card_not_blank": "cw.error.not_blank",
    "card_error": "cw.error.not_blank",
    "adm_rejected": "cw.error.adm",
    "adm_last_try": "cw.error.adm_last_try",
    "write_cancelled": "cw.error.cancelled",
}


def problem_key(error: ReaderError) -> str:
    return PROBLEM_KEYS.get(error.code, "cw.error.no_reader")


@dataclass(frozen=True)
class CardRead:
    reader: str
    iccid: str
    blank: bool
    imsi: str | None


@dataclass(frozen=True)
class WriteFailure:
    """How a write ended without a written card, and what the server was told."""

    error: ReaderError
    outcome: str  # untouched | interrupted | adm_rejected
    tries_left: int | None = None


# -- blocking card steps (thread workers) ------------------------------------------------------
def read_card(reader: Reader, timeout: float = CARD_WAIT_SECONDS) -> CardRead:
    name = reader.wait_for_card(timeout)
    identity = reader.read_card()
    return CardRead(name, identity.iccid, identity.blank, identity.imsi)


def write_card(
    reader: Reader,
    profile: SimProfile,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> int | WriteFailure:
    """Write the profile; returns the APDU count, or how the write failed (never raises a
    ReaderError). The ADM key is presented once: a rejected key is never retried."""
    try:
        return reader.write_profile(profile, progress, cancel)
    except AdmRejected as exc:
        return WriteFailure(exc, "adm_rejected", exc.tries_left)
    except WriteCancelled as exc:
        return WriteFailure(exc, "untouched" if exc.card_untouched else "interrupted")
    except (CardNotBlank, NoReaderOrCard) as exc:
        # Both are raised before the first UPDATE (blank check, or no card to start with).
        return WriteFailure(exc, "untouched")
    except (CardRemoved, ServiceUnavailable, ReaderError) as exc:
        return WriteFailure(exc, "interrupted")


def read_back(reader: Reader, profile: SimProfile) -> tuple[bool, str, str | None]:
    """Verify the card against the profile; returns (matches, iccid, imsi) as read."""
    result = reader.verify(profile)
    return result.matches, result.iccid, result.imsi


def profile_from(script: ScriptOut) -> SimProfile:
    return SimProfile(
        iccid=script["iccid"],
        imsi=script["imsi"],
        ki=script["ki"],
        opc=script["opc"],
        adm=script["adm"],
        msisdn=script.get("msisdn"),
        spn=script.get("spn"),
    )


def already_written_by(order: OrderOut, card: CardRead) -> bool:
    """The card is not blank because an interrupted attempt of this very order finished
    writing it (the answer to the last UPDATE was lost): verify instead of refusing it."""
    return (
        not card.blank
        and order.get("iccid") == card.iccid
        and order.get("imsi") is not None
        and card.imsi == order["imsi"]
    )


# -- server steps (async workers) --------------------------------------------------------------
@dataclass
class OrderSteps:
    """The server side of one order's card steps. Each step is one user intent: a retry of
    the same intent passes the same ``action`` (its idempotency key); none gives a new one."""

    api: CardWriteApi
    order: OrderOut

    async def bind(self, iccid: str, action: Action | None = None) -> SimProfile:
        self.order = await self.api.bind_card(self.order["id"], iccid, action or Action())
        return profile_from(await self.api.script(self.order["id"]))

    async def failed(self, failure: WriteFailure, action: Action | None = None) -> None:
        self.order = await self.api.report_failure(
            self.order["id"], failure.outcome, action or Action(), failure.tries_left
        )

    async def written(self, iccid: str, imsi: str, action: Action | None = None) -> None:
        self.order = await self.api.written(self.order["id"], iccid, imsi, action or Action())

    async def presubmit(self, received: str, action: Action | None = None) -> OrderOut:
        self.order = await self.api.presubmit(self.order["id"], received, action or Action())
        return self.order

    async def confirm(self, action: Action | None = None) -> OrderOut:
        self.order = await self.api.confirm(self.order["id"], action or Action())
        return self.order

    async def cancel(self, action: Action | None = None) -> OrderOut:
        self.order = await self.api.cancel(self.order["id"], action or Action())
        return self.order
