"""The workflows staff can open: who may open each, its key, and its screen (imported lazily).

A workflow is listed here only once its screen exists; the home screen and the command palette
show the workflows the logged-in staff member's roles allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from branchdesk.tui import screen_registry

if TYPE_CHECKING:
    from textual.screen import Screen


@dataclass(frozen=True)
class Workflow:
    id: str
    title_key: str
    help_key: str
    roles: frozenset[str]
    screen: str
    """Registry id of the screen that opens the workflow (see ``tui.screen_registry``)."""

    def allowed(self, roles: tuple[str, ...] | list[str]) -> bool:
        return bool(self.roles.intersection(roles))

    def screen_class(self) -> type[Screen[Any]]:
        return screen_registry.screen_class(self.screen)


WORKFLOWS: list[Workflow] = [
    Workflow(
        "onboarding",
        "onb.workflow.title",
        "onb.workflow.help",
        frozenset({"marketer", "supervisor"}),
        "onboarding.customers",
    ),
    Workflow(
        "sim_stock",
        "sim.workflow.title",
        "sim.workflow.help",
        frozenset({"clerk", "supervisor"}),
        "sim.stock",
    ),
    Workflow(
        "card_write",
        "cw.workflow.title",
        "cw.workflow.help",
        frozenset({"clerk"}),
        "card_write.customer",
    ),
    Workflow(
        "installment",
        "inst.workflow.title",
        "inst.workflow.help",
        frozenset({"clerk", "supervisor"}),
        "installment.home",
    ),
    Workflow(
        "points.redeem",
        "points.workflow.redeem",
        "points.workflow.redeem_help",
        frozenset({"cashier", "supervisor"}),
        "points.lookup",
    ),
    Workflow(
        "points.reverse",
        "points.workflow.reverse",
        "points.workflow.reverse_help",
        frozenset({"supervisor"}),
        "points.reverse",
    ),
    Workflow(
        "points.issue",
        "points.workflow.issue",
        "points.workflow.issue_help",
        frozenset({"supervisor"}),
        "points.issue",
    ),
    Workflow(
        "points.add_member",
        "points.workflow.add_member",
        "points.workflow.add_member_help",
        frozenset({"supervisor"}),
        "points.add_member",
    ),
    Workflow(
        "points.reports",
        "points.workflow.reports",
        "points.workflow.reports_help",
        frozenset({"supervisor"}),
        "points.reports",
    ),
    Workflow(
        "demo.guided",
        "demo.workflow.title",
        "demo.workflow.help",
        frozenset({"trainer", "supervisor"}),
        "demo.tours",
    ),
]


def allowed_workflows(roles: tuple[str, ...] | list[str]) -> list[Workflow]:
    return [w for w in WORKFLOWS if w.allowed(roles)]


def by_id(workflow_id: str) -> Workflow:
    for workflow in WORKFLOWS:
        if workflow.id == workflow_id:
            return workflow
    raise KeyError(workflow_id)
