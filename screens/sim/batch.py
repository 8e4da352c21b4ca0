"""Batch pick-up (批量领卡), batch return (批量退卡) and transfer down (下拨).

Steps: choose the agent (by department ID) or the secondary warehouse, the card type and the
cards (a file on this host, a range, or a list pasted into the screen — over SSH the clerk's
own files are out of reach) → F5 checks locally (lines, range) then asks the server for a
preview that lists every card → F9 asks for confirmation and commits all-or-nothing → the
receipt. A range with cards that are not there offers to take the available ones, explicitly.
Esc cancels a running check. The card source is remembered per staff member.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, ProgressBar, RichLog, Select, Static, TextArea
from textual.worker import get_current_worker

from branchdesk.clients.api import Action
from branchdesk.clients.iccid_batch import (
    MAX_FILE_BYTES,
    MAX_FILE_LINES,
    BatchFileError,
    ParsedFile,
    RangeError,
    clean_iccid,
    complete_range_end,
    parse_lines,
    range_size,
    read_batch_file,
)
from branchdesk.clients.sim_api import BatchCards, SimApi
from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.sim import prefs
from branchdesk.screens.sim.card_list import PreviewList, header_text
from branchdesk.tui.i18n import _, language
from branchdesk.tui.widgets import FieldInput, StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import BatchOut, PreviewOut

MODES = ("pickup", "return", "transfer")
SOURCES = ("file", "range", "paste")
ALL = "*"
CARD_TYPES = ("128k_normal", "128k_micro")
PARSE_CHUNK = 5_000
SHOW_PROBLEMS = 500
FEE = re.compile(r"^\d{1,6}(\.\d{1,2})?$")
PROBLEM_KINDS = (
    "invalid",
    "duplicate",
    "not_found",
    "wrong_department",
    "wrong_type",
    "wrong_state",
    "location_mismatch",
)


def name_of(doc: Mapping[str, Any], field: str = "name") -> str:
    return str(doc.get(f"{field}_zh" if language() == "zh-CN" else f"{field}_en", ""))


def problem_line(kind: str, row: dict[str, Any]) -> str:
    """One problem of a server preview, in the UI language."""
    extra = ""
    if kind == "invalid":
        extra = _(f"sim.reason.{row['reason']}")
    elif kind == "duplicate":
        extra = _("sim.problem.first_index", n=row["first_index"])
    elif kind == "wrong_department":
        extra = row["dept_id"]
    elif kind == "wrong_type":
        extra = _(f"sim.type.{row['card_type']}")
    elif kind == "wrong_state":
        where = row.get("location_label") or row["location"]
        extra = f"{_('sim.state.' + row['state'])} {where}"
    elif kind == "location_mismatch":
        extra = row["agent_id"]
    return f"#{row['index']} {row['iccid']} {_('sim.problem.' + kind)} {extra}".rstrip()


def iccid_input(end: str) -> FieldInput:
    """The ``start`` or ``end`` ICCID of a range."""
    return FieldInput(
        id=end,
        compact=True,
        # 20 digits in groups of four as printed on the card, pasted with spaces
        max_length=30,
        numeric="0-9 ",
        placeholder=_(f"sim.field.{end}"),
    )


class SimBatchScreen(BaseScreen, keys="sim_batch"):
    def __init__(self, mode: str = "pickup") -> None:
        if mode not in MODES:
            raise ValueError(mode)
        super().__init__()
        self.mode = mode
        self.preview: PreviewOut | None = None
        self.preview_of: tuple[Any, ...] | None = None
        self.cards: BatchCards | None = None
        self.commit_action: Action | None = None
        self.take_action: Action | None = None
        self.offer_take = False
        """The preview of a range found cards that are not there: F9 offers the others."""
        self.found = 0

    # -- layout ------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Vertical(id="batch-form"):
            yield Label(_(f"sim.{self.mode}.title"), classes="title")
            if self.mode == "transfer":
                with Horizontal(classes="row"):
                    yield Label(_("sim.field.warehouse"))
                    yield Select[str](
                        [], id="warehouse", compact=True, prompt=_("sim.field.choose")
                    )
            else:
                with Horizontal(classes="row"):
                    yield Label(_("sim.field.dept"))
                    yield Input(id="dept", compact=True, max_length=16)
                    yield Select[str](
                        [], id="agent", compact=True, prompt=_("sim.field.agent_prompt")
                    )
            with Horizontal(classes="row"):
                yield Label(_("sim.field.card_type"))
                yield Select[str](
                    [(_(f"sim.type.{t}"), t) for t in CARD_TYPES],
                    id="card-type",
                    value=CARD_TYPES[0],
                    allow_blank=False,
                    compact=True,
                )
                sources = [(_(f"sim.source.{source}"), source) for source in SOURCES]
                yield Select[str](
                    sources,
                    id="source",
                    value=self._remembered_source(),
                    allow_blank=False,
                    compact=True,
                )
            with Horizontal(classes="row", id="file-row"):
                yield Label(_("sim.field.file"))
                yield Input(id="file", compact=True, placeholder=_("sim.field.file_hint"))
            with Horizontal(classes="row", id="range-row"):
                yield Label(_("sim.field.range"))
                yield iccid_input("start")
                yield iccid_input("end")
            with Horizontal(id="paste-row"):
                yield Label(_("sim.field.paste"))
                yield TextArea(
                    id="paste", soft_wrap=False, show_line_numbers=True, tab_behavior="focus"
                )
            if self.mode == "return":
                with Horizontal(classes="row"):
                    yield Label(_("sim.field.fee"))
                    yield Input(
                        id="fee",
                        compact=True,
                        max_length=9,
                        restrict=r"[0-9.]*",
                        placeholder="0.00",
                    )
                    yield Label("", id="received")
        yield ProgressBar(id="batch-progress", show_eta=False)
        yield StatusLine(_(f"sim.{self.mode}.help"), id="batch-status")
        yield RichLog(id="batch-log", wrap=True, markup=False, highlight=False)
        with Vertical(id="cards-pane"):
            with Horizontal(id="cards-head"):
                yield Label(_("sim.list.show"))
                yield Select[str]([], id="filter", compact=True, allow_blank=True, prompt="—")
            yield Static(header_text(), id="cards-columns", markup=False)
            yield PreviewList(id="cards")

    def on_mount(self) -> None:
        self._show_source(str(self.query_one("#source", Select).value))
        self.query_one("#cards-pane").display = False
        self.query_one("#batch-progress").display = False
        staff = self.bd_app.staff
        if self.mode == "transfer":
            self._load_warehouses()
            self.query_one("#warehouse", Select).focus()
        else:
            dept = self.query_one("#dept", Input)
            dept.value = (staff.dept_id if staff else None) or ""
            self._load_agents(dept.value)
            dept.focus()
        self._show_received()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#batch-status", StatusLine)

    @property
    def log_view(self) -> RichLog:
        return self.query_one("#batch-log", RichLog)

    # -- reference data ----------------------------------------------------------------------
    @on(Input.Submitted, "#dept")
    def _dept_entered(self, event: Input.Submitted) -> None:
        self._load_agents(event.value)

    def _load_agents(self, dept: str) -> None:
        select = self.query_one("#agent", Select)
        dept = dept.strip()
        select.set_options([])  # the agents of another department go first
        if not dept:
            return

        def loaded(agents: Any) -> None:
            self._agents_loaded(dept, agents)

        self.call_api("agents", lambda: SimApi(self.client).agents(dept), loaded)

    def _agents_loaded(self, dept: str, agents: list[dict[str, Any]]) -> None:
        select = self.query_one("#agent", Select)
        select.set_options([(f"{a['id']} {name_of(a)}", a["id"]) for a in agents])
        if agents:
            select.value = agents[0]["id"]
        else:
            self.status.show(_("sim.error.no_agents", dept=dept), "error")

    def _load_warehouses(self) -> None:
        self.call_api("warehouses", lambda: SimApi(self.client).warehouses(), self._warehouses)

    def _warehouses(self, warehouses: Any) -> None:
        staff = self.bd_app.staff
        own = [
            w
            for w in warehouses
            if w["kind"] == "secondary" and staff and w["dept_id"] == staff.dept_id
        ]
        select = self.query_one("#warehouse", Select)
        select.set_options(
            [
                (
                    f"{name_of(w, 'branch')} {w['code']} → {_('sim.kind.channel')} {w['target']}",
                    w["code"],
                )
                for w in own
            ]
        )
        if own:
            select.value = own[0]["code"]

    # -- form state --------------------------------------------------------------------------
    def _prefs_user(self) -> str | None:
        staff = self.bd_app.staff
        return f"{self.bd_app.backend_label}/{staff.id}" if staff else None

    def _remembered_source(self) -> str:
        user = self._prefs_user()
        source = prefs.load(user, f"source.{self.mode}") if user else None
        return source if source in SOURCES else "file"

    def _show_source(self, source: str) -> None:
        for name in SOURCES:
            self.query_one(f"#{name}-row").display = source == name

    @on(Select.Changed, "#source")
    def _source_changed(self, event: Select.Changed) -> None:
        source = str(event.value)
        self._show_source(source)
        user = self._prefs_user()
        if user and source in SOURCES:
            prefs.save(user, f"source.{self.mode}", source)

    @on(Select.Changed, "#filter")
    def _filter_changed(self, event: Select.Changed) -> None:
        value = event.value
        kind = None if not isinstance(value, str) or value == ALL else value
        self.query_one("#cards", PreviewList).filter(kind)

    @on(Input.Changed, "#fee")
    def _fee_changed(self) -> None:
        self._show_received()

    def _fee(self) -> str | None:
        if self.mode != "return":
            return None
        return self.query_one("#fee", Input).value.strip() or None

    def _show_received(self) -> None:
        if self.mode != "return":
            return
        fee = self._fee()
        label = self.query_one("#received", Label)
        if fee is None or not FEE.match(fee):
            label.update(_("sim.fee.received", amount="—", n=self.found))
            return
        total = (Decimal(fee) * self.found).quantize(Decimal("0.01"))
        label.update(_("sim.fee.received", amount=f"{total}", n=self.found))

    def _inputs(self) -> tuple[Any, ...]:
        values: list[Any] = [
            self.query_one("#card-type", Select).value,
            self.query_one("#source", Select).value,
        ]
        for selector in ("#file", "#start", "#end"):
            values.append(self.query_one(selector, Input).value.strip())
        values.append(self.query_one("#paste", TextArea).text)
        if self.mode == "transfer":
            values.append(self.query_one("#warehouse", Select).value)
        else:
            values.append(self.query_one("#agent", Select).value)
        return tuple(values)

    def _target(self) -> str | None:
        widget = self.query_one("#warehouse" if self.mode == "transfer" else "#agent", Select)
        value = widget.value
        return value if isinstance(value, str) else None

    def _field_error(self, selector: str, key: str, **params: Any) -> None:
        self.status.show(_(key, **params), "error")
        self.query_one(selector).focus()

    # -- preview -----------------------------------------------------------------------------
    def action_preview(self) -> None:
        if self.committing:
            return
        target = self._target()
        if target is None:
            self._field_error(
                "#warehouse" if self.mode == "transfer" else "#agent", "sim.error.target_required"
            )
            return
        if self.mode == "return" and self._fee() and not FEE.match(self._fee() or ""):
            self._field_error("#fee", "sim.error.fee")
            return
        source = self.query_one("#source", Select).value
        if source == "file":
            path = self.query_one("#file", Input).value.strip()
            if not path:
                self._field_error("#file", "sim.error.file_required")
                return
            self._run_preview(target, Path(path).expanduser(), None)
        elif source == "paste":
            text = self.query_one("#paste", TextArea).text
            if not text.strip():
                self._field_error("#paste", "sim.error.paste_required")
                return
            self._run_preview(target, text, None)
        else:
            start = clean_iccid(self.query_one("#start", Input).value)
            end = clean_iccid(self.query_one("#end", Input).value)
            if not start or not end:
                self._field_error("#start" if not start else "#end", "sim.error.range_required")
                return
            try:
                # An end typed without its check digit gets it here, shown before the check.
                end = complete_range_end(start, end)
                range_size(start, end)
            except RangeError as exc:
                params = {**exc.params}
                if "reason" in params:
                    params["reason"] = _(f"sim.reason.{params['reason']}")
                self._field_error(
                    "#end" if exc.code == "range_end_invalid" else "#start",
                    f"sim.error.{exc.code}",
                    **params,
                )
                return
            end_field = self.query_one("#end", Input)
            if clean_iccid(end_field.value) != end:
                end_field.value = end  # the computed check digit, for the clerk to see
            self._run_preview(target, None, (start, end))

    def _run_preview(
        self, target: str, given: Path | str | None, card_range: tuple[str, str] | None
    ) -> None:
        self.preview = None
        self.preview_of = None
        self.offer_take = False
        self.found = 0
        self._show_received()
        self.log_view.clear()
        self._show_cards(None)
        progress = self.query_one("#batch-progress", ProgressBar)
        progress.display = True

        async def check() -> tuple[PreviewOut, Any, BatchCards] | None:
            try:
                if given is not None:
                    parsed = await (
                        self._parse_file(given)
                        if isinstance(given, Path)
                        else self._parse_paste(given)
                    )
                    if parsed is None:
                        return None
                    cards = BatchCards(iccids=parsed.iccids, list_cards=True)
                else:
                    assert card_range is not None
                    cards = BatchCards(start=card_range[0], end=card_range[1], list_cards=True)
                progress.update(total=None)
                self.status.show(_("sim.status.previewing"))
                inputs = self._inputs()
                preview = cast(
                    "PreviewOut", await self._call(target, cards, Action(), dry_run=True)
                )
                return preview, inputs, cards
            finally:
                progress.display = False

        def failed(failure: Failure) -> str | None:
            self._show_details(failure.details)
            return None

        self.call_api("batch", check, self._previewed, failed=failed, keys=("commit",))

    def _previewed(self, result: Any) -> None:
        if result is None:
            return
        preview, inputs, cards = result
        self.preview, self.preview_of, self.cards = preview, inputs, cards
        self.commit_action = Action()
        self.take_action = Action()
        self.found = preview["found"]
        self._show_received()
        self._show_cards(preview)
        problems = sum(preview["counts"].values())
        self.offer_take = (
            cards.start is not None
            and not preview["accepted"]
            and preview["found"] > 0
            and problems == preview["skippable"]
        )
        if self.offer_take:
            self.status.show(
                _(
                    "sim.status.take_offer",
                    n=preview["found"],
                    requested=preview["requested"],
                    missing=problems,
                    kinds=self._kinds(preview),
                ),
                "warning",
            )
        elif preview["accepted"]:
            self.status.show(
                _(
                    "sim.status.preview_ok",
                    n=preview["found"],
                    first=preview["first"],
                    last=preview["last"],
                ),
                "ok",
            )
        else:
            self.status.show(
                _(
                    "sim.status.preview_bad",
                    n=problems,
                    found=preview["found"],
                    kinds=self._kinds(preview),
                ),
                "error",
            )

    @staticmethod
    def _kinds(preview: PreviewOut) -> str:
        counts = preview["counts"]
        return _("sim.list.separator").join(
            _("sim.preview.kind", kind=_(f"sim.problem.{kind}"), n=counts[kind])
            for kind in PROBLEM_KINDS
            if counts.get(kind)
        )

    def _show_cards(self, preview: PreviewOut | None) -> None:
        """The preview's cards in the list, the filter offering each problem kind found."""
        listed = preview.get("cards") if preview is not None else None
        self.query_one("#cards-pane").display = listed is not None
        self.log_view.display = listed is None
        self.query_one("#cards", PreviewList).show(listed)
        if preview is None or listed is None:
            return
        counts = preview["counts"]
        options = [
            (_("sim.list.all", n=preview["requested"]), ALL),
            (_("sim.list.available", n=preview["found"]), ""),
        ]
        options += [
            (_("sim.preview.kind", kind=_(f"sim.problem.{kind}"), n=counts[kind]), kind)
            for kind in PROBLEM_KINDS
            if counts.get(kind)
        ]
        select = self.query_one("#filter", Select)
        with select.prevent(Select.Changed):
            select.set_options(options)
            select.value = ALL

    async def _parse_file(self, path: Path) -> ParsedFile | None:
        self.status.show(_("sim.status.reading", path=str(path)))
        try:
            # Off the event loop and bounded: a FIFO, /dev/zero or a huge file never hangs the
            # UI or fills memory, and Esc still works meanwhile.
            lines = await asyncio.to_thread(read_batch_file, path)
        except BatchFileError as exc:
            self._field_error("#file", f"sim.error.{exc.code}", **exc.params)
            return None
        except OSError as exc:
            self._field_error("#file", "sim.error.file_unreadable", reason=exc.strerror or "")
            return None
        return await self._parse_lines(lines, "#file", "file")

    async def _parse_paste(self, text: str) -> ParsedFile | None:
        # The same limits as a file: a paste is a file that came through the terminal.
        if len(text.encode("utf-8")) > MAX_FILE_BYTES:
            self._field_error("#paste", "sim.error.paste_too_big", mb=MAX_FILE_BYTES // 2**20)
            return None
        lines = text.splitlines()
        if len(lines) > MAX_FILE_LINES:
            self._field_error(
                "#paste", "sim.error.paste_too_many_lines", n=len(lines), max=MAX_FILE_LINES
            )
            return None
        return await self._parse_lines(lines, "#paste", "paste")

    async def _parse_lines(self, lines: list[str], field: str, kind: str) -> ParsedFile | None:
        """Check every line (numbered as the clerk sees them), a chunk at a time; Esc stops."""
        progress = self.query_one("#batch-progress", ProgressBar)
        progress.update(total=max(len(lines), 1), progress=0)
        self.status.show(_(f"sim.status.parsing_{kind}", n=len(lines)))
        parsed = ParsedFile()
        seen: dict[str, int] = {}
        worker = get_current_worker()
        for offset in range(0, len(lines), PARSE_CHUNK):
            if worker.is_cancelled:
                return None
            parse_lines(lines[offset : offset + PARSE_CHUNK], offset + 1, parsed, seen)
            progress.update(progress=min(offset + PARSE_CHUNK, len(lines)))
            await self._yield()
        if parsed.bad:
            for bad in parsed.bad[:SHOW_PROBLEMS]:
                reason = _(f"sim.reason.{bad.reason}")
                if bad.first_line:
                    reason += " " + _("sim.problem.first_line", n=bad.first_line)
                self.log_view.write(
                    Text(_("sim.file.bad_line", line=bad.line, text=bad.text, reason=reason))
                )
            if len(parsed.bad) > SHOW_PROBLEMS:
                self.log_view.write(_("sim.more", n=len(parsed.bad) - SHOW_PROBLEMS))
            self._field_error(
                field, f"sim.error.{kind}_bad_lines", n=len(parsed.bad), ok=len(parsed.iccids)
            )
            return None
        if not parsed.iccids:
            self._field_error(field, f"sim.error.{kind}_empty")
            return None
        if len(parsed.iccids) > 100_000:
            self._field_error(field, "sim.error.too_many", n=len(parsed.iccids))
            return None
        self.log_view.write(_(f"sim.{kind}.ok", n=len(parsed.iccids), lines=parsed.total_lines))
        return parsed

    async def _yield(self) -> None:
        await asyncio.sleep(0)

    def _show_details(self, report: Any) -> None:
        if not isinstance(report, dict) or "counts" not in report:
            return
        counts = report["counts"]
        self.log_view.write(
            _("sim.preview.summary", requested=report["requested"], found=report["found"])
        )
        for kind in PROBLEM_KINDS:
            if counts.get(kind):
                self.log_view.write(
                    _("sim.preview.kind", kind=_(f"sim.problem.{kind}"), n=counts[kind])
                )
                for row in report.get(kind, []):
                    self.log_view.write(Text("  " + problem_line(kind, row)))
                if counts[kind] > len(report.get(kind, [])):
                    self.log_view.write(_("sim.more", n=counts[kind] - len(report[kind])))

    # -- commit ------------------------------------------------------------------------------
    def action_commit(self) -> None:
        if self.committing:
            return
        preview = self.preview
        if preview is None or self.preview_of != self._inputs():
            self.status.show(_("sim.error.preview_first"), "error")
            return
        if self.mode == "return" and self._fee() and not FEE.match(self._fee() or ""):
            self._field_error("#fee", "sim.error.fee")
            return
        if self.offer_take:
            self._offer_available(preview)
            return
        if not preview["accepted"]:
            self.status.show(_("sim.error.preview_has_problems"), "error")
            return
        self.confirm(
            _(f"sim.confirm.{self.mode}"),
            [
                _(
                    "sim.confirm.detail",
                    n=preview["found"],
                    first=preview["first"],
                    last=preview["last"],
                )
            ],
            self._run_commit,
            confirm=_("sim.keys.commit"),
        )

    def _offer_available(self, preview: PreviewOut) -> None:
        """A range with gaps: take the cards that are there, saying what is left out."""
        cards = self.cards
        assert cards is not None and self.take_action is not None
        missing = preview["requested"] - preview["found"]
        taken = BatchCards(start=cards.start, end=cards.end, take_available=True)
        action = self.take_action
        self.confirm(
            _("sim.confirm.take_title", n=preview["found"]),
            [
                _(
                    "sim.confirm.take_detail",
                    n=preview["found"],
                    requested=preview["requested"],
                    first=preview["first"],
                    last=preview["last"],
                ),
                _("sim.confirm.take_left_out", n=missing, kinds=self._kinds(preview)),
            ],
            lambda: self._run_commit(taken, action),
            confirm=_("sim.keys.take", n=preview["found"]),
        )

    @property
    def committing(self) -> bool:
        return self.busy("commit")

    def _run_commit(self, cards: BatchCards | None = None, action: Action | None = None) -> None:
        target = self._target()
        cards = cards or self.cards
        action = action or self.commit_action
        assert target is not None and cards is not None and action is not None
        self.status.show(_("sim.status.committing"))
        progress = self.query_one("#batch-progress", ProgressBar)
        progress.update(total=None)
        progress.display = True

        async def commit() -> Any:
            try:
                return await self._call(target, cards, action, dry_run=False)
            finally:
                progress.display = False

        def failed(failure: Failure) -> str | None:
            # Unreachable: the same action (same key) on the next F9 is never applied twice.
            if not failure.unreachable:
                self._show_details(failure.details)
                self.preview = None
            return None

        def committed(batch: Any) -> None:
            self.preview = None
            self.offer_take = False
            from branchdesk.screens.sim.receipt import SimReceiptScreen

            self.app.push_screen(SimReceiptScreen(batch))
            self.status.show(_("sim.status.done", id=batch["id"]), "ok")

        self.call_api("commit", commit, committed, failed=failed, write=True)

    async def _call(
        self, target: str, cards: BatchCards, action: Action, *, dry_run: bool
    ) -> BatchOut | PreviewOut:
        api = SimApi(self.client)
        card_type = str(self.query_one("#card-type", Select).value)
        if self.mode == "pickup":
            return await api.pickup(target, card_type, cards, action, dry_run=dry_run)
        if self.mode == "return":
            return await api.return_cards(
                target, card_type, cards, action, fee_per_card=self._fee(), dry_run=dry_run
            )
        return await api.transfer(target, card_type, cards, action, dry_run=dry_run)
