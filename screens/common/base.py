"""The frame every screen shares: header, body, Footer; Esc goes back; the way to call the API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Input

from branchdesk.screens.common import actions
from branchdesk.screens.common.actions import Failure, Intents
from branchdesk.screens.common.styles import PackageStyles
from branchdesk.tui import keymap
from branchdesk.tui.i18n import _
from branchdesk.tui.keys import TranslatedBindings
from branchdesk.tui.terminal_footer import FittingFooter
from branchdesk.tui.widgets import AppHeader, StatusLine

if TYPE_CHECKING:
    from textual.worker import Worker

    from branchdesk.clients.api import ApiClient
    from branchdesk.tui.app_protocol import AppProtocol

T = TypeVar("T")


class ApiCalls(PackageStyles, TranslatedBindings):
    """The action mechanism on a screen or a modal (see ``actions``).

    ``title=`` in the class statement is the catalog key of the screen's title (``TITLE_KEY``).
    """

    TITLE_KEY: ClassVar[str]

    def __init_subclass__(cls, title: str | None = None, **kwargs: Any) -> None:
        if title is not None:
            cls.TITLE_KEY = title
        super().__init_subclass__(**kwargs)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._api_calls: dict[str, actions.Running] = {}
        self.intents = Intents()
        """One idempotency key per user intent (see ``actions.Intents``)."""

    @property
    def bd_app(self) -> AppProtocol:
        return cast("AppProtocol", self.app)

    @property
    def client(self) -> ApiClient:
        return self.bd_app.client

    # -- calling the API ----------------------------------------------------------------------
    def call_api(
        self,
        name: str,
        call: Callable[[], Awaitable[T]],
        done: Callable[[T], object] | None = None,
        *,
        failed: Callable[[Failure], str | None] | None = None,
        keys: Iterable[str] | None = None,
        write: bool = False,
        progress: str | None = None,
        session: bool = True,
        quiet: bool = False,
    ) -> Worker[None] | None:
        """Run ``call`` in a worker; ``done(result)`` on success (see ``actions``).

        ``failed(failure)`` runs before the message is shown and may return another message.
        A write is refused while the same ``name`` runs; a read replaces the running one.
        ``quiet``: a background refresh — no progress, no keys disabled, failures not shown.
        """
        return actions.start(
            self,
            name,
            call,
            done,
            failed=failed,
            keys=keys,
            write=write,
            progress=progress,
            session=session,
            quiet=quiet,
        )

    def confirm(
        self,
        title: str,
        lines: Iterable[str],
        then: Callable[[], object],
        *,
        confirm: str | None = None,
    ) -> None:
        """Ask first (``ConfirmModal``); ``then()`` only when the user confirms."""
        from branchdesk.screens.common.confirm import ConfirmModal

        def answered(yes: object) -> None:
            if yes is True:
                then()

        self.app.push_screen(ConfirmModal(title, lines, confirm), answered)

    def busy(self, name: str | None = None) -> bool:
        return bool(self._api_calls) if name is None else name in self._api_calls

    def status_line(self) -> StatusLine | None:
        """Where the mechanism reports; the screen's first StatusLine unless overridden."""
        found = self.query(StatusLine)
        return found.first() if found else None

    def show_status(self, text: str, kind: str = "info") -> None:
        status = self.status_line()
        if status is not None:
            status.show(text, kind)
        elif kind == "error":
            self.notify(text, severity="error")

    def required(self, field: str, missing: str) -> str | None:
        """The text typed in the ``field`` Input, stripped; None when there is none: then the
        status line says ``missing`` (a catalog key) and the field takes the focus."""
        widget = self.query_one(field, Input)
        text = widget.value.strip()
        if not text:
            self.show_status(_(missing), "error")
            widget.focus()
            return None
        return text

    def can(self, action: str) -> bool:
        """Whether ``action`` applies to what is on screen now; False greys its key."""
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        for running in self._api_calls.values():
            if action in running.keys:
                return None
        return True if self.can(action) else None


class BaseScreen(ApiCalls):
    BINDINGS = keymap.bindings("screen")

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield from self.compose_body()
        yield FittingFooter()

    def compose_body(self) -> ComposeResult:
        return iter(())

    # -- keys ---------------------------------------------------------------------------------
    def action_back(self) -> None:
        if actions.cancel_reads(self) is not None:
            return
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            # Nothing to go back to from the base of a stack (login, home): hide "Esc Back".
            at_base = self.is_current and len(self.app.screen_stack) <= 1
            return not at_base or any(not r.quiet for r in self._api_calls.values())
        return super().check_action(action, parameters)


class BaseModal(ApiCalls, ModalScreen[object]):
    BINDINGS = keymap.bindings("modal")

    def action_dismiss_modal(self) -> None:
        if actions.cancel_reads(self) is not None:
            return
        self.dismiss(None)
