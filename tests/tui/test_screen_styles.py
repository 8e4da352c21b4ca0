"""Screen styles are in one stylesheet per workflow package, loaded with its screens, and every
rule there names a screen of that package (the sheets are not scoped, so a bare rule would
restyle every screen once the package's first screen had been opened)."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

from textual.screen import Screen

from branchdesk.screens.common.styles import package_sheets

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p.parent.name for p in ROOT.glob("screens/*/__init__.py"))


def screen_classes() -> list[type[Screen[object]]]:
    found: list[type[Screen[object]]] = []
    for path in sorted(ROOT.glob("screens/*/*.py")):
        module = importlib.import_module(f"branchdesk.screens.{path.parent.name}.{path.stem}")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_no_screen_carries_its_own_css_and_each_loads_its_packages_sheets() -> None:
    classes = screen_classes()
    assert len(classes) > 40
    for cls in classes:
        assert "DEFAULT_CSS" not in cls.__dict__ and "CSS" not in cls.__dict__, cls
        assert package_sheets(cls) == cls.CSS_PATH, cls
        package = cls.__module__.split(".")[2]
        sheet = ROOT / "screens" / package / f"{package}.tcss"
        if sheet.exists():
            assert sheet in cls.CSS_PATH, cls  # type: ignore[operator]


def test_a_receipt_of_a_workflow_loads_the_common_sheet_before_its_own() -> None:
    from branchdesk.screens.sim.receipt import SimReceiptScreen

    assert [p.name for p in SimReceiptScreen.CSS_PATH] == ["common.tcss", "sim.tcss"]  # type: ignore[union-attr]


def test_every_rule_names_a_screen_of_its_package() -> None:
    by_package: dict[str, set[str]] = {}
    for cls in screen_classes():
        by_package.setdefault(cls.__module__.split(".")[2], set()).add(cls.__name__)
    for package in PACKAGES:
        sheet = ROOT / "screens" / package / f"{package}.tcss"
        if not sheet.exists():
            continue
        css = re.sub(r"/\*.*?\*/", "", sheet.read_text("utf-8"), flags=re.S)
        selectors = re.findall(r"([^{}]+)\{", css)
        assert selectors, sheet
        for group in selectors:
            for selector in group.split(","):
                first = selector.split()[0]
                assert first in by_package[package], (sheet.name, selector.strip())
