"""Points-mall style payment: confirm the account and points, get the dynamic code, confirm."""

from __future__ import annotations

from branchdesk.screens.points.checkout import PointsCheckoutScreen


class PointsMallScreen(PointsCheckoutScreen, title="points.mall.title"):
    CHANNEL = "mall"
    INTRO_KEY = "points.mall.intro"
