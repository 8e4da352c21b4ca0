"""Account opening, step 9: confirm what was chosen and the fees; F5 creates the order (the
number is reserved, the fees fixed) and the card steps open."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from branchdesk.clients import validators
from branchdesk.screens.card_write.names import fee_lines, local_name, masked_customer
from branchdesk.screens.card_write.steps import Draft, FormStepScreen
from branchdesk.tui.i18n import _, language
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import FeesOut, OfferOut, OrderOut
    from branchdesk.screens.common.actions import Failure


def _named(items: Sequence[Mapping[str, Any]], wanted: str | None) -> str:
    for item in items:
        if item["id"] == wanted:
            return local_name(item)
    return wanted or ""


class AccountSummaryScreen(
    FormStepScreen, keys="account_summary", title="cw.summary.title", step="activity"
):
    """After the last step: nothing more to save; F5 creates the order (and ends the draft)."""

    def __init__(self, draft: Draft, offer: OfferOut | None, fees: FeesOut) -> None:
        super().__init__(draft, offer)
        self.fees = fees

    def lines(self) -> list[str]:
        draft, offer = self.draft, self.offer
        customer, account = draft["customer"], draft["account"]
        packages = list(offer["packages"]) if offer else []
        tariffs = list(offer["tariffs"]) if offer else []
        packs = list(offer["packs"]) if offer else []
        activities = list(offer["activities"]) if offer else []
        sep = "、" if language() == "zh-CN" else ", "
        chosen_packs = sep.join(_named(packs, p) for p in draft["pack_ids"]) or _("cw.summary.none")
        return [
            _(
                "cw.summary.customer",
                contact=validators.mask_mobile(customer["contact"]),
                **masked_customer(customer),
            ),
            _("cw.summary.recommender", id=draft["recommender_id"] or _("cw.summary.none")),
            _("cw.summary.number", msisdn=draft["msisdn"] or ""),
            _(
                "cw.summary.account",
                payer=account["payer_name"] or customer["name"],
                delivery=_(f"cw.delivery.{account['bill_delivery']}"),
            ),
            _(
                "cw.summary.package",
                package=_named(packages, draft["package_id"]),
                tariff=_named(tariffs, draft["tariff_id"]),
            ),
            _("cw.summary.packs", packs=chosen_packs),
            _("cw.summary.activity", activity=_named(activities, draft["activity_id"])),
            *fee_lines(self.fees),
        ]

    def compose_body(self) -> ComposeResult:
        yield Static(_("cw.summary.title"), classes="title")
        with VerticalScroll(id="cw-summary-scroll"):
            yield Static("\n".join(self.lines()), id="cw-summary", markup=False)
        yield StatusLine(_("cw.summary.hint"), id="cw-summary-status")

    def on_mount(self) -> None:
        self.query_one("#cw-summary-scroll").focus()

    def action_submit(self) -> None:
        draft = self.draft
        # One intent per number: a retry (even after going back and changing a pack) reuses
        # the key, so an order whose answer was lost is not made twice.
        action = self.intents.action("submit", draft["msisdn"])
        self.show_status(_("cw.package.submitting"))

        def refused(failure: Failure) -> None:
            if not failure.unreachable:
                self.intents.finished("submit")  # refused: nothing changed, a new key next

        self.call_api(
            "submit",
            lambda: self.api.create_order(
                draft["customer"],
                draft["msisdn"] or "",
                draft["package_id"] or "",
                draft["tariff_id"] or "",
                action,
                recommender_id=draft["recommender_id"],
                account=draft["account"],
                pack_ids=draft["pack_ids"],
                activity_id=draft["activity_id"],
            ),
            self._submitted,
            failed=refused,
            write=True,
        )

    def _submitted(self, order: OrderOut) -> None:
        from branchdesk.screens.card_write.write import CardWriteScreen

        self.intents.finished("submit")
        # The order exists now: the form steps are done, the card steps take over. Run after
        # this worker: going home removes this screen and cancels its workers.
        app, services = self.app, self.bd_app

        def card_steps() -> None:
            services.go_home()
            app.push_screen(CardWriteScreen(order))

        app.call_later(card_steps)
