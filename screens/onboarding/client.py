"""The onboarding client of a screen, with the app's offline outbox behind its changes."""

from __future__ import annotations

from branchdesk.clients.onboarding_api import OnboardingApi
from branchdesk.screens.common.base import BaseScreen


def onboarding_api(screen: BaseScreen) -> OnboardingApi:
    return OnboardingApi(screen.client, screen.bd_app.outbox_sync)
