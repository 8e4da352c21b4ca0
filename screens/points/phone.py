"""The simulated phone: SMS messages of the sandbox outbox, so a trainer can read a code aloud.

Shown only when the backend says it is a sandbox (local and demo mode) and this process holds
the sandbox's simulated-phone key (``ApiClient.has_simulated_phone``): the embedded backend, and
the browser tabs of ``branchdesk web``. Over the API the outbox is otherwise for trainers and
supervisors, one phone at a time, so a cashier on a shared demo server gets no member's code;
there the panel stays hidden. A real backend has no outbox and no such panel.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from branchdesk.clients.validators import mask_mobile
from branchdesk.screens.common.base import ApiCalls
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _

POLL_SECONDS = 1.0
SHOWN = 2


def sandbox_enabled(app: Any) -> bool:
    meta = getattr(app, "meta", None) or {}
    return bool(meta.get("sandbox"))


class SimulatedPhone(Vertical):
    DEFAULT_CSS = """
    SimulatedPhone {
        width: 26; height: 1fr; border: round $secondary; padding: 0 1;
    }
    SimulatedPhone #phone-title { text-style: bold; }
    SimulatedPhone #phone-messages { height: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.messages: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Static(_("points.phone.title"), id="phone-title")
        yield Static(_("points.phone.empty"), id="phone-messages")

    def on_mount(self) -> None:
        screen = self.screen
        client = screen.client if isinstance(screen, ApiCalls) else None
        if not sandbox_enabled(self.app) or client is None or not client.has_simulated_phone:
            self.display = False
            return
        self.refresh_outbox()
        self.set_interval(POLL_SECONDS, self.refresh_outbox)

    def refresh_outbox(self) -> None:
        screen = self.screen
        if isinstance(screen, ApiCalls):
            screen.call_api("phone", screen.client.sms_outbox, self._received, quiet=True)

    def _received(self, messages: Any) -> None:
        if messages != self.messages:
            self.messages = messages
            self._show()

    def _show(self) -> None:
        if not self.messages:
            text = _("points.phone.empty")
        else:
            blocks = []
            for message in self.messages[:SHOWN]:
                when = timefmt.clock(message["at"])
                blocks.append(f"{mask_mobile(message['phone'])} {when}\n{message['text']}")
            text = "\n\n".join(blocks)
        self.query_one("#phone-messages", Static).update(Text(text))

    def latest_text(self) -> str:
        return self.messages[0]["text"] if self.messages else ""
