"""The receipt of a redemption: its content; the common ``ReceiptScreen`` shows, saves, prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from branchdesk.screens.common.receipt import Receipt, ReceiptScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.clients.models import MemberOut, RedemptionOut


def receipt_text(member: MemberOut | None, redemption: RedemptionOut) -> str:
    """The receipt: number, channel, member (masked), items of a proxy order, staff, outlet."""
    name = member["name"] if member else redemption.get("member_name", "")
    card = member["card"] if member else redemption.get("member_card", "")
    lines = [
        _("points.receipt.id", id=redemption["id"]),
        _("points.receipt.channel", channel=_(f"points.channel.{redemption['channel']}")),
        _("points.receipt.member", name=name, card=card),
    ]
    if redemption.get("order_ref"):
        lines.append(_("points.receipt.order_ref", ref=redemption["order_ref"]))
    for item in redemption.get("items") or []:
        lines.append(
            _(
                "points.receipt.item",
                name=item["name"],
                quantity=item["quantity"],
                price=item["unit_price"],
            )
        )
    lines += [
        _("points.receipt.points", points=redemption["points"]),
        _("points.receipt.amount", amount=redemption["amount"], rate=redemption["rate"]),
    ]
    if redemption.get("order_amount"):
        lines.append(_("points.receipt.order_amount", amount=redemption["order_amount"]))
    if redemption.get("balance_after") is not None:
        lines.append(_("points.receipt.balance", balance=redemption["balance_after"]))
    lines += [
        _(
            "points.receipt.staff",
            name=redemption.get("created_by_name") or "",
            id=redemption.get("created_by") or "",
        ),
        _(
            "points.receipt.outlet",
            name=redemption.get("institution_name") or "",
            id=redemption.get("institution_id") or "",
        ),
        _(
            "points.receipt.time",
            time=timefmt.when_seconds(redemption.get("settled_at") or redemption["created_at"]),
        ),
    ]
    if redemption["status"] != "settled":
        lines.append(_("points.receipt.status", status=_(f"points.status.{redemption['status']}")))
    return "\n".join(lines)


def receipt(member: MemberOut | None, redemption: RedemptionOut) -> Receipt:
    title = _("points.receipt.title")
    return Receipt(
        kind="points",
        ref=redemption["id"],
        heading=title,
        text=f"{title}\n\n{receipt_text(member, redemption)}",
        stem=f"points-{redemption['id']}",
    )


class PointsReceiptScreen(ReceiptScreen):
    """The common receipt screen with a redemption's content."""

    def __init__(self, member: MemberOut | None, redemption: RedemptionOut) -> None:
        super().__init__(receipt(member, redemption))
        self.member = member
        self.redemption = redemption
