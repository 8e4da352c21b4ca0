"""Every screen by registry id (``area.module``); workflows and tour files name screens by id.

Screens are imported only when first opened, so the registry costs nothing on the first frame.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.screen import Screen

SCREENS: dict[str, str] = {
    "card_write.account": "branchdesk.screens.card_write.account:AccountInfoScreen",
    "card_write.activity": "branchdesk.screens.card_write.activity:AccountActivityScreen",
    "card_write.customer": "branchdesk.screens.card_write.customer:AccountCustomerScreen",
    "card_write.fees": "branchdesk.screens.card_write.fees:AccountFeesScreen",
    "card_write.number": "branchdesk.screens.card_write.number:AccountNumberScreen",
    "card_write.orders": "branchdesk.screens.card_write.orders:AccountOrdersScreen",
    "card_write.package": "branchdesk.screens.card_write.package:AccountPackageScreen",
    "card_write.packs": "branchdesk.screens.card_write.packs:AccountPacksScreen",
    "card_write.receipt": "branchdesk.screens.card_write.receipt:CardWriteReceiptScreen",
    "card_write.recommender": "branchdesk.screens.card_write.recommender:AccountRecommenderScreen",
    "card_write.summary": "branchdesk.screens.card_write.summary:AccountSummaryScreen",
    "card_write.write": "branchdesk.screens.card_write.write:CardWriteScreen",
    "common.confirm": "branchdesk.screens.common.confirm:ConfirmModal",
    "common.error_panel": "branchdesk.screens.common.error_panel:ErrorPanel",
    "common.home": "branchdesk.screens.common.home:HomeScreen",
    "common.keys_help": "branchdesk.screens.common.keys_help:KeysHelpScreen",
    "common.receipt": "branchdesk.screens.common.receipt:ReceiptScreen",
    "common.receipt_history": "branchdesk.screens.common.receipt_history:ReceiptHistoryScreen",
    "common.login": "branchdesk.screens.common.login:LoginScreen",
    "common.startup_error": "branchdesk.screens.common.startup_error:StartupErrorScreen",
    "common.too_small": "branchdesk.screens.common.too_small:TooSmallScreen",
    "demo.presets": "branchdesk.screens.demo.presets:PresetsScreen",
    "demo.tours": "branchdesk.screens.demo.tours:TourPickerScreen",
    "installment.board": "branchdesk.screens.installment.board:InstallmentBoardScreen",
    "installment.home": "branchdesk.screens.installment.home:InstallmentHomeScreen",
    "installment.orders": "branchdesk.screens.installment.orders:InstallmentOrdersScreen",
    "installment.qr": "branchdesk.screens.installment.qr:InstallmentQrScreen",
    "installment.register": "branchdesk.screens.installment.register:InstallmentRegisterScreen",
    "onboarding.checklist": "branchdesk.screens.onboarding.checklist:ChecklistScreen",
    "onboarding.customer_form": "branchdesk.screens.onboarding.customer_form:CustomerFormScreen",
    "onboarding.customers": "branchdesk.screens.onboarding.customers:CustomersScreen",
    "onboarding.sync": "branchdesk.screens.onboarding.sync:SyncScreen",
    "points.add_member": "branchdesk.screens.points.add_member:PointsAddMemberScreen",
    "points.checkout": "branchdesk.screens.points.checkout:PointsCheckoutScreen",
    "points.detail": "branchdesk.screens.points.detail:PointsDetailScreen",
    "points.grant": "branchdesk.screens.points.grant:PointsGrantScreen",
    "points.issue": "branchdesk.screens.points.issue:PointsIssueScreen",
    "points.lookup": "branchdesk.screens.points.lookup:PointsLookupScreen",
    "points.mall": "branchdesk.screens.points.mall:PointsMallScreen",
    "points.proxy": "branchdesk.screens.points.proxy:PointsProxyScreen",
    "points.receipt": "branchdesk.screens.points.receipt:PointsReceiptScreen",
    "points.reports": "branchdesk.screens.points.reports:PointsReportsScreen",
    "points.reverse": "branchdesk.screens.points.reverse:PointsReverseScreen",
    "sim.approvals": "branchdesk.screens.sim.approvals:SimApprovalsScreen",
    "sim.batch": "branchdesk.screens.sim.batch:SimBatchScreen",
    "sim.batches": "branchdesk.screens.sim.batches:SimBatchesScreen",
    "sim.card": "branchdesk.screens.sim.card:SimCardScreen",
    "sim.receipt": "branchdesk.screens.sim.receipt:SimReceiptScreen",
    "sim.stock": "branchdesk.screens.sim.stock:SimStockScreen",
}


class UnknownScreen(KeyError):
    """No screen has this registry id."""


def spec(screen_id: str) -> str:
    try:
        return SCREENS[screen_id]
    except KeyError:
        raise UnknownScreen(screen_id) from None


def class_name(screen_id: str) -> str:
    return spec(screen_id).rpartition(":")[2]


def screen_class(screen_id: str) -> type[Screen[Any]]:
    module, _, name = spec(screen_id).partition(":")
    cls: type[Screen[Any]] = getattr(importlib.import_module(module), name)
    return cls
