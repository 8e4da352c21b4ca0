"""Merchant back office: orders by date and status; "payment not received" shows the card
verification status; a completed order can be revoked within 7 days (the server decides)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from branchdesk.clients.installment_api import STATUSES, InstallmentApi
from branchdesk.screens.common.columns import add_columns
from branchdesk.screens.installment.listing import ApplicationTableScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import ApplicationOut

STATUS_FILTERS: tuple[str | None, ...] = (None, *STATUSES)


def date_error(value: str) -> str | None:
    if not value.strip():
        return None
    return "date_format" if timefmt.parse_day(value) is None else None


def payment_text(order: ApplicationOut) -> str:
    if order["status"] not in ("completed", "revoked"):
        return "-"
    if order["payment_received"]:
        return _("inst.orders.paid")
    return _("inst.orders.unpaid", card=_(f"inst.card.{order['card_verification']}"))


def _cells(order: ApplicationOut) -> tuple[str, ...]:
    return (
        order["id"],
        timefmt.when_short(order["created_at"]) or "-",
        order["customer_name"],
        _(f"inst.status.{order['status']}"),
        payment_text(order),
    )


class InstallmentOrdersScreen(
    ApplicationTableScreen, keys="installment_orders", title="inst.orders.title", table="orders"
):
    def __init__(self) -> None:
        super().__init__()
        self.status_index = 0

    @property
    def orders(self) -> list[ApplicationOut]:
        """The applications listed: the merchant's orders."""
        return self.applications

    def compose_body(self) -> ComposeResult:
        with Vertical(id="orders-main"):
            with Horizontal(classes="orders-row"):
                yield Label(_("inst.orders.from"))
                yield Input(id="orders-from", max_length=10, placeholder="YYYY-MM-DD")
                yield Label(_("inst.orders.to"))
                yield Input(id="orders-to", max_length=10, placeholder="YYYY-MM-DD")
                yield Static("", id="orders-filter")
            yield DataTable(id="orders-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="orders-detail")
            with Horizontal(classes="orders-row"):
                yield Label(_("inst.orders.reason"))
                yield Input(id="orders-reason", max_length=200)
            yield StatusLine(id="orders-status")

    def on_mount(self) -> None:
        table = self.query_one("#orders-table", DataTable)
        add_columns(table, "inst.orders.col", ("id", "created", "customer", "status", "payment"))
        self._show_filter()
        self.query_one("#orders-from", Input).focus()
        self.action_query()

    def _show_filter(self) -> None:
        status = STATUS_FILTERS[self.status_index]
        label = _(f"inst.status.{status}") if status else _("inst.orders.all")
        self.query_one("#orders-filter", Static).update(Text(_("inst.orders.filter", status=label)))

    def action_next_status(self) -> None:
        self.status_index = (self.status_index + 1) % len(STATUS_FILTERS)
        self._show_filter()
        self.action_query()

    @on(Input.Submitted, "#orders-from, #orders-to")
    def action_query(self) -> None:
        status = self.query_one("#orders-status", StatusLine)
        values = [self.query_one(f"#orders-{n}", Input).value.strip() for n in ("from", "to")]
        for name, value in zip(("from", "to"), values, strict=True):
            if date_error(value):
                status.show(_("inst.error.date_format"), "error")
                self.query_one(f"#orders-{name}", Input).focus()
                return
        self._query(values[0], values[1], STATUS_FILTERS[self.status_index])

    def _query(
        self,
        date_from: str,
        date_to: str,
        status_filter: str | None,
        then: Callable[[], object] | None = None,
    ) -> None:
        # The orders of the previous query go first: F8 must not revoke one of them.
        self.applications = []
        self.query_one("#orders-table", DataTable).clear()
        self.refresh_bindings()

        def loaded(orders: list[ApplicationOut]) -> None:
            self._show(orders)
            if then is not None:
                then()

        self.call_api(
            "orders",
            lambda: InstallmentApi(self.client).orders(date_from, date_to, status_filter),
            loaded,
            keys=("revoke",),
        )

    def _show(self, orders: list[ApplicationOut]) -> None:
        status = self.query_one("#orders-status", StatusLine)
        self.applications = orders
        self.refresh_bindings()
        table = self.query_one("#orders-table", DataTable)
        table.show_rows(orders, _cells)
        status.show(_("inst.orders.count", n=len(orders)))
        self._detail()

    def detail(self, order: ApplicationOut | None) -> Text | str:
        if order is None:
            return _("inst.orders.none")
        lines = [
            _(
                "inst.orders.detail",
                id=order["id"],
                merchant=order["merchant_name"],
                clerk=order["clerk_name"] or "-",
            )
        ]
        if order["status"] == "completed":
            lines.append(
                _(
                    "inst.orders.revocable",
                    completed=timefmt.when(order["completed_at"]) or "-",
                    until=timefmt.when(order["revoke_until"]) or "-",
                )
            )
        elif order["status"] == "revoked":
            lines.append(
                _(
                    "inst.orders.revoked",
                    at=timefmt.when(order["revoked_at"]) or "-",
                    reason=order["revoke_reason"] or "",
                )
            )
        if not order["payment_received"] and order["status"] in (
            "completed",
            "revoked",
        ):
            lines.append(payment_text(order))
        return Text("\n".join(lines))

    def action_revoke(self) -> None:
        status = self.query_one("#orders-status", StatusLine)
        order = self.selected()
        if order is None:
            status.show(_("inst.orders.none"), "error")
            return
        reason = self.required("#orders-reason", "inst.orders.reason_required")
        if reason is None:
            return
        lines = [
            _("inst.orders.confirm_what", id=order["id"], customer=order["customer_name"]),
            _("inst.orders.confirm_reason", reason=reason),
            _("inst.orders.confirm_once"),
        ]
        self.confirm(
            _("inst.orders.confirm_title"),
            lines,
            lambda: self._revoke(order["id"], reason),
            confirm=_("inst.keys.revoke"),
        )

    def _revoke(self, order_id: str, reason: str) -> None:
        action = self.intents.action("revoke", (order_id, reason))

        def revoked(order: ApplicationOut) -> None:
            self.intents.finished("revoke")
            self.query_one("#orders-reason", Input).value = ""
            values = [self.query_one(f"#orders-{n}", Input).value.strip() for n in ("from", "to")]
            self._query(
                values[0],
                values[1],
                STATUS_FILTERS[self.status_index],
                then=lambda: self.show_status(_("inst.orders.revoke_done", id=order["id"]), "ok"),
            )

        self.call_api(
            "revoke",
            lambda: InstallmentApi(self.client).revoke(order_id, reason, action),
            revoked,
            write=True,
        )
