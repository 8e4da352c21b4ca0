"""The app's keys, one table per screen in ``keymap.toml``, and the staff member's own remapping.

A screen takes its table as ``class SimStockScreen(BaseScreen, keys="sim_stock")`` (that is
``BINDINGS = keymap.bindings("sim_stock")``, see ``tui.keys``): every binding there has
the id ``"<table>.<name>"`` and a catalog key as description. The ``[keys]`` table of the user's
config file maps binding ids to other keys (``"sim_stock.pickup" = "f9"``); :func:`check` keeps
the remaps that are sound and says why it drops the others (an unknown id, a key Textual does not
know, a key already taken on the same screen), and the App hands the rest to ``App.set_keymap``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from textual.binding import Binding, BindingType
from textual.keys import Keys

GLOBAL_TABLES = ("app", "tour", "screen", "modal")
"""Tables whose keys are live on every screen (the App's, the tour's, the screen bases')."""

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_KEY_NAMES = frozenset(key.value for key in Keys)


@dataclass(frozen=True)
class Entry:
    id: str
    key: str
    action: str
    text: str
    show: bool = True
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(
            self.key, self.action, self.text, show=self.show, priority=self.priority, id=self.id
        )


@cache
def tables() -> dict[str, tuple[Entry, ...]]:
    """The default keymap: table name → its entries, in Footer order."""
    raw = tomllib.loads(files("branchdesk.tui").joinpath("keymap.toml").read_text("utf-8"))
    return {
        table: tuple(
            Entry(
                id=f"{table}.{name}",
                key=spec["key"],
                action=spec.get("action", name),
                text=spec["text"],
                show=spec.get("show", True),
                priority=spec.get("priority", False),
            )
            for name, spec in entries.items()
        )
        for table, entries in raw.items()
    }


def bindings(table: str) -> list[BindingType]:
    """The ``BINDINGS`` of the screen whose keys are ``table`` in ``keymap.toml``."""
    return [entry.binding() for entry in tables()[table]]


def table_of(binding_id: str) -> str:
    return binding_id.rpartition(".")[0]


@cache
def entries_by_id() -> dict[str, Entry]:
    return {entry.id: entry for entries in tables().values() for entry in entries}


def key_error(keys: object) -> str | None:
    """None when ``keys`` is a Textual key string ("f9", "ctrl+s", "f2,enter"), else what is off."""
    if not isinstance(keys, str) or not keys.strip():
        return repr(keys)
    for key in keys.split(","):
        *mods, base = key.strip().split("+")
        if any(mod not in MODIFIERS for mod in mods) or not base:
            return key.strip()
        if base not in _KEY_NAMES and not (len(base) == 1 and base.isprintable()):
            return key.strip()
    return None


@dataclass(frozen=True)
class Problem:
    """A remap left out, with the catalog key that says why (``keymap.<kind>``)."""

    kind: str
    """``unknown`` (no such binding id), ``bad_key`` (not a key name), ``clash`` (key taken),
    ``not_table`` (``keys`` in the config is not a table)."""
    id: str
    key: str
    other: str = ""
    """For a clash: the binding that already has the key."""


def _keys(value: str) -> set[str]:
    return {key.strip() for key in value.split(",")}


def problem_text(problem: Problem, translate: Callable[..., str]) -> str:
    """The line that says why a remap was left out, through the catalog (``keymap.<kind>``)."""
    return translate(f"keymap.{problem.kind}", id=problem.id, key=problem.key, other=problem.other)


def check(remaps: object) -> tuple[dict[str, str], list[Problem]]:
    """The sound part of the config's ``[keys]`` (for ``App.set_keymap``) and what was left out.

    Remaps are judged together, so two bindings may swap keys; a remap whose key another binding
    of the same screen (or of every screen) would then have is left out, as are both of two remaps
    to one key — each binding keeps its default key, and the check runs again until none clash.
    """
    known = entries_by_id()
    problems: list[Problem] = []
    accepted: dict[str, str] = {}
    if not isinstance(remaps, Mapping):
        return accepted, [Problem("not_table", "keys", repr(remaps))]
    for binding_id, keys in remaps.items():
        if binding_id not in known:
            problems.append(Problem("unknown", binding_id, str(keys)))
        elif (bad := key_error(keys)) is not None:
            problems.append(Problem("bad_key", binding_id, bad))
        else:
            accepted[binding_id] = ",".join(key.strip() for key in keys.split(","))
    while clashes := [
        Problem("clash", binding_id, keys, other)
        for binding_id, keys in accepted.items()
        if (other := _taken_by(binding_id, keys, accepted)) is not None
    ]:
        for problem in clashes:
            del accepted[problem.id]
        problems += clashes
    return accepted, problems


def _taken_by(binding_id: str, keys: str, remapped: dict[str, str]) -> str | None:
    """The first other binding live with ``binding_id`` that would have one of ``keys``."""
    table = table_of(binding_id)
    tables_live = list(tables()) if table in GLOBAL_TABLES else [table, *GLOBAL_TABLES]
    mine = _keys(keys)
    for other_table in tables_live:
        for entry in tables()[other_table]:
            if entry.id != binding_id and mine & _keys(remapped.get(entry.id, entry.key)):
                return entry.id
    return None
