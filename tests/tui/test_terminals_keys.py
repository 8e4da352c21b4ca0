"""Every key binding uses only keys every terminal sends (vt100, the Linux console, xterm, SSH).

Portable: letters, digits, F1–F10, Ctrl+letter (not Ctrl+H/I/J/M, which arrive as
Backspace/Tab/Enter), arrows, Enter, Esc, Tab, Space, Backspace. Shift+Tab only as Textual's
"focus back" partner of Tab. Never Alt+, Ctrl+Shift+, Super+, F11/F12, Home/End/PgUp/PgDn
(missing on vt100), nor Ctrl+digit.

Every class with BINDINGS in every module of screens/ and tui/ is walked, so screens added later
are checked too; so are the bindings each class inherits (Textual's own included).
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

import branchdesk.screens
import branchdesk.tui
from branchdesk.tui.app import BranchdeskApp
from branchdesk.tui.terminal import TAB_PAIR, binding_keys, portable


def _modules() -> list[str]:
    names = []
    for package in (branchdesk.screens, branchdesk.tui):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.ispkg:
                names.append(info.name)
    return sorted(names)


def _classes() -> list[type[DOMNode]]:
    found: dict[str, type[DOMNode]] = {"BranchdeskApp": BranchdeskApp}
    for name in _modules():
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, DOMNode)
                and obj.__module__ == name
                and "BINDINGS" in vars(obj)
            ):
                found[f"{name}.{obj.__qualname__}"] = obj
    return [found[k] for k in sorted(found)]


def _keys(cls: type[DOMNode]) -> list[tuple[str, str, str]]:
    """(owner, key, action) for every binding of ``cls`` and its bases."""
    out = []
    for base in cls.__mro__:
        for item in vars(base).get("BINDINGS", []):
            binding = item if isinstance(item, Binding) else Binding(*item)
            for key in binding_keys(binding.key):
                out.append((f"{base.__module__}.{base.__qualname__}", key, binding.action))
    return out


CLASSES = _classes()


def test_the_walk_finds_the_screens() -> None:
    names = {c.__name__ for c in CLASSES}
    assert {"BranchdeskApp", "LoginScreen", "HomeScreen"} <= names
    assert len(CLASSES) >= 10


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_bindings_use_keys_every_terminal_sends(cls: type[DOMNode]) -> None:
    bad = []
    for owner, key, action in _keys(cls):
        if portable(key):
            continue
        if key == TAB_PAIR and action.endswith("focus_previous"):
            continue
        # Textual's own bindings are only checked where they would be the one way to act.
        if owner.startswith("textual.") and not owner.startswith("textual.app"):
            continue
        bad.append(f"{owner}: {key} → {action}")
    assert not bad, "keys not every terminal sends:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("f10", True),
        ("f11", False),
        ("f12", False),
        ("ctrl+s", True),
        ("ctrl+h", False),
        ("alt+x", False),
        ("ctrl+shift+a", False),
        ("escape", True),
        ("pageup", False),
        ("ctrl+1", False),
        ("shift+tab", False),
        ("enter", True),
        ("x", True),
        ("9", True),
    ],
)
def test_portable_key_set(key: str, ok: bool) -> None:
    assert portable(key) is ok
