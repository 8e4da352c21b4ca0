"""Account opening, steps 5 and 6: the package and the first-month tariff."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from branchdesk.screens.card_write.names import local_name, masked_customer, offer_line
from branchdesk.screens.card_write.steps import Draft, FormStepScreen
from branchdesk.tui.i18n import _, language
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import DraftOut, OfferOut
    from branchdesk.screens.card_write.packs import AccountPacksScreen


class AccountPackageScreen(
    FormStepScreen, keys="account_package", title="cw.package.title", step="package"
):
    def compose_step(self) -> ComposeResult:
        yield Static(
            _(
                "cw.package.summary",
                msisdn=self.draft["msisdn"] or "",
                **masked_customer(self.draft["customer"]),
            ),
            id="cw-package-summary",
            markup=False,
        )
        yield Static(_("cw.package.packages"), classes="cw-list-title")
        yield OptionList(id="cw-packages")
        yield Static(_("cw.package.tariffs"), classes="cw-list-title")
        yield OptionList(id="cw-tariffs")
        yield Static(_("cw.package.hint"))

    def on_mount(self) -> None:
        self.query_one("#cw-packages", OptionList).focus()
        self._load()

    def _load(self) -> None:
        self.call_api("offer", self.api.offer, self._show_offer, keys=("submit",))

    def _show_offer(self, offer: OfferOut) -> None:
        self.offer = offer
        packages = self.query_one("#cw-packages", OptionList)
        packages.add_options(
            [
                Option(
                    offer_line("cw.package.line", p, fee="monthly_fee", prepay="prepay"), id=p["id"]
                )
                for p in offer["packages"]
            ]
        )
        tariffs = self.query_one("#cw-tariffs", OptionList)
        tariffs.add_options(
            [
                Option(
                    f"{local_name(t)}  {t['note_zh'] if language() == 'zh-CN' else t['note_en']}",
                    id=t["id"],
                )
                for t in offer["tariffs"]
            ]
        )
        packages.highlighted = _index(offer["packages"], self.draft["package_id"])
        tariffs.highlighted = _index(offer["tariffs"], self.draft["tariff_id"])

    def chosen(self, selector: str) -> str | None:
        options = self.query_one(selector, OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        return options.get_option_at_index(options.highlighted).id

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "cw-packages":
            self.query_one("#cw-tariffs", OptionList).focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        package, tariff = self.chosen("#cw-packages"), self.chosen("#cw-tariffs")
        if package is None or tariff is None:
            self.query_one("#cw-package-status", StatusLine).show(_("cw.package.choose"), "error")
            return
        self.passed({"package_id": package, "tariff_id": tariff})

    def following(self, draft: Draft, saved: DraftOut) -> AccountPacksScreen:
        from branchdesk.screens.card_write.packs import AccountPacksScreen

        return AccountPacksScreen(draft, self.offer)


def _index(items: Sequence[Mapping[str, Any]], chosen: str | None) -> int:
    """Where the chosen item is in the list (the first when none is chosen yet)."""
    return next((i for i, item in enumerate(items) if item["id"] == chosen), 0)
