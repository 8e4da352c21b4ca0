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


WORKFLOWS: list[Workflow] = [
    Workflow(
        "onboarding",
        "onb.workflow.title",
        "onb.workflow.help",
        frozenset({"marketer", "supervisor"}),
        "branchdesk.screens.onboarding_customers:CustomersScreen",
    ),
    Workflow(
        "sim_stock",
        "sim.workflow.title",
        "sim.workflow.help",
        frozenset({"clerk", "supervisor"}),
        "branchdesk.screens.sim_stock:SimStockScreen",
    ),
    Workflow(
        "card_write",
        "cw.workflow.title",
        "cw.workflow.help",
        frozenset({"clerk"}),
        "branchdesk.screens.account_customer:AccountCustomerScreen",
    ),
    Workflow(
        "installment",
        "inst.workflow.title",
        "inst.workflow.help",
        frozenset({"clerk", "supervisor"}),
        "branchdesk.screens.installment_home:InstallmentHomeScreen",
    ),
    Workflow(
        "points.redeem",
        "points.workflow.redeem",
        "points.workflow.redeem_help",
        frozenset({"cashier", "supervisor"}),
        "branchdesk.screens.points_lookup:PointsLookupScreen",
    ),
    Workflow(
        "points.reverse",
        "points.workflow.reverse",
        "points.workflow.reverse_help",
        frozenset({"supervisor"}),
        "branchdesk.screens.points_reverse:PointsReverseScreen",
    ),
    Workflow(
        "points.issue",
        "points.workflow.issue",
        "points.workflow.issue_help",
        frozenset({"supervisor"}),
        "branchdesk.screens.points_issue:PointsIssueScreen",
    ),
    Workflow(
        "points.reports",
        "points.workflow.reports",
        "points.workflow.reports_help",
        frozenset({"supervisor"}),
        "branchdesk.screens.points_reports:PointsReportsScreen",
    ),
    Workflow(
        "demo.guided",
        "demo.workflow.title",
        "demo.workflow.help",
        frozenset({"trainer", "supervisor"}),
        "branchdesk.screens.demo_tours:TourPickerScreen",
    ),
]


def allowed_workflows(roles: tuple[str, ...] | list[str]) -> list[Workflow]:
    return [w for w in WORKFLOWS if w.allowed(roles)]


def by_id(workflow_id: str) -> Workflow:
    for workflow in WORKFLOWS:
        if workflow.id == workflow_id:
            return workflow
    raise KeyError(workflow_id)
