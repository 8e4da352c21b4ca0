"""Log in with staff ID and password; in demo data, the demo accounts are listed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Input, Label, Static

from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import NEXT_ON_ENTER, StatusLine, role_names

if TYPE_CHECKING:
    from branchdesk.clients.models import DemoAccount, MetaOut
    from branchdesk.tui.app_protocol import SignIn


def _account_grid(accounts: list[DemoAccount], columns: int = 2, width: int = 30) -> list[str]:
    """Every demo account as ``id name role``, in columns that fit the 64-cell panel."""
    from rich.cells import cell_len

    cells = [
        f"{a['staff_id']} {a.get('name') or ''} {role_names([a['role']])}".replace("  ", " ")
        for a in accounts
    ]
    rows = []
    for start in range(0, len(cells), columns):
        row = cells[start : start + columns]
        padded = [c + " " * max(1, width - cell_len(c)) for c in row[:-1]] + row[-1:]
        rows.append("".join(padded))
    return rows


class LoginScreen(BaseScreen, keys="login", title="login.title"):
    def compose_body(self) -> ComposeResult:
        with Vertical(id="login-box") as box:
            box.border_title = _("login.title")
            with Horizontal(classes="login-row"):
                yield Label(_("login.staff_id"))
                yield Input(
                    id="staff-id",
                    placeholder=_("login.staff_id_hint"),
                    max_length=64,
                    compact=True,
                    classes=NEXT_ON_ENTER,
                )
            with Horizontal(classes="login-row"):
                yield Label(_("login.password"))
                yield Input(id="password", password=True, max_length=256, compact=True)
            # No Button: Enter submits (the status line says so), and Button's stylesheet alone
            # would double the CSS parsed before the first frame.
            yield StatusLine(_("login.connecting"), id="login-status")
        # The demo accounts and the keyring notice are mounted once the backend has answered:
        # they have nothing to show before, and the first frame should not wait for them.

    AUTO_FOCUS = "#staff-id"

    def on_mount(self) -> None:
        if self.bd_app.ready:
            self.backend_ready(self.bd_app.meta)

    def backend_ready(self, meta: MetaOut | None) -> None:
        """Called by the app once the backend answered (or did not); no-op until composed."""
        try:
            status = self.query_one("#login-status", StatusLine)
        except NoMatches:
            return
        if meta is None:
            status.show(_("login.backend_unreachable", backend=self.bd_app.backend_label), "error")
        else:
            status.show(_("login.ready"))
        accounts = meta["demo_accounts"] if meta is not None else []
        if accounts:
            lines = [_("login.demo_accounts", password=accounts[0]["password"])]
            lines += _account_grid(accounts)
            job = meta.get("demo_job_number") if meta is not None else None
            if job:
                lines.append(_("login.demo_job_number", job=job))
            self._panel("demo-accounts", "\n".join(lines))
        if not self.bd_app.keyring_ok:
            notice = f"{_('login.no_keyring')}\n{_('login.no_offline')}"
            self._panel("keyring-notice", notice)

    def _panel(self, panel_id: str, text: str) -> None:
        try:
            self.query_one(f"#{panel_id}", Static).update(text)
        except NoMatches:
            self.mount(Static(text, id=panel_id))

    def action_clear(self) -> None:
        self.query_one("#password", Input).value = ""
        self.query_one("#staff-id", Input).value = ""
        self.query_one("#staff-id", Input).focus()

    def session_expired(self, staff_id: str, message: str) -> None:
        """Back from an expired session: the same staff ID, a fresh password, and why."""
        self.query_one("#staff-id", Input).value = staff_id
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
        self.query_one("#login-status", StatusLine).show(message, "error")

    checking = False
    """A login request is on its way; Enter waits for its answer."""

    @on(Input.Submitted, "#password")
    def submit(self) -> None:
        staff_id = self.query_one("#staff-id", Input).value.strip()
        password = self.query_one("#password", Input).value
        status = self.query_one("#login-status", StatusLine)
        if not staff_id:
            status.show(_("login.staff_id_required"), "error")
            self.query_one("#staff-id", Input).focus()
            return
        if not password:
            status.show(_("login.password_required"), "error")
            self.query_one("#password", Input).focus()
            return
        if not self.bd_app.ready:
            status.show(_("login.connecting"), "error")
            return
        if self.checking:
            return
        status.show(_("login.checking"))
        self.checking = True

        def failed(failure: Failure) -> str | None:
            self.checking = False
            if failure.unreachable:
                return _("login.backend_unreachable", backend=self.bd_app.backend_label)
            password_input = self.query_one("#password", Input)
            password_input.value = ""
            password_input.focus()
            return None

        def done(result: SignIn) -> None:
            self.checking = False
            password_input = self.query_one("#password", Input)
            password_input.value = ""
            if result.staff is not None:
                # Without a keyring (offline_kept False) the notice above said so already.
                self.bd_app.logged_in(result.staff)
                return
            check = result.offline
            if check is not None and check.ok:
                self.bd_app.logged_in_offline(check)
                return
            reason = check.reason if check is not None else "none"
            last = timefmt.when(check.online_at) if check and check.online_at else ""
            hours = self.bd_app.options.offline_hours
            status.show(_(f"login.offline_{reason}", when=last, hours=f"{hours:g}"), "error")
            password_input.focus()

        self.call_api(
            "login",
            lambda: self.bd_app.sign_in(staff_id, password),
            done,
            failed=failed,
            write=True,
            progress=_("login.checking"),
            session=False,
        )
