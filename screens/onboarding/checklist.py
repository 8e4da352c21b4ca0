"""A customer's readiness checklist and tick lists, with guidance and payment advice beside them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from branchdesk.clients.onboarding_api import OnboardingApi, Queued
from branchdesk.screens.common.actions import Failure, unreachable_says
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.onboarding.client import onboarding_api
from branchdesk.screens.onboarding.export import MARKS, write_handoff
from branchdesk.tui import numbers, timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import Prose, StatusLine, hanging_indent

if TYPE_CHECKING:
    from branchdesk.clients.models import ItemOut


class ChecklistScreen(BaseScreen, keys="onb.checklist", title="onb.checklist.title"):
    def __init__(self, customer_id: str) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.data: dict[str, Any] | None = None
        self.revealed: dict[str, Any] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(_("onb.loading"), id="onb-head")
        with Horizontal(id="onb-body"):
            yield OptionList(id="onb-items")
            with VerticalScroll(id="onb-side"):
                yield Prose(id="onb-guide")
        yield StatusLine(id="onb-check-status")

    @property
    def api(self) -> OnboardingApi:
        return onboarding_api(self)

    def on_mount(self) -> None:
        self.query_one("#onb-items", OptionList).focus()
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    def _load(self, keep: str | None = None) -> None:
        def loaded(data: Any) -> None:
            self.data = data
            self._draw(keep)
            if data.get("offline"):
                self.show_status(_("onb.offline_copy"), "error")

        self.call_api(
            "load",
            lambda: self.api.checklist(self.customer_id),
            loaded,
            failed=unreachable_says("onb.offline_no_copy"),
        )

    # -- drawing ----------------------------------------------------------------------------
    def _draw(self, keep: str | None) -> None:
        data = self.data
        assert data is not None
        customer = {**data["customer"], **(self.revealed or {})}
        progress = data["progress"]
        head = _(
            "onb.checklist.head",
            name=customer["name"],
            area=customer["area"],
            mobile=customer["mobile"],
            done=progress["done"],
            required=progress["required"],
        )
        step = data["next_step"]["text"] or _("onb.checklist.pending_customer")
        self.query_one("#onb-head", Static).update(f"{head}\n{step}")
        items = self.query_one("#onb-items", OptionList)
        current = keep or self._focused_id()
        width = items.scrollable_content_region.width - 2
        if width <= 0:
            # Not laid out yet: draw again once the list knows its width (for the wrapping).
            self.call_after_refresh(self._draw, current)
        items.clear_options()
        for section in data["sections"]:
            items.add_option(
                Option(
                    f"{section['title']} {section['done']}/{section['required']}",
                    id=f"section:{section['id']}",
                    disabled=True,
                )
            )
            for item in data["items"]:
                if item["section"] != section["id"]:
                    continue
                pending = " ⇅" if item.get("pending") else ""
                label = hanging_indent(f"{MARKS[item['status']]} ", item["title"] + pending, width)
                # Already wrapped: no second wrap, which would drop the hanging indent.
                items.add_option(Option(Text(label, no_wrap=True), id=item["id"]))
        target = current or data["next_step"]["item"] or data["items"][0]["id"]
        items.highlighted = items.get_option_index(target)
        self._show_guide()

    def _focused_id(self) -> str | None:
        items = self.query_one("#onb-items", OptionList)
        if items.highlighted is None or not items.option_count:
            return None
        option_id = items.get_option_at_index(items.highlighted).id
        return option_id if option_id and ":" not in option_id else None

    def _item(self, item_id: str | None) -> dict[str, Any] | None:
        if self.data is None or item_id is None:
            return None
        return next((i for i in self.data["items"] if i["id"] == item_id), None)

    @on(OptionList.OptionHighlighted, "#onb-items")
    def _show_guide(self) -> None:
        item = self._item(self._focused_id())
        if item is None or self.data is None:
            return
        lines = [
            f"[b]{item['title']}[/b]",
            _("onb.checklist.status", status=_(f"onb.status.{item['status']}")),
        ]
        if item["updated_by"]:
            lines.append(
                _(
                    "onb.checklist.changed",
                    who=item["updated_by"],
                    when=timefmt.when(item["updated_at"]),
                )
            )
        if item["note"]:
            lines.append(_("onb.checklist.note", note=item["note"]))
        for key, value in sorted(item["evidence"].items()):
            lines.append(f"{_(f'onb.evidence.{key}')}: {value}")
        if item.get("pending"):
            lines.append(_(f"onb.pending.{item['pending']}"))
        lines += ["", _(f"onb.guide.{item['id']}")]
        lines += ["", *self._advice()]
        self.query_one("#onb-guide", Prose).update("\n".join(lines))

    def _advice(self) -> list[str]:
        assert self.data is not None
        customer = self.data["customer"]
        pay, limits = customer["payment"], customer["limits"]
        lines = [f"[b]{_('onb.advice.title')}[/b]"]
        if pay is None or limits is None:  # created offline: the server advises once it is sent
            return [*lines, _("onb.advice.after_sync")]
        if pay["ask_bank"]:
            lines.append(_("onb.advice.ask_bank"))
        elif pay["channel"] == "online_payment":
            lines.append(_("onb.advice.online_payment", bank=pay["bank_name"]))
        else:
            lines.append(_("onb.advice.dedicated", bank=pay["bank_name"]))
            lines.append(_("onb.advice.mistake", error=pay["wrong_channel_error"]))
        if pay["settlement_excluded"]:
            lines.append(_("onb.advice.excluded"))
        lines.append(_("onb.advice.case"))
        if limits["needs_ukey_sms"]:
            lines.append(
                _("onb.advice.needs_ukey", amount=numbers.amount(customer["order_amount"]))
            )
        else:
            lines.append(_("onb.advice.etoken_ok", amount=numbers.amount(customer["order_amount"])))
        return lines

    # -- actions ----------------------------------------------------------------------------
    def action_edit_item(self) -> None:
        item = self._item(self._focused_id())
        if item is None or self.data is None:
            return
        from branchdesk.screens.onboarding.item import ItemModal

        token = self.data["customer"]["token_type"]
        self.app.push_screen(
            ItemModal(self.api, self.customer_id, cast("ItemOut", item), token), self._changed
        )

    def action_mark_done(self) -> None:
        item = self._item(self._focused_id())
        if item is None or self.data is None:
            return
        from branchdesk.screens.onboarding.item import ItemModal, missing_for_done

        token = self.data["customer"]["token_type"]
        if missing_for_done(cast("ItemOut", item), token):
            # Done, once the missing evidence is given: ask for that alone.
            item_out = cast("ItemOut", item)
            modal = ItemModal(self.api, self.customer_id, item_out, token, mark_done=True)
            self.app.push_screen(modal, self._changed)
            return
        self._mark_done(item)

    def _mark_done(self, item: Any) -> None:
        action = self.intents.action("change", (item["id"], item["version"]))

        def failed(failure: Failure) -> str | None:
            if failure.code == "version_conflict":
                self._load(item["id"])
            return None

        def changed(result: object) -> None:
            self.intents.finished("change")
            self._changed(result)

        self.call_api(
            "change",
            lambda: self.api.set_item(
                self.customer_id,
                item["id"],
                status="done",
                base_version=item["version"],
                note=item["note"],
                evidence=item["evidence"],
                action=action,
                title=item["title"],
            ),
            changed,
            failed=failed,
            write=True,
        )

    def _changed(self, result: object) -> None:
        if result is None:
            return
        status = self.query_one("#onb-check-status", StatusLine)
        if isinstance(result, Queued):
            status.show(_("onb.queued"), "error")
        else:
            status.show(_("onb.saved"), "ok")
        self._load(self._focused_id())

    def action_reveal(self) -> None:
        if self.revealed is not None:
            self.revealed = None
            if self.data is not None:
                self._draw(None)
            return
        self._reveal()

    def _reveal(self) -> None:
        def revealed(full: Any) -> None:
            self.revealed = {"mobile": full["mobile"]}
            if self.data is not None:
                self._draw(None)
            self.show_status(
                _("onb.revealed", id_number=full["id_number"], card=full["card_number"])
            )

        self.call_api(
            "reveal",
            lambda: self.api.customer(self.customer_id, reveal=True),
            revealed,
            failed=unreachable_says("onb.offline_reveal"),
        )

    def action_edit_customer(self) -> None:
        from branchdesk.screens.onboarding.customer_form import CustomerFormScreen

        self.app.push_screen(CustomerFormScreen(self.customer_id), self._changed)

    def action_export(self) -> None:
        self.show_status(_("onb.export.working"))

        def write(package: Any) -> None:
            try:
                csv_path, txt_path = write_handoff(package)
            except OSError as exc:
                self.show_status(_("onb.export.failed", reason=str(exc)), "error")
                return
            self.last_export = (csv_path, txt_path)
            self.show_status(
                _("onb.export.handoff_done", csv=str(csv_path), txt=txt_path.name), "ok"
            )

        self.call_api(
            "export",
            lambda: self.api.handoff(self.customer_id),
            write,
            failed=unreachable_says("onb.offline_export"),
        )
