"""The trainer's scenario presets: one key resets the sandbox to a teaching case."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from branchdesk.clients.demo_api import DemoApi
from branchdesk.screens.common.actions import unreachable_says
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import PresetApplied, PresetOut


class PresetsScreen(BaseScreen, keys="demo_presets", title="demo.presets.title"):
    def __init__(self) -> None:
        super().__init__()
        self.presets: list[PresetOut] = []

    def compose_body(self) -> ComposeResult:
        with Vertical():
            yield Static(_("demo.presets.list"), classes="title")
            yield OptionList(id="presets")
            yield Static(id="preset-teach")
            yield StatusLine(_("demo.presets.loading"), id="presets-status")

    def on_mount(self) -> None:
        self._load()

    def _load(self) -> None:
        self.call_api(
            "presets",
            lambda: DemoApi(self.client).presets(),
            self._loaded,
            failed=unreachable_says("demo.presets.unreachable"),
            keys=("apply_selected",),
        )

    def _loaded(self, presets: list[PresetOut]) -> None:
        self.presets = presets
        status = self.query_one("#presets-status", StatusLine)
        option_list = self.query_one("#presets", OptionList)
        for number, preset in enumerate(self.presets, start=1):
            option_list.add_option(Option(f"{number}. {preset['title']}", id=preset["name"]))
        option_list.highlighted = 0
        option_list.focus()
        status.show("")
        self._show_teach()

    @on(OptionList.OptionHighlighted, "#presets")
    def _show_teach(self) -> None:
        option_list = self.query_one("#presets", OptionList)
        if option_list.highlighted is not None and self.presets:
            preset = self.presets[option_list.highlighted]
            self.query_one("#preset-teach", Static).update(Text(preset["teach"]))

    def on_key(self, event: events.Key) -> None:
        if event.key.isdigit() and event.key != "0" and int(event.key) <= len(self.presets):
            event.stop()
            self.query_one("#presets", OptionList).highlighted = int(event.key) - 1
            self.action_apply_selected()

    def action_apply_selected(self) -> None:
        option_list = self.query_one("#presets", OptionList)
        if self.busy("apply") or option_list.highlighted is None or not self.presets:
            return
        preset = self.presets[option_list.highlighted]
        # The sandbox is shared: everyone training on it is reset, not only this screen.
        self.confirm(
            _("demo.presets.confirm_title", title=preset["title"]),
            [
                _("demo.presets.confirm_what", title=preset["title"]),
                _("demo.presets.confirm_shared"),
            ],
            lambda: self._apply(preset),
            confirm=_("demo.presets.confirm_key"),
        )

    @property
    def applying(self) -> bool:
        return self.busy("apply")

    def _apply(self, preset: PresetOut) -> None:
        action = self.intents.action("apply", preset["name"])
        self.show_status(_("demo.presets.applying", title=preset["title"]))

        def applied(result: PresetApplied) -> None:
            self.intents.finished("apply")
            self.query_one("#preset-teach", Static).update(Text(result["teach"]))
            self.show_status(_("demo.presets.applied", title=result["title"]), "ok")

        self.call_api(
            "apply",
            lambda: DemoApi(self.client).apply_preset(preset["name"], action),
            applied,
            failed=unreachable_says("demo.presets.unreachable"),
            keys=("apply_selected",),
            write=True,
        )
