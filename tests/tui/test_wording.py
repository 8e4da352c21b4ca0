"""Staff words as the source training (DOMAIN.md) has them."""

from __future__ import annotations

from pathlib import Path

import branchdesk.tui as tui_package
from branchdesk.tui.i18n import _, set_language

TUI = Path(tui_package.__file__).parent


def test_the_life_insurance_add_on_is_named_as_in_the_training() -> None:
    set_language("zh-CN")
    try:
        assert "加入寿险计划" in _("inst.warning.addons")
        assert "加入寿险计划" in _("inst.warning.addons_short")
        assert _("inst.addon.life_insurance") == "加入寿险计划"
    finally:
        set_language("en")
    for path in [*TUI.glob("locales/*.toml"), *TUI.glob("tours/*.toml")]:
        assert "人身保险" not in path.read_text(encoding="utf-8"), path
