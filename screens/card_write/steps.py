"""What the form steps of an account opening share: the draft so far, and the server's check of
a step before the next one opens (the rules live in the backend; this only asks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from branchdesk.clients.api import Action
from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.screens.common.base import BaseScreen

if TYPE_CHECKING:
    from textual.screen import Screen

    from branchdesk.clients.models import CheckOut

Draft = dict[str, Any]
"""customer, recommender_id, msisdn, account, package_id, tariff_id, pack_ids, activity_id."""


def new_draft(customer: dict[str, str]) -> Draft:
    return {
        "customer": customer,
        "recommender_id": None,
        "msisdn": None,
        "account": {"payer_name": "", "bill_delivery": "sms", "email": ""},
        "package_id": None,
        "tariff_id": None,
        "pack_ids": [],
        "activity_id": None,
    }


class FormStepScreen(BaseScreen):
    """A form step: ``checked(step, then)`` asks the server, then opens the next screen."""

    STEP = ""

    def __init__(self, draft: Draft) -> None:
        super().__init__()
        self.draft = draft

    @property
    def api(self) -> CardWriteApi:
        return CardWriteApi(self.client)

    def checked(self, draft: Draft, then: Callable[[CheckOut], Screen[Any] | None]) -> None:
        """Check ``draft`` up to this step; on success push what ``then`` returns."""

        def passed(result: CheckOut) -> None:
            self.show_status("")
            self.draft = draft
            screen = then(result)
            if screen is not None:
                self.app.push_screen(screen)

        # A check changes nothing: a fresh key every time is safe.
        self.call_api("next", lambda: self.api.check(self.STEP, draft, Action()), passed)
