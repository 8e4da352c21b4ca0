"""What screens and widgets may use of the App: a small protocol, not the concrete App.

Screens reach the App's services through ``BaseScreen.bd_app``, typed by this protocol, so the
screen layer never imports ``tui.app`` (which imports the screens) and a test can stand in any
App that provides these. ``tui.app`` checks statically that ``BranchdeskApp`` satisfies it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from branchdesk.clients.api import ApiClient, StaffInfo
    from branchdesk.clients.models import MetaOut
    from branchdesk.clients.outbox import OutboxSync
    from branchdesk.tui.options import AppOptions


class AppProtocol(Protocol):
    """The branchdesk services of the App, beside Textual's own (``screen.app``)."""

    @property
    def client(self) -> ApiClient: ...
    @property
    def options(self) -> AppOptions: ...
    @property
    def lang(self) -> str: ...
    @property
    def staff(self) -> StaffInfo | None: ...
    @property
    def online(self) -> bool | None: ...
    @property
    def demo(self) -> bool: ...
    @property
    def backend_label(self) -> str: ...
    @property
    def pending_sync(self) -> int: ...
    @property
    def meta(self) -> MetaOut | None: ...
    @property
    def ready(self) -> bool: ...
    @property
    def keyring_ok(self) -> bool: ...
    @property
    def outbox_sync(self) -> OutboxSync | None: ...

    def logged_in(self, staff: StaffInfo, *, remember: bool = True) -> None: ...
    def open_workflow(self, workflow_id: str) -> None: ...
    def go_home(self) -> None: ...
    def session_expired(self, message: str | None = None) -> None: ...
    def start_tour(self, tour: Any, *, auto: bool, speed: float) -> Any: ...
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...
