"""Proxy redemption (掌柜代兑换): build an order; the points must cover the whole amount."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from branchdesk.clients.points_api import parse_price, points_needed
from branchdesk.screens.points.checkout import CODE_LENGTH, PointsCheckoutScreen
from branchdesk.screens.points.phone import SimulatedPhone
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import MemberOut

MAX_ITEMS = 50


class PointsProxyScreen(PointsCheckoutScreen, keys="points_proxy", title="points.proxy.title"):
    ORDER_FIELDS = ("#item-name", "#item-qty", "#item-price")
    CHANNEL = "proxy"
    INTRO_KEY = "points.proxy.intro"

    def __init__(self, member: MemberOut) -> None:
        super().__init__(member)
        self.items: list[dict[str, Any]] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="points-main"):
                yield Static(
                    Text(
                        _(self.TITLE_KEY)
                        + " · "
                        + _(
                            "points.proxy.member",
                            name=self.member["name"],
                            points=self.member["points"],
                        )
                    ),
                    classes="title",
                )
                with Horizontal(classes="row"):
                    yield Input(
                        id="item-name", placeholder=_("points.proxy.item_name"), max_length=60
                    )
                    yield Input(
                        id="item-qty",
                        placeholder=_("points.proxy.qty"),
                        value="1",
                        restrict=r"[0-9]*",
                        max_length=3,
                    )
                    yield Input(
                        id="item-price",
                        placeholder=_("points.proxy.price"),
                        restrict=r"[0-9.]*",
                        max_length=10,
                    )
                table: DataTable[Any] = DataTable(id="items", cursor_type="row")
                yield table
                yield Static(id="order-total")
                with Horizontal(classes="row"):
                    yield Input(
                        id="code",
                        restrict=r"[0-9]*",
                        max_length=CODE_LENGTH,
                        disabled=True,
                        placeholder=_("points.checkout.code"),
                    )
                    yield Static("", id="code-info")
                yield StatusLine(_(self.INTRO_KEY), id="checkout-status")
            yield SimulatedPhone(id="phone")

    def prepare(self) -> None:
        table = self.query_one("#items", DataTable)
        table.add_columns(
            _("points.proxy.item_name"), _("points.proxy.qty"), _("points.proxy.price")
        )
        self._show_total()
        self.query_one("#item-name", Input).focus()

    @on(Input.Submitted, "#item-name")
    @on(Input.Submitted, "#item-qty")
    @on(Input.Submitted, "#item-price")
    def action_add_item(self) -> None:
        status = self.query_one("#checkout-status", StatusLine)
        if self.redemption is not None:
            return
        name = self.query_one("#item-name", Input).value.strip()
        qty_text = self.query_one("#item-qty", Input).value.strip()
        price = parse_price(self.query_one("#item-price", Input).value)
        if not name:
            status.show(_("points.proxy.name_required"), "error")
            self.query_one("#item-name", Input).focus()
            return
        if not qty_text.isdigit() or not 1 <= int(qty_text) <= 999:
            status.show(_("points.proxy.qty_invalid"), "error")
            self.query_one("#item-qty", Input).focus()
            return
        if price is None:
            status.show(_("points.proxy.price_invalid"), "error")
            self.query_one("#item-price", Input).focus()
            return
        if len(self.items) >= MAX_ITEMS:
            status.show(_("points.proxy.too_many", n=MAX_ITEMS), "error")
            return
        item = {"name": name, "quantity": int(qty_text), "unit_price": str(price)}
        self.items.append(item)
        self.query_one("#items", DataTable).add_row(Text(name), qty_text, str(price))
        for field_id, value in (("#item-name", ""), ("#item-qty", "1"), ("#item-price", "")):
            self.query_one(field_id, Input).value = value
        self.query_one("#item-name", Input).focus()
        self._basket_changed()

    def _basket_changed(self) -> None:
        """A changed basket: the total again, and no message about the old basket left."""
        self._show_total()
        self.show_status(_(self.INTRO_KEY))

    def action_remove_item(self) -> None:
        table = self.query_one("#items", DataTable)
        if self.redemption is not None or not self.items or table.cursor_row is None:
            return
        index = min(table.cursor_row, len(self.items) - 1)
        del self.items[index]
        table.clear()
        for item in self.items:
            table.add_row(Text(item["name"]), str(item["quantity"]), item["unit_price"])
        self._basket_changed()
        self.query_one("#item-name", Input).focus()

    def _total(self) -> Decimal:
        return sum((Decimal(i["unit_price"]) * i["quantity"] for i in self.items), Decimal("0"))

    def _show_total(self) -> None:
        total = self._total()
        needed = points_needed(total, self.member["rate"]) if total else 0
        text = _(
            "points.proxy.total",
            amount=f"{total:.2f}",
            points=needed,
            balance=self.member["points"],
        )
        missing = needed - self.member["points"]
        if missing > 0:
            text += "  " + _("points.checkout.missing", missing=missing)
        self.query_one("#order-total", Static).update(Text(text))

    def check_points(self) -> int | None:
        status = self.query_one("#checkout-status", StatusLine)
        if not self.items:
            status.show(_("points.proxy.empty"), "error")
            return None
        needed = points_needed(self._total(), self.member["rate"])
        if needed > self.member["points"]:
            status.show(
                _("points.checkout.missing", missing=needed - self.member["points"]), "error"
            )
            return None
        return needed

    def _create_body(self, points: int) -> dict[str, Any]:
        return {"items": list(self.items)}
