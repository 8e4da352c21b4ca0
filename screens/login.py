"""Log in with staff ID and password; in demo data, the demo accounts are listed."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Button, Input, Label, Static

from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.screens.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine, role_names


class LoginScreen(BaseScreen):
    TITLE_KEY = "login.title"
    BINDINGS = [Binding("escape", "clear", "keys.clear", id="login.clear")]
    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen #login-box {
        width: 64; max-width: 100%; height: auto; border: round $accent; padding: 0 1;
    }
    LoginScreen .login-row { height: 1; margin-top: 1; }
    LoginScreen .login-row Label { width: 14; }
    LoginScreen .login-row Input { width: 1fr; }
    LoginScreen #login-submit { margin-top: 1; width: 100%; }
    LoginScreen #demo-accounts, LoginScreen #keyring-notice {
        width: 64; max-width: 100%; height: auto; padding: 0 1; margin-top: 1;
    }
    LoginScreen #keyring-notice { color: $warning; }
    """

    def compose_body(self) -> ComposeResult:
        with Vertical(id="login-box") as box:
            box.border_title = _("login.title")
            with Horizontal(classes="login-row"):
                yield Label(_("login.staff_id"))
                yield Input(
                    id="staff-id", placeholder=_("login.staff_id_hint"), max_length=64,
                    compact=True,
                )
            with Horizontal(classes="login-row"):
                yield Label(_("login.password"))
                yield Input(id="password", password=True, max_length=256, compact=True)
            yield Button(_("login.submit"), id="login-submit", variant="primary", compact=True)
            yield StatusLine(_("login.connecting"), id="login-status")
        yield Static(id="demo-accounts")
        yield Static(id="keyring-notice")

    def on_mount(self) -> None:
        self.query_one("#staff-id", Input).focus()
        if self.bd_app.ready:
            self.backend_ready(self.bd_app.meta)

    def backend_ready(self, meta: dict[str, Any] | None) -> None:
        """Called by the app once the backend answered (or did not); no-op until composed."""
        try:
            status = self.query_one("#login-status", StatusLine)
        except NoMatches:
            return
        if meta is None:
            status.show(_("login.backend_unreachable", backend=self.bd_app.backend_label), "error")
        else:
            status.show(_("login.ready"))
        accounts = (meta or {}).get("demo_accounts") or []
        demo = self.query_one("#demo-accounts", Static)
        demo.display = bool(accounts)
        if accounts:
            lines = [_("login.demo_accounts", password=accounts[0]["password"])]
            lines.append("  ".join(f"{a['staff_id']} {role_names([a['role']])}" for a in accounts))
            demo.update("\n".join(lines))
        else:
            demo.update("")
        notice = self.query_one("#keyring-notice", Static)
        notice.display = not self.bd_app.keyring_ok
        notice.update("" if self.bd_app.keyring_ok else _("login.no_keyring"))

    def action_clear(self) -> None:
        self.query_one("#password", Input).value = ""
        self.query_one("#staff-id", Input).value = ""
        self.query_one("#staff-id", Input).focus()

    @on(Input.Submitted, "#staff-id")
    def _next_field(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login-submit")
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
        status.show(_("login.checking"))
        self.query_one("#login-submit", Button).disabled = True
        self._login(staff_id, password)

    @work(exclusive=True, group="login")
    async def _login(self, staff_id: str, password: str) -> None:
        status = self.query_one("#login-status", StatusLine)
        try:
            staff = await self.client.login(staff_id, password)
        except ApiError as exc:
            status.show(exc.message, "error")
            password_input = self.query_one("#password", Input)
            password_input.value = ""
            password_input.focus()
            return
        except BackendUnreachable:
            status.show(_("login.backend_unreachable", backend=self.bd_app.backend_label), "error")
            return
        finally:
            self.query_one("#login-submit", Button).disabled = False
        self.query_one("#password", Input).value = ""
        self.bd_app.logged_in(staff)
