"""Names of offer items (packages, tariffs) in the UI language, shared by the write flow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from branchdesk.tui.i18n import language


def local_name(item: Mapping[str, Any]) -> str:
    return str(item["name_zh"] if language() == "zh-CN" else item["name_en"])
