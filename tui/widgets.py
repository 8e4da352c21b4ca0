"""Widgets shared by the screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.tui.app import BranchdeskApp


def role_names(roles: tuple[str, ...] | list[str]) -> str:
    return "/".join(_(f"role.{r}") for r in roles)


class AppHeader(Horizontal):
    """One line: app · branch · staff (roles) … DEMO · backend · connection · pending sync."""

    DEFAULT_CSS = """
    AppHeader { height: 1; dock: top; background: $primary; color: $text; }
    AppHeader #header-left { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    AppHeader #header-right { width: auto; text-wrap: nowrap; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="header-left")
        yield Static(id="header-right")

    @property
    def bd_app(self) -> BranchdeskApp:
        return cast("BranchdeskApp", self.app)

    def on_mount(self) -> None:
        app = self.bd_app
        for name in ("staff", "online", "pending_sync", "backend_label", "demo"):
            self.watch(app, name, self._refresh, init=False)
        self._refresh()

    def _refresh(self, *_args: object) -> None:
        app = self.bd_app
        left = ["branchdesk"]
        if app.staff is not None:
            left.append(app.staff.branch)
            left.append(f"{app.staff.name}({role_names(app.staff.roles)})")
        right: list[str] = []
        if app.demo:
            right.append(_("header.demo"))
        if app.backend_label:
            right.append(_("header.backend_local") if app.backend_label == "local"
                         else app.backend_label)
        if app.online is True:
            right.append(_("header.online"))
        elif app.online is False:
            right.append(_("header.offline"))
        else:
            right.append(_("header.connecting"))
        if app.pending_sync:
            right.append(_("header.pending_sync", n=app.pending_sync))
        self.query_one("#header-left", Static).update(" " + " │ ".join(left))
        self.query_one("#header-right", Static).update(" │ ".join(right) + " ")


class StatusLine(Static):
    """A line for what just happened: info, or an error in the error colour."""

    DEFAULT_CSS = """
    StatusLine { height: auto; min-height: 1; padding: 0 1; }
    StatusLine.-error { color: $error; text-style: bold; }
    StatusLine.-ok { color: $success; }
    """

    def show(self, text: str, kind: str = "info") -> None:
        self.set_class(kind == "error", "-error")
        self.set_class(kind == "ok", "-ok")
        self.update(text)
