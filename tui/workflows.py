"""The workflows staff can open: who may open each, its key, and its screen (imported lazily).

A workflow is listed here only once its screen exists; the home screen and the command palette
show the workflows the logged-in staff member's roles allow.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class Workflow:
    id: str
    title_key: str
    help_key: str
    roles: frozenset[str]
    screen: str
    """``module:Class`` of the screen that opens the workflow."""

    def allowed(self, roles: tuple[str, ...] | list[str]) -> bool:
        return bool(self.roles.intersection(roles))

    def screen_class(self) -> type[Screen]:
        module, _, name = self.screen.partition(":")
        return getattr(importlib.import_module(module), name)


WORKFLOWS: list[Workflow] = []


def allowed_workflows(roles: tuple[str, ...] | list[str]) -> list[Workflow]:
    return [w for w in WORKFLOWS if w.allowed(roles)]


def by_id(workflow_id: str) -> Workflow:
    for workflow in WORKFLOWS:
        if workflow.id == workflow_id:
            return workflow
    raise KeyError(workflow_id)
