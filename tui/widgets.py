"""Widgets shared by the screens."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any, cast

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.widgets import Input, Static

from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.tui.app_protocol import AppProtocol


def role_names(roles: tuple[str, ...] | list[str]) -> str:
    return "/".join(_(f"role.{r}") for r in roles)


class AppHeader(Static):
    """One line: app · branch · staff (roles) … DEMO · backend · connection · pending sync."""

    DEFAULT_CSS = """
    AppHeader { height: 1; dock: top; background: $primary; color: $text; }
    """

    @property
    def bd_app(self) -> AppProtocol:
        return cast("AppProtocol", self.app)

    def on_mount(self) -> None:
        for name in ("staff", "online", "pending_sync", "backend_label", "demo"):
            self.watch(self.app, name, self._changed, init=False)

    def _changed(self, *_args: object) -> None:
        self.refresh()

    def parts(self) -> tuple[str, str]:
        app = self.bd_app
        if app.staff is None:
            left = ["branchdesk"]
        else:
            # At 80 columns the branch and the staff member matter more than the app's name.
            left = [app.staff.branch, f"{app.staff.name}({role_names(app.staff.roles)})"]
        right: list[str] = []
        if app.demo:
            right.append(_("header.demo"))
        if app.backend_label:
            right.append(
                _("header.backend_local") if app.backend_label == "local" else app.backend_label
            )
        if app.online is True:
            right.append(_("header.online"))
        elif app.online is False:
            right.append(_("header.offline"))
        else:
            right.append(_("header.connecting"))
        if app.pending_sync:
            right.append(_("header.pending_sync", n=app.pending_sync))
        return " │ ".join(left), " │ ".join(right)

    def render(self) -> Text:
        left, right = self.parts()
        left, right = f" {left}", f"{right} "
        room = max(0, self.size.width - cell_len(right) - 1)
        if cell_len(left) > room:
            left = set_cell_size(left, max(0, room - 1)) + "…"
        return Text(left + " " * (room - cell_len(left) + 1) + right, no_wrap=True)


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


def hanging_indent(prefix: str, text: str, width: int) -> str:
    """``prefix`` then ``text`` wrapped to ``width`` cells, continuation lines under the text.

    Wrapping the text alone keeps a mark such as "[ ]" on the same line as the start of a long
    Chinese title (which has no spaces to break at) instead of leaving it on a line of its own.
    """
    import io

    from rich.cells import cell_len
    from rich.console import Console
    from rich.text import Text

    available = width - cell_len(prefix)
    if available < 8 or cell_len(prefix) + cell_len(text) <= width:
        return prefix + text
    console = Console(width=available, file=io.StringIO())
    lines = [line.plain.rstrip() for line in Text(text).wrap(console, available)]
    indent = " " * cell_len(prefix)
    return prefix + f"\n{indent}".join(lines)


class FieldInput(Input):
    """An Input that never drops what the user typed or pasted without saying so.

    ``numeric``: the characters a number may hold (a regex class body, e.g. ``"0-9"``).
    Full-width digits become ASCII (NFKC); anything else stays in the field, marked, with
    a message — so "1e3" is refused at submit, never quietly read as 13. A paste longer
    than ``max_length`` is refused whole, with a message naming the limit.
    """

    def __init__(self, *args: Any, numeric: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.numeric = re.compile(f"[{numeric}]*") if numeric else None

    def replace(self, text: str, start: int, end: int) -> None:
        if self.numeric is not None:
            text = unicodedata.normalize("NFKC", text)
        value = self.value
        start, end = sorted((max(0, start), min(len(value), end)))
        new_value = f"{value[:start]}{text}{value[end:]}"
        if self.max_length and len(new_value) > self.max_length:
            key = "input.paste_too_long" if len(text) > 1 else "input.too_long"
            self._say(_(key, limit=self.max_length, n=len(text)))
            return
        super().replace(text, start, end)
        if self.numeric is not None and self.numeric.fullmatch(self.value) is None:
            self._say(_("input.digits_only"))

    @property
    def valid_number(self) -> bool:
        return self.numeric is None or self.numeric.fullmatch(self.value) is not None

    def _say(self, text: str) -> None:
        show = getattr(self.screen, "show_status", None)
        if callable(show):
            show(text, "error")
        else:
            self.notify(text, severity="error")
