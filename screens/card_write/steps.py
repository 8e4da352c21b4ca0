"""What the form steps of an account opening share: the draft so far, its title and status
line, and passing a step: the server checks it (the rules live in the backend; this only
asks) and keeps the form as the clerk's draft, then the next step opens. A clerk whose
terminal dropped resumes at the step after the last one saved (``resume_chain``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Static

from branchdesk.clients.card_write_api import CardWriteApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import DraftOut, OfferOut
    from branchdesk.screens.common.actions import Failure

Draft = dict[str, Any]
"""customer, recommender_id, msisdn, account, package_id, tariff_id, pack_ids, activity_id."""

STEPS = ("customer", "recommender", "number", "account", "package", "packs", "activity")
"""The form steps in the order staff do them (the server's order too)."""


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


def draft_of(saved: DraftOut) -> Draft:
    """The form of a draft kept on the server."""
    form: dict[str, Any] = dict(saved)
    return {field: form[field] for field in new_draft({})}


class FormStepScreen(BaseScreen):
    """A form step: ``compose_step`` between the title and the status line; ``passed``
    saves the step on the server and opens what ``following`` returns."""

    TITLE_KEY = ""
    STEP = ""
    """Given in the class statement: ``class AccountPacksScreen(FormStepScreen, step="packs")``."""

    def __init_subclass__(cls, step: str | None = None, **kwargs: Any) -> None:
        if step is not None:
            cls.STEP = step
        super().__init_subclass__(**kwargs)

    def __init__(self, draft: Draft, offer: OfferOut | None = None) -> None:
        super().__init__()
        self.draft = draft
        self.offer = offer

    @property
    def api(self) -> CardWriteApi:
        return CardWriteApi(self.client)

    def compose_body(self) -> ComposeResult:
        yield Static(_(self.TITLE_KEY), classes="title")
        yield from self.compose_step()
        yield StatusLine(id=f"cw-{self.STEP}-status")

    def compose_step(self) -> ComposeResult:
        """The step's own widgets."""
        yield from ()

    def following(self, draft: Draft, saved: DraftOut) -> BaseScreen:
        """The screen after this step, for ``draft`` as saved (its fees in ``saved``)."""
        raise NotImplementedError

    def passed(self, changes: Draft, failed: Callable[[Failure], str | None] | None = None) -> None:
        """Save this step with ``changes`` on the server; on success open the next step."""
        draft = {**self.draft, **changes}
        # The same form saved again is the same intent: a retry reuses its key.
        fingerprint = (self.STEP, json.dumps(draft, sort_keys=True))
        action = self.intents.action("next", fingerprint)

        def saved(result: DraftOut) -> None:
            self.intents.finished("next")
            self.show_status("")
            self.draft = draft
            self.app.push_screen(self.following(draft, result))

        self.call_api(
            "next",
            lambda: self.api.save_draft(self.STEP, draft, action),
            saved,
            failed=failed,
            write=True,
        )


def resume_chain(
    first: FormStepScreen, saved: DraftOut, offer: OfferOut | None
) -> list[BaseScreen]:
    """The screens after ``first`` up to the one after the saved step, each with the saved
    form (so Esc goes back through the steps as they were filled in)."""
    draft = draft_of(saved)
    chain: list[BaseScreen] = []
    screen: BaseScreen = first
    for _step in STEPS[: STEPS.index(saved["step"]) + 1]:
        assert isinstance(screen, FormStepScreen)
        screen.offer = screen.offer or offer
        screen = screen.following(draft, saved)
        chain.append(screen)
    return chain
