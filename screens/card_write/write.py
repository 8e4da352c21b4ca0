"""Account opening, the card steps: insert and read the blank card, write it, verify, confirm.

Every pyscard call runs in a thread worker (``@work(thread=True)``) and reports back with
``call_from_thread``; API calls go through ``call_api``, each step one intent whose retry reuses
its idempotency key. The reader light is shown as staff know
it: off (no card), steady (card in), flashing (writing — do not remove the card).
Esc cancels a read or leaves the screen, but never interrupts a write in progress.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import ComposeResult
from textual.widgets import ProgressBar, Static

from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.devices.errors import ReaderError, ReaderTimeout
from branchdesk.devices.profile import SimProfile
from branchdesk.devices.reader import Reader
from branchdesk.devices.timed import TimedReader
from branchdesk.screens.card_write import flow
from branchdesk.screens.card_write.names import local_name
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.readers import (
    ReaderFactory,
    pcsc_reader_factory,
    reader_support_missing,
    reader_timeout,
)
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Hashable

    from branchdesk.clients.models import OrderOut
    from branchdesk.screens.common.actions import Failure

STEPS = ("read", "write", "verify", "confirm")
# Phase -> index of the step in progress (steps before it are done).
STEP_OF_PHASE = {
    "insert": 0,
    "reading": 0,
    "checking": 0,
    "ready": 1,
    "writing": 1,
    "verifying": 2,
    "written": 3,
    "confirming": 3,
    "done": 4,
}
NEXT_HINT = {
    "cw.error.no_reader": "cw.next.no_reader",
    "cw.error.driver": "cw.next.driver",
    "cw.error.not_blank": "cw.next.not_blank",
    "cw.error.adm": "cw.next.not_blank",
    "cw.error.cancelled": "cw.next.server",
}
SERVER_HINT = {
    "write_script_missing": "cw.next.script",
    "card_not_blank": "cw.next.not_blank",
    "card_adm_rejected": "cw.next.not_blank",
    "sim_not_at_agent": "cw.next.not_blank",
}
BLINK_SECONDS = 0.4
# While a server step runs, no card step or cancel starts (one press, one request).
CARD_KEYS = ("read", "write", "confirm", "cancel_order")


class CardWriteScreen(BaseScreen, keys="card_write", title="cw.write.title"):
    def __init__(self, order: OrderOut, reader_factory: ReaderFactory | None = None) -> None:
        super().__init__()
        self.order = order
        self._reader_factory = reader_factory
        self._reader: Reader | None = None
        self.phase = "insert"
        self.card: flow.CardRead | None = None
        self._profile: SimProfile | None = None  # holds the secrets: memory only
        self._cancel = threading.Event()
        self._read_generation = 0
        self._blink = False
        self.receipt: OrderOut | None = None

    # -- layout ---------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield Static(_("cw.write.title"), classes="title")
        yield Static(id="cw-order", classes="cw-line", markup=False)
        yield Static(id="cw-customer", classes="cw-line", markup=False)
        yield Static(id="cw-steps", markup=False)
        yield Static(id="cw-light", markup=False)
        yield Static(id="cw-card", classes="cw-line", markup=False)
        yield ProgressBar(id="cw-progress", total=1, show_eta=False)
        yield StatusLine(id="cw-status", markup=False)
        yield Static(id="cw-next", markup=False)

    def on_mount(self) -> None:
        self._show_order()
        self.set_interval(BLINK_SECONDS, self._tick)
        if self.order["state"] == "write_interrupted":
            self.say(_("cw.write.resumed", tail=(self.order.get("iccid") or "")[-4:]), "error")
        elif self.order["state"] in ("written", "presubmitted"):
            self.phase = "written"
            self.say(_("cw.write.written"), "ok", _("cw.write.fees", **self._fees()))
        else:
            self.say(_("cw.write.insert"))
        self._refresh()

    def on_unmount(self) -> None:
        self._cancel.set()
        if self._reader is not None:
            with contextlib.suppress(ReaderError):
                self._reader.close()

    @property
    def api(self) -> CardWriteApi:
        return CardWriteApi(self.client)

    @property
    def reader(self) -> Reader:
        if self._reader is None:
            factory = self._reader_factory or pcsc_reader_factory(self.app)
            # A reader that stops answering must not leave "writing" on screen for ever.
            self._reader = TimedReader(factory, reader_timeout(self.bd_app.options))
        return self._reader

    def _fees(self) -> dict[str, str]:
        package, tariff = self.order["package"], self.order["tariff"]
        return {
            "total": self.order["fees"]["total"],
            "prepay": package.get("prepay") or "0.00",
            "fee": package.get("monthly_fee") or "",
            "tariff": local_name(tariff) if tariff.get("id") else "",
        }

    def _show_order(self) -> None:
        order, customer = self.order, self.order["customer"]
        package = local_name(order["package"]) if order["package"].get("id") else ""
        self.query_one("#cw-order", Static).update(
            _(
                "cw.write.order",
                id=order["id"],
                msisdn=order["msisdn"],
                package=package,
                tariff=self._fees()["tariff"],
            )
        )
        self.query_one("#cw-customer", Static).update(
            _(
                "cw.write.customer",
                name=customer["name"],
                id=customer["id_number"],
                contact=customer["contact"],
            )
        )

    def _refresh(self) -> None:
        current = STEP_OF_PHASE[self.phase]
        marks = []
        for index, step in enumerate(STEPS):
            mark = "✔" if index < current else ("▶" if index == current else "·")
            marks.append(f"{mark} {_(f'cw.step.{step}')}")
        self.query_one("#cw-steps", Static).update("   ".join(marks))
        light = self.query_one("#cw-light", Static)
        busy = self.phase == "writing"
        light.set_class(busy, "-busy")
        if busy:
            light.update(_("cw.light.busy", dot="●" if self._blink else "○"))
        elif self.card is not None:
            light.update(_("cw.light.steady"))
        else:
            light.update(_("cw.light.off"))
        card = self.card
        self.query_one("#cw-card", Static).update(
            _("cw.card.info", tail=card.iccid[-4:], imsi=self.order.get("imsi") or "—")
            if card is not None
            else ""
        )

    def _tick(self) -> None:
        if self.phase == "writing":
            self._blink = not self._blink
            self._refresh()

    def say(self, text: str, kind: str = "info", next_text: str = "") -> None:
        self.query_one("#cw-status", StatusLine).show(text, kind)
        self.query_one("#cw-next", Static).update(next_text)

    def reader_problem(self, error: ReaderError, **params: Any) -> None:
        key = flow.problem_key(error)
        hint = NEXT_HINT.get(key, "cw.next.no_reader")
        if key == "cw.error.driver" and reader_support_missing():
            hint = "cw.next.reader_extra"
        self.say(_(key, **params), "error", self.hint(error, hint))

    @staticmethod
    def hint(error: ReaderError, key: str) -> str:
        """What to do next; a reader that stopped answering says so, with its time limit."""
        if isinstance(error, ReaderTimeout):
            return _("cw.next.timeout", seconds=f"{error.seconds:g}")
        return _(key)

    def server_problem(self, failure: Failure) -> None:
        hint = "cw.next.server" if failure.code is None else SERVER_HINT.get(failure.code)
        self.say(failure.message, "error", _(hint or "cw.next.server"))

    def step(
        self,
        name: str,
        fingerprint: Hashable,
        call: Callable[[flow.OrderSteps, Any], Awaitable[object]],
        done: Callable[[flow.OrderSteps], object],
        failed: Callable[[flow.OrderSteps], object],
    ) -> None:
        """One server step of the order: ``call(steps, action)`` with the intent's key.

        Refused: the intent is over (the next try is a new request). Unreachable: the key is
        kept, so pressing the key again cannot do the step twice.
        """
        steps = flow.OrderSteps(self.api, self.order)
        action = self.intents.action(name, (self.order["id"], fingerprint))

        def succeeded(_result: object) -> None:
            self.intents.finished(name)
            self.order = steps.order
            done(steps)

        def refused(failure: Failure) -> str:
            if not failure.unreachable:
                self.intents.finished(name)
            failed(steps)
            self.server_problem(failure)
            return ""  # said above, with what to do next

        self.call_api(
            name,
            lambda: call(steps, action),
            succeeded,
            failed=refused,
            keys=CARD_KEYS,
            write=True,
        )

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self._refresh()

    # -- 1. read ----------------------------------------------------------------------------
    def action_read(self) -> None:
        if self.phase not in ("insert", "ready"):
            if self.phase == "writing":
                self.say(_("cw.write.busy"), "error")
            return
        self._read_generation += 1
        self.card = None
        self._profile = None
        self.set_phase("reading")
        self.say(_("cw.write.reading"))
        self.query_one("#cw-progress", ProgressBar).update(total=1, progress=0)
        self._read_worker(self._read_generation)

    @work(thread=True, exclusive=True, group="card")
    def _read_worker(self, generation: int) -> None:
        try:
            card = flow.read_card(self.reader)
        except ReaderError as exc:
            self.app.call_from_thread(self._read_failed, generation, exc)
            return
        self.app.call_from_thread(self._card_read, generation, card)

    def _read_failed(self, generation: int, error: ReaderError) -> None:
        if generation != self._read_generation or self.phase != "reading":
            return  # cancelled with Esc meanwhile
        self.set_phase("insert")
        self.reader_problem(error)

    def _card_read(self, generation: int, card: flow.CardRead) -> None:
        if generation != self._read_generation or self.phase != "reading":
            return
        self.card = card
        if not card.blank and not flow.already_written_by(self.order, card):
            self.set_phase("insert")
            self.say(_("cw.error.not_blank"), "error", _("cw.next.not_blank"))
            return
        self.set_phase("checking")
        self.say(_("cw.write.checking"))
        profile: list[SimProfile] = []

        async def bind(steps: flow.OrderSteps, action: Any) -> None:
            profile.append(await steps.bind(card.iccid, action))

        def bound(_steps: flow.OrderSteps) -> None:
            self._bound(card, profile[0])

        def not_bound(steps: flow.OrderSteps) -> None:
            self.order = steps.order  # the card may be bound although its script is missing
            self.set_phase("insert")

        self.step("bind", card.iccid, bind, bound, not_bound)

    def _bound(self, card: flow.CardRead, profile: SimProfile) -> None:
        self._profile = profile
        if flow.already_written_by(self.order, card):
            self.set_phase("verifying")
            self.say(_("cw.write.recovered"))
            self._verify_worker(profile)
            return
        self.set_phase("ready")
        self.say(_("cw.write.ready"), "ok")

    # -- 2. write ---------------------------------------------------------------------------
    def action_write(self) -> None:
        if self.phase != "ready" or self._profile is None:
            if self.phase == "writing":
                self.say(_("cw.write.busy"), "error")
            return
        self._cancel.clear()
        self.set_phase("writing")
        self.say(_("cw.write.busy"), "info")
        self._write_worker(self._profile)

    @work(thread=True, exclusive=True, group="card")
    def _write_worker(self, profile: SimProfile) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        result = flow.write_card(self.reader, profile, progress, self._cancel)
        if isinstance(result, flow.WriteFailure):
            self.app.call_from_thread(self._write_failed, result)
            return
        self.app.call_from_thread(self.set_phase, "verifying")
        self._verify(profile)

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#cw-progress", ProgressBar).update(total=total, progress=done)
        self.query_one("#cw-status", StatusLine).show(
            _("cw.write.progress", done=done, total=total)
        )

    def _write_failed(self, failure: flow.WriteFailure) -> None:
        tail = (self.order.get("iccid") or "")[-4:]
        self.step(
            "report",
            (failure.outcome, failure.tries_left),
            lambda steps, action: steps.failed(failure, action),
            lambda _steps: self._failure_reported(failure, tail),
            lambda _steps: self.set_phase("insert"),
        )

    def _failure_reported(self, failure: flow.WriteFailure, tail: str) -> None:
        self._profile = None
        if self.order["state"] == "write_interrupted":
            self.card = None
            self.set_phase("insert")
            self.say(
                _("cw.error.interrupted", tail=tail),
                "error",
                self.hint(failure.error, "cw.next.no_reader"),
            )
            return
        if failure.outcome == "adm_rejected":
            self.set_phase("insert")
            tries = "?" if failure.tries_left is None else str(failure.tries_left)
            self.reader_problem(failure.error, tries=tries)
            return
        self.card = None
        self.set_phase("insert")
        self.reader_problem(failure.error)

    # -- 3. verify ----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="card")
    def _verify_worker(self, profile: SimProfile) -> None:
        self._verify(profile)

    def _verify(self, profile: SimProfile) -> None:
        """In a thread: read back and compare, then tell the server what the card holds."""
        try:
            matches, iccid, imsi = flow.read_back(self.reader, profile)
        except ReaderError as exc:
            self.app.call_from_thread(self._verify_failed, exc)
            return
        self.app.call_from_thread(self._verified, matches, iccid, imsi)

    def _verify_failed(self, error: ReaderError) -> None:
        self.set_phase("ready")
        self.reader_problem(error)

    def _verified(self, matches: bool, iccid: str, imsi: str | None) -> None:
        if not matches or imsi is None:
            self.set_phase("ready")
            self.say(_("cw.error.verify"), "error", _("cw.next.server"))
            return
        self.step(
            "written",
            (iccid, imsi),
            lambda steps, action: steps.written(iccid, imsi, action),
            lambda _steps: self._recorded(),
            lambda _steps: self.set_phase("ready"),
        )

    def _recorded(self) -> None:
        self._profile = None
        self.set_phase("written")
        self.say(_("cw.write.written"), "ok", _("cw.write.fees", **self._fees()))

    # -- 4. confirm: fees, pre-submit with the printed form and invoice, formal submit ---------
    def action_confirm(self) -> None:
        from branchdesk.screens.card_write.fees import AccountFeesScreen

        if self.phase != "written":
            return
        self.set_phase("done")
        # Not awaited here: switching removes this screen and cancels its workers.
        self.app.call_later(self.app.switch_screen, AccountFeesScreen(self.order))

    # -- leaving ------------------------------------------------------------------------------
    def action_cancel_order(self) -> None:
        if self.phase in ("writing", "verifying", "confirming", "checking"):
            self.say(_("cw.write.busy"), "error")
            return
        if self.order["state"] in ("written", "presubmitted"):
            self.say(_("cw.write.cancel_blocked"), "error")
            return
        order, iccid = self.order, self.order.get("iccid")
        lines = [
            _("cw.cancel.order", id=order["id"], name=order["customer"]["name"]),
            _("cw.cancel.number", msisdn=order["msisdn"]),
            _("cw.cancel.card", tail=iccid[-4:]) if iccid else _("cw.cancel.no_card"),
            _("cw.cancel.final"),
        ]
        self.confirm(
            _("cw.cancel.title"), lines, self._cancel_order, confirm=_("cw.keys.cancel_order")
        )

    def _cancel_order(self) -> None:
        def cancelled(_steps: flow.OrderSteps) -> None:
            self.bd_app.notify(_("cw.write.cancelled"))
            self.app.pop_screen()

        self.step(
            "cancel",
            None,
            lambda steps, action: steps.cancel(action),
            cancelled,
            lambda _steps: None,
        )

    def action_back(self) -> None:
        if self.phase == "reading":
            self._read_generation += 1  # the read's answer is ignored
            self.set_phase("insert")
            self.say(_("cw.write.insert"))
            return
        if self.phase in ("writing", "verifying", "checking", "confirming"):
            self.say(_("cw.write.busy"), "error")
            return
        super().action_back()
