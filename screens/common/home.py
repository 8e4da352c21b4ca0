"""After login: who and where you are, the backend, and the workflows your roles allow."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import hanging_indent, role_names
from branchdesk.tui.workflows import Workflow, allowed_workflows


class HomeScreen(BaseScreen, keys="home"):
    def compose_body(self) -> ComposeResult:
        with Vertical():
            yield Static(id="home-info")
            yield Static(_("home.workflows"), classes="title")
            yield OptionList(id="workflows")
            yield Static(id="no-workflows")

    def on_mount(self) -> None:
        self.refresh_info()
        self.watch(self.app, "online", self.refresh_info, init=False)
        staff = self.bd_app.staff
        workflows = allowed_workflows(staff.roles if staff else ())
        option_list = self.query_one("#workflows", OptionList)
        self._fill(workflows)
        if workflows:
            option_list.highlighted = 0
            option_list.focus()
            self.query_one("#no-workflows", Static).display = False
        else:
            option_list.display = False
            self.query_one("#no-workflows", Static).update(_("home.no_workflows"))

    def _fill(self, workflows: list[Workflow], first: bool = True) -> None:
        option_list = self.query_one("#workflows", OptionList)
        width = option_list.scrollable_content_region.width - 2
        if width <= 0 and first and workflows:
            # Not laid out yet: fill again once the list knows its width (for the wrapping).
            self.call_after_refresh(self._fill, workflows, False)
        highlighted = option_list.highlighted
        option_list.clear_options()
        for number, workflow in enumerate(workflows, start=1):
            label = hanging_indent(
                f"{number}. ", f"{_(workflow.title_key)} — {_(workflow.help_key)}", width
            )
            option_list.add_option(Option(Text(label, no_wrap=True), id=workflow.id))
        if highlighted is not None and workflows:
            option_list.highlighted = highlighted

    def refresh_info(self, *_args: object) -> None:
        app = self.bd_app
        staff = app.staff
        if staff is None:
            return
        backend = _("header.backend_local") if app.backend_label == "local" else app.backend_label
        if app.online is None:
            state = _("header.connecting")
        else:
            state = _("header.online") if app.online else _("header.offline")
        self.query_one("#home-info", Static).update(
            "\n".join(
                [
                    _("home.staff", name=staff.name, id=staff.id),
                    _("home.roles", roles=role_names(staff.roles)),
                    _("home.branch", branch=staff.branch),
                    _("home.backend", backend=backend, state=state),
                ]
            )
        )

    def action_receipts(self) -> None:
        """This staff member's recent receipts, to reopen and reprint."""
        from branchdesk.screens.common.receipt_history import ReceiptHistoryScreen

        self.app.push_screen(ReceiptHistoryScreen())

    def action_open_selected(self) -> None:
        option_list = self.query_one("#workflows", OptionList)
        if option_list.highlighted is None or not option_list.option_count:
            return
        option = option_list.get_option_at_index(option_list.highlighted)
        if option.id:
            self.bd_app.open_workflow(option.id)

    @on(OptionList.OptionSelected, "#workflows")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.bd_app.open_workflow(event.option.id)

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        if key.isdigit() and key != "0":
            option_list = self.query_one("#workflows", OptionList)
            index = int(key) - 1
            if index < option_list.option_count:
                option = option_list.get_option_at_index(index)
                if option.id:
                    self.bd_app.open_workflow(option.id)
