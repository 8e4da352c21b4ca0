"""Issuing points (supervisor): CSV import from the template, all-or-nothing, bad lines listed.

The file goes to the server as bytes: the server decodes it line by line, so an undecodable
byte is one problem on one line (with its byte position) and every other line is still checked.
F3 previews (rows, members, points, value, first rows); F4 imports only the file just previewed.
The same file imported before is refused naming the batch, who and when, unless the supervisor
confirms a deliberate re-import.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from branchdesk.clients.api import Action
from branchdesk.clients.points_api import PointsApi, write_text
from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.options import data_dir
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import ImportOut, TemplateOut

MAX_FILE_BYTES = 2_000_000


def exports_dir() -> Path:
    return data_dir() / "exports"


def read_csv_file(path: Path) -> bytes:
    """The file's bytes, as they are: decoding is the server's, line by line."""
    return path.read_bytes()


class PointsIssueScreen(BaseScreen, keys="points_issue", title="points.issue.title"):
    def __init__(self) -> None:
        super().__init__()
        self.previewed: ImportOut | None = None
        """The last good preview; F4 imports only the file it describes (same SHA-256)."""

    def compose_body(self) -> ComposeResult:
        with Vertical(id="issue-main"):
            yield Static(_("points.issue.title"), classes="title")
            yield Label(_("points.issue.file"))
            yield Input(id="csv-path", placeholder=_("points.issue.file_hint"), max_length=400)
            yield Static("", id="issue-summary")
            table: DataTable[Any] = DataTable(id="problems", cursor_type="row")
            yield table
            yield StatusLine(_("points.issue.help"), id="issue-status")

    def on_mount(self) -> None:
        self._problem_columns()
        self.query_one("#csv-path", Input).focus()

    def _problem_columns(self) -> DataTable[Any]:
        table = self.query_one("#problems", DataTable)
        table.clear(columns=True)
        table.add_columns(
            _("points.issue.col.line"), _("points.issue.col.problem"), _("points.issue.col.value")
        )
        return table

    def _preview_columns(self) -> DataTable[Any]:
        table = self.query_one("#problems", DataTable)
        table.clear(columns=True)
        table.add_columns(
            _("points.issue.col.line"),
            _("points.issue.col.card"),
            _("points.issue.col.member"),
            _("points.issue.col.points"),
            _("points.issue.col.note"),
        )
        return table

    @on(Input.Changed, "#csv-path")
    def _path_changed(self) -> None:
        self.previewed = None
        self.query_one("#issue-summary", Static).update("")

    def action_template(self) -> None:
        def written(template: TemplateOut) -> None:
            try:
                path = write_text(
                    exports_dir(), template["filename"], template["content"], bom=True
                )
            except OSError as exc:
                self.show_status(_("points.error.write", reason=str(exc)), "error")
                return
            self.query_one("#csv-path", Input).value = str(path)
            self.show_status(_("points.issue.template_written", path=str(path)), "ok")

        self.call_api("template", PointsApi(self.client).import_template, written)

    def _load(self) -> tuple[bytes, str] | None:
        status = self.query_one("#issue-status", StatusLine)
        raw = self.query_one("#csv-path", Input).value.strip()
        if not raw:
            status.show(_("points.issue.file_required"), "error")
            return None
        path = Path(raw).expanduser()
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                status.show(_("points.issue.too_large"), "error")
                return None
            content = read_csv_file(path)
        except OSError as exc:
            status.show(_("points.error.read", reason=exc.strerror or str(exc)), "error")
            return None
        return content, path.name

    @on(Input.Submitted, "#csv-path")
    def action_preview(self) -> None:
        loaded = self._load()
        if loaded is not None:
            self._preview(*loaded)

    def action_commit(self) -> None:
        loaded = self._load()
        if loaded is None:
            return
        content, filename = loaded
        digest = hashlib.sha256(content).hexdigest()
        if self.previewed is None or self.previewed["sha256"] != digest:
            # The preview comes first, of exactly this file.
            self._preview(content, filename, then_commit=True)
            return
        self._ask_commit(content, filename, self.previewed)

    def _preview(self, content: bytes, filename: str, *, then_commit: bool = False) -> None:
        self.previewed = None
        self.query_one("#issue-summary", Static).update("")
        self._problem_columns()
        self.show_status(_("points.issue.checking"))

        def previewed(result: ImportOut) -> None:
            self.previewed = result
            self._show_preview(result)
            if then_commit:
                self._ask_commit(content, filename, result)

        self.call_api(
            "import",
            lambda: PointsApi(self.client).import_file(
                content, Action(), dry_run=True, filename=filename
            ),
            previewed,
            failed=self._problems,
            keys=("preview", "commit"),
        )

    def _show_preview(self, result: ImportOut) -> None:
        summary = _(
            "points.issue.summary",
            rows=result["rows"],
            members=result["members"],
            points=result["points"],
            value=result["value"],
        )
        earlier = result.get("earlier_batch")
        if earlier:
            summary += "\n" + _(
                "points.issue.earlier",
                batch=earlier["batch_id"],
                by=earlier["by"],
                at=timefmt.when(earlier["at"]),
            )
        self.query_one("#issue-summary", Static).update(Text(summary))
        table = self._preview_columns()
        for row in result["first_rows"]:
            table.add_row(
                str(row["line"]),
                Text(row["card"]),
                Text(row["member"]),
                str(row["points"]),
                Text(row["note"]),
            )
        self.show_status(_("points.issue.preview_ok"), "ok")

    def _ask_commit(self, content: bytes, filename: str, preview: ImportOut) -> None:
        lines = [
            _(
                "points.issue.summary",
                rows=preview["rows"],
                members=preview["members"],
                points=preview["points"],
                value=preview["value"],
            )
        ]
        self.confirm(
            _("points.issue.confirm_title"),
            lines,
            lambda: self._commit(content, filename, reimport=False),
            confirm=_("points.keys.import"),
        )

    def _commit(self, content: bytes, filename: str, *, reimport: bool) -> None:
        digest = hashlib.sha256(content).hexdigest()
        # The same file (and the same decision) again is a retry of the same import: one key.
        action = self.intents.action("commit", (digest, reimport))

        def imported(result: ImportOut) -> None:
            self.intents.finished("commit")
            self.previewed = None
            self.show_status(
                _(
                    "points.issue.done",
                    rows=result["rows"],
                    points=result["points"],
                    batch=result.get("batch_id") or "",
                ),
                "ok",
            )

        def failed(failure: Failure) -> str | None:
            if failure.code == "import_duplicate" and isinstance(failure.details, dict):
                return self._duplicate(content, filename, failure.details)
            return self._problems(failure)

        self.call_api(
            "import",
            lambda: PointsApi(self.client).import_file(
                content, action, dry_run=False, filename=filename, confirm_reimport=reimport
            ),
            imported,
            failed=failed,
            keys=("preview", "commit"),
            write=True,
        )

    def _duplicate(self, content: bytes, filename: str, earlier: dict[str, Any]) -> str:
        text = _(
            "points.issue.duplicate",
            batch=earlier.get("batch_id", ""),
            by=earlier.get("by", ""),
            at=timefmt.when(earlier.get("at")),
        )
        self.confirm(
            _("points.issue.reimport_title"),
            [text, _("points.issue.reimport_detail")],
            lambda: self._commit(content, filename, reimport=True),
            confirm=_("points.issue.reimport_key"),
        )
        return text

    def _problems(self, failure: Failure) -> str | None:
        if failure.code == "import_invalid" and isinstance(failure.details, list):
            table = self._problem_columns()
            for problem in failure.details:
                table.add_row(
                    str(problem["line"]),
                    problem_text(problem),
                    Text("" if problem["problem"] == "encoding" else str(problem.get("value", ""))),
                )
        return None

    def action_grant(self) -> None:
        from branchdesk.screens.points.grant import PointsGrantScreen

        self.app.push_screen(PointsGrantScreen())


def problem_text(problem: dict[str, Any]) -> str:
    if problem["problem"] == "encoding":
        return _("points.import.problem.encoding", byte=problem.get("value", ""))
    text = _(f"points.import.problem.{problem['problem']}")
    if problem.get("first_line"):
        text += " " + _("points.import.first_line", line=problem["first_line"])
    return text
