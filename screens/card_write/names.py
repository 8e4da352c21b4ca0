"""Names of offer items (packages, tariffs, packs, fees) in the UI language, shared by the
account-opening screens."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from branchdesk.tui.i18n import _, language


def local_name(item: Mapping[str, Any]) -> str:
    return str(item["name_zh"] if language() == "zh-CN" else item["name_en"])


def fee_lines(fees: Mapping[str, Any]) -> list[str]:
    lines = [
        _("cw.fees.item", name=local_name(item), amount=item["amount"]) for item in fees["items"]
    ]
    lines.append(_("cw.fees.total", total=fees["total"]))
    return lines
