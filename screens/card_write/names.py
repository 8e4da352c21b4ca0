"""Names of offer items (packages, tariffs, packs, fees) in the UI language, shared by the
account-opening screens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from branchdesk.clients import validators
from branchdesk.tui.i18n import _, language


def local_name(item: Mapping[str, Any]) -> str:
    return str(item["name_zh"] if language() == "zh-CN" else item["name_en"])


def offer_line(key: str, item: Mapping[str, Any], **fields: str) -> str:
    """The line ``key`` of an offer item: its local name as ``name``, and each of ``fields``
    (placeholder → the item's field)."""
    return _(key, name=local_name(item), **{p: item[f] for p, f in fields.items()})


def masked_customer(customer: Mapping[str, Any]) -> dict[str, str]:
    """Who the account is for, as the steps show them: the name and the masked ID number."""
    return {"name": customer["name"], "id": validators.mask_id_number(customer["id_number"])}


def fee_lines(fees: Mapping[str, Any]) -> list[str]:
    lines = [
        _("cw.fees.item", name=local_name(item), amount=item["amount"]) for item in fees["items"]
    ]
    lines.append(_("cw.fees.total", total=fees["total"]))
    return lines


def customer_lines(order: Mapping[str, Any]) -> list[str]:
    """The order and whose it is (masked), as the receipt and the printed form begin."""
    customer = order["customer"]
    return [
        _("cw.receipt.order", id=order["id"]),
        _("cw.receipt.customer", name=customer["name"]),
        _("cw.receipt.id", id=customer["id_number"]),
        _("cw.receipt.contact", contact=customer["contact"]),
    ]


def number_lines(order: Mapping[str, Any]) -> list[str]:
    """The number, the card and what the customer pays for each month."""
    package = order["package"]
    return [
        _("cw.receipt.msisdn", msisdn=order["msisdn"]),
        _("cw.receipt.iccid", iccid=order.get("iccid") or ""),
        _("cw.receipt.package", name=local_name(package), fee=package["monthly_fee"]),
        _("cw.receipt.tariff", name=local_name(order["tariff"])),
    ]
