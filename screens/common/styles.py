"""Screen styles live in one stylesheet per workflow package: ``screens/<package>/<package>.tcss``.

A screen class gets, as its ``CSS_PATH``, the stylesheets of the packages of every class it is
made of (``SimReceiptScreen`` is a ``ReceiptScreen``: ``common.tcss``, then ``sim.tcss``), so a
package's rules load with the first of its screens, never on the first frame of the app. Rules
in these sheets are not scoped to one screen: each one names its screen (``SimStockScreen
#stock-table``) or a class that only that package's screens use.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

PACKAGE = "branchdesk.screens."


def package_sheets(cls: type) -> list[str | Path]:
    """The stylesheets of the screen packages ``cls`` and its bases come from, bases first."""
    sheets: list[str | Path] = []
    for klass in reversed(cls.__mro__):
        module = sys.modules.get(klass.__module__)
        file = getattr(module, "__file__", None)
        if not klass.__module__.startswith(PACKAGE) or file is None:
            continue
        sheet = Path(file).with_name(f"{Path(file).parent.name}.tcss")
        if sheet not in sheets and sheet.exists():
            sheets.append(sheet)
    return sheets


class PackageStyles:
    """Mixin for every screen: ``CSS_PATH`` is its packages' stylesheets (see the module)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "CSS_PATH" not in cls.__dict__:
            cls.CSS_PATH = package_sheets(cls)  # type: ignore[attr-defined]
