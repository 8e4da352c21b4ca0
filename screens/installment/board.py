"""Applications board: the clerk's customers' applications, their step and status, and how
long the funder has been reviewing (over 10 minutes is marked "likely refused", in words too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from branchdesk.clients.api import Action
from branchdesk.clients.installment_api import STEPS, InstallmentApi
from branchdesk.screens.common.columns import add_columns, cursor_key
from branchdesk.screens.installment.listing import ApplicationTableScreen
from branchdesk.screens.points.phone import sandbox_enabled
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import ApplicationOut, ApplicationPage

REFRESH_SECONDS = 15.0
PAGE_SIZE = 15  # rows that fit at 80x24 between the warning and the detail


def review_text(application: ApplicationOut) -> Text:
    seconds = application.get("review_seconds")
    if seconds is None:
        return Text("-")
    text = Text(f"{seconds // 60}:{seconds % 60:02d}")
    if application.get("likely_refused"):
        text.append(" " + _("inst.board.likely_refused"), style="bold reverse")
    return text


def step_bar(current: str) -> Text:
    """选择产品 → 身份认证 → … with the current step in brackets (readable without colour)."""
    bar = Text()
    for index, step in enumerate(STEPS):
        if index:
            bar.append(" → ")
        label = _(f"inst.step.{step}")
        if step == current:
            bar.append(f"[{label}]", style="bold")
        else:
            bar.append(label)
    return bar


def _cells(app: ApplicationOut) -> tuple[str | Text, ...]:
    return (
        app["id"],
        app["customer_name"],
        _(f"inst.step.{app['step']}"),
        _(f"inst.status.{app['status']}"),
        review_text(app),
    )


class InstallmentBoardScreen(
    ApplicationTableScreen, keys="installment_board", title="inst.board.title", table="board"
):
    def __init__(self) -> None:
        super().__init__()
        # The ``before`` cursor of each page up to the one shown: page N is cursors[N - 1].
        self.cursors: list[str | None] = [None]
        self.total = 0

    def compose_body(self) -> ComposeResult:
        with Vertical(id="board-main"):
            yield Static(_("inst.warning.addons_short"), id="board-warning")
            yield DataTable(id="board-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="board-detail")
            yield Static("", id="board-page")
            yield StatusLine(id="board-status")

    def on_mount(self) -> None:
        table = self.query_one("#board-table", DataTable)
        add_columns(table, "inst.board.col", ("id", "customer", "step", "status", "review"))
        table.focus()
        self.action_refresh()
        self.set_interval(REFRESH_SECONDS, lambda: self._load(quiet=True))

    @property
    def page(self) -> int:
        return len(self.cursors)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    def can(self, action: str) -> bool:
        if action == "prev_page":
            return self.page > 1
        if action == "next_page":
            return self.page < self.pages and bool(self.applications)
        return True

    def action_refresh(self) -> None:
        self._load()

    def action_prev_page(self) -> None:
        if self.can("prev_page"):
            self._load(cursors=self.cursors[:-1])

    def action_next_page(self) -> None:
        if self.can("next_page"):
            self._load(cursors=[*self.cursors, self.applications[-1]["id"]])

    def _load(
        self,
        quiet: bool = False,
        then: Callable[[], None] | None = None,
        cursors: list[str | None] | None = None,
    ) -> None:
        """Load the page ``cursors`` leads to (default: the one shown) and keep its place."""
        wanted = self.cursors if cursors is None else cursors

        def loaded(page: ApplicationPage) -> None:
            if not page["items"] and len(wanted) > 1:  # the page emptied meanwhile: go back one
                self._load(quiet, then, wanted[:-1])
                return
            self.cursors = wanted
            self._show(page)
            if then is not None:
                then()

        self.call_api(
            "board",
            lambda: InstallmentApi(self.client).applications(PAGE_SIZE, wanted[-1]),
            loaded,
            keys=("board", "refresh", "prev_page", "next_page"),
            quiet=quiet,
        )

    def _show(self, page: ApplicationPage) -> None:
        applications = page["items"]
        self.applications = applications
        self.total = page["total"]
        table = self.query_one("#board-table", DataTable)
        selected = cursor_key(table)
        table.show_rows(applications, _cells)
        if selected in {a["id"] for a in applications}:
            table.move_cursor(row=table.get_row_index(selected))
        self.query_one("#board-page", Static).update(
            _(
                "inst.board.count",
                page=self.page,
                pages=self.pages,
                n=self.total,
                late=page["late"],
            )
        )
        self.refresh_bindings()
        self._detail()

    def detail(self, application: ApplicationOut | None) -> Text | str:
        if application is None:
            return _("inst.board.empty")
        text = step_bar(application["step"])
        text.append("\n")
        if application["addons_ticked"]:
            names = "、".join(_(f"inst.addon.{a}") for a in application["addons_ticked"])
            text.append(_("inst.board.addons_ticked", addons=names), style="bold")
        elif (p := application.get("product")) is not None:
            text.append(
                _("inst.board.product", brand=p["brand"], model=p["model"], term=p["term_months"])
            )
        return text

    def action_simulate_step(self) -> None:
        status = self.query_one("#board-status", StatusLine)
        if not sandbox_enabled(self.app):
            status.show(_("inst.sandbox_only"), "error")
            return
        app = self.selected()
        if app is None:
            status.show(_("inst.board.empty"), "error")
            return
        self._step(app["id"], Action())

    def _step(self, application_id: str, action: Action) -> None:
        def stepped(app: ApplicationOut) -> None:
            self._load(
                then=lambda: self.show_status(
                    _(
                        "inst.board.stepped",
                        id=app["id"],
                        step=_(f"inst.step.{app['step']}"),
                        status=_(f"inst.status.{app['status']}"),
                    ),
                    "ok",
                )
            )

        self.call_api(
            "simulate_step",
            lambda: InstallmentApi(self.client).simulate_step(application_id, action),
            stepped,
            write=True,
        )
