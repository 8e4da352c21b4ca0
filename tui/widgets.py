"""Widgets shared by the screens."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any, cast

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.widgets import Input, Static

from branchdesk.tui.i18n import _

NEXT_ON_ENTER = "next-on-enter"
"""The class of an input where Enter only moves to the next field (handled by the App at once,
so that keys typed ahead land in the next field)."""

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
        for name in ("staff", "online", "pending_sync", "backend_label", "demo", "offline_session"):
            self.watch(self.app, name, self._changed, init=False)

    def _changed(self, *_args: object) -> None:
        self.refresh()

    def parts(self) -> tuple[str, str]:
        app = self.bd_app
        left = self.left_parts()
        right: list[str] = []
        if app.demo:
            right.append(_("header.demo"))
        if app.backend_label:
            right.append(
                _("header.backend_local") if app.backend_label == "local" else app.backend_label
            )
        if app.offline_session:
            # working offline, not just a blip; the backend back: Ctrl+O logs in online
            right.append(_("header.back_online" if app.online else "header.offline_session"))
        elif app.online is True:
            right.append(_("header.online"))
        elif app.online is False:
            right.append(_("header.offline"))
        else:
            right.append(_("header.connecting"))
        if app.pending_sync:
            right.append(_("header.pending_sync", n=app.pending_sync))
        return " │ ".join(left), " │ ".join(right)

    def left_parts(self) -> list[str]:
        staff = self.bd_app.staff
        if staff is None:
            return ["branchdesk"]
        # At 80 columns the branch and the staff member matter more than the app's name.
        return [staff.branch, _("header.staff", name=staff.name, roles=role_names(staff.roles))]

    def render(self) -> Text:
        _joined, right = self.parts()
        return Text(
            fit_header(self.left_parts(), right.split(" │ "), self.size.width), no_wrap=True
        )


def _cut(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(0, width - 1)) + "…" if width > 0 else ""


def fit_header(left: list[str], right: list[str], width: int) -> str:
    """The header line in ``width`` cells; the staff member (last of ``left``) is cut last.

    A long branch name, then the longest part on the right (a backend address) give way first:
    over SSH at 80 columns the name and role are what tells whose session this is.
    """
    sep = " │ "
    who = left[-1]
    branch = sep.join(left[:-1])
    right = list(right)

    def right_text() -> str:
        return f"{sep.join(right)} "

    room = width - 2 - cell_len(right_text())  # " " before the left, one space between
    if cell_len(who) > room and right:
        longest = max(range(len(right)), key=lambda i: cell_len(right[i]))
        over = cell_len(who) - room
        right[longest] = _cut(right[longest], max(1, cell_len(right[longest]) - over))
        room = width - 2 - cell_len(right_text())
    left_text = who
    if branch:
        left_room = room - cell_len(who) - cell_len(sep)
        if left_room >= 4:
            left_text = f"{_cut(branch, left_room)}{sep}{who}"
    rt = right_text()
    if cell_len(who) > room:
        rt = _cut(rt.rstrip(), max(0, width - 2 - cell_len(who) - 1))
        rt = f"{rt} " if rt else ""
        room = width - 2 - cell_len(rt)
    left_text = " " + _cut(left_text, max(0, room))
    gap = max(1, width - cell_len(left_text) - cell_len(rt))
    return left_text + " " * gap + rt


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
    Chinese title instead of leaving it on a line of its own.
    """
    from branchdesk.tui.linebreak import break_lines

    available = width - cell_len(prefix)
    if available < 8 or cell_len(prefix) + cell_len(text) <= width:
        return prefix + text
    indent = " " * cell_len(prefix)
    return prefix + f"\n{indent}".join(break_lines(text, available))


class Prose(Static):
    """Text (with markup) broken into lines by the Chinese rules of ``tui.linebreak``,
    again whenever the widget's width changes."""

    DEFAULT_CSS = "Prose { height: auto; }"

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._source = text

    @property
    def source(self) -> str:
        return self._source

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        self._source = content if isinstance(content, str) else str(content)
        self._reflow(layout)

    def on_mount(self) -> None:
        self._reflow(True)

    def on_resize(self) -> None:
        self._reflow(True)

    def _reflow(self, layout: bool) -> None:
        from textual.content import Content

        from branchdesk.tui.linebreak import break_offsets

        width = self.content_region.width
        source = Content.from_markup(self._source)
        if width < 2:
            super().update(source, layout=layout)
            return
        lines: list[Content] = []
        for paragraph in source.split("\n", allow_blank=True):
            parts = paragraph.divide(break_offsets(paragraph.plain, width))
            lines += [part.rstrip() for part in parts]
        super().update(Content("\n").join(lines), layout=layout)


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
