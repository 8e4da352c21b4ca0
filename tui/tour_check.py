"""Checks of a guided tour that need the App and its screens, without running the app."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from branchdesk.tui import screen_registry
from branchdesk.tui.app import BranchdeskApp
from branchdesk.tui.tour import WIDGET_KEYS, Tour
from branchdesk.tui.workflows import WORKFLOWS


def import_screen(screen_id: str) -> type[Any]:
    return screen_registry.screen_class(screen_id)


def binding_keys(screen_class: type[Any]) -> set[str]:
    """Every key bound on a screen class (its MRO) and on the app."""
    keys: set[str] = set()
    for cls in (screen_class, BranchdeskApp):
        for key in cls._merge_bindings().key_to_bindings:
            keys.add(key)
    return keys


def check_tour(tour: Tour) -> list[str]:
    """What is wrong with ``tour`` that can be seen without running the app (empty when fine)."""
    problems: list[str] = []
    if tour.workflow and tour.workflow not in {w.id for w in WORKFLOWS}:
        problems.append(f"{tour.path.name}: unknown workflow {tour.workflow!r}")
    if tour.start == "login" and not tour.login:
        problems.append(f"{tour.path.name}: start = 'login' needs login = '<staff id>'")
    if tour.needs_reader and not any(step.needs == "no_reader" for step in tour.steps):
        problems.append(
            f"{tour.path.name}: steps that need a reader, but no needs = 'no_reader' step says "
            "what is skipped without one"
        )
    for step in tour.steps:
        where = f"{tour.path.name} step {step.number}"
        try:
            screen_class = import_screen(step.screen)
        except (ImportError, AttributeError, KeyError) as exc:
            problems.append(f"{where}: screen {step.screen!r} not found ({exc})")
            continue
        if not (isinstance(screen_class, type) and issubclass(screen_class, Screen)):
            problems.append(f"{where}: {step.screen!r} is not a screen")
            continue
        keys = binding_keys(screen_class)
        wanted = list(step.auto.press) + ([step.wait.key] if step.wait and step.wait.key else [])
        for key in wanted:
            if (
                key not in keys
                and key not in WIDGET_KEYS
                and not (len(key) == 1 and key.isprintable())
            ):
                problems.append(f"{where}: key {key!r} is not bound on {step.screen_name}")
        if step.wait and step.wait.screen:
            try:
                import_screen(step.wait.screen)
            except (ImportError, AttributeError, KeyError) as exc:
                problems.append(f"{where}: wait screen {step.wait.screen!r} not found ({exc})")
        if step.auto.type and not step.wait:
            problems.append(f"{where}: auto.type without a wait never checks what was typed")
        if step.auto.choose and (
            step.wait is None or step.wait.field is None or step.wait.value != step.auto.choose
        ):
            problems.append(
                f"{where}: auto.choose needs wait = {{ field = ..., value = {step.auto.choose!r} }}"
            )
    return problems
