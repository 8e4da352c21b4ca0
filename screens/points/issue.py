"""Issuing points (supervisor): CSV import from the template, all-or-nothing, bad lines listed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from branchdesk.clients.api import Action
from branchdesk.clients.points_api import PointsApi, write_text
from branchdesk.screens.common.actions import Failure
from branchdesk.screens.common.base import BaseScreen
from branchdesk.tui.i18n import _
from branchdesk.tui.options import data_dir
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

MAX_FILE_BYTES = 2_000_000


def exports_dir() -> Path:
    return data_dir() / "exports"


def read_csv_file(path: Path) -> str:
    """The file's text; UTF-8 (with or without BOM) first, then GB18030 from older tools."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


class PointsIssueScreen(BaseScreen):
    TITLE_KEY = "points.issue.title"
    BINDINGS = [
        Binding("f2", "template", "points.keys.template", id="points_issue.template"),
        Binding("f3", "preview", "points.keys.preview", id="points_issue.preview"),
        Binding("f4", "commit", "points.keys.import", id="points_issue.commit"),
        Binding("f5", "grant", "points.keys.grant", id="points_issue.grant"),
    ]
    DEFAULT_CSS = """
    PointsIssueScreen #issue-main { padding: 0 1; }
    PointsIssueScreen #problems { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()

    def compose_body(self) -> ComposeResult:
        with Vertical(id="issue-main"):
            yield Static(_("points.issue.title"), classes="title")
            yield Label(_("points.issue.file"))
            yield Input(id="csv-path", placeholder=_("points.issue.file_hint"), max_length=400)
            table: DataTable[Any] = DataTable(id="problems", cursor_type="row")
            yield table
            yield StatusLine(_("points.issue.help"), id="issue-status")

    def on_mount(self) -> None:
        self.query_one("#problems", DataTable).add_columns(
            _("points.issue.col.line"), _("points.issue.col.problem"), _("points.issue.col.value")
        )
        self.query_one("#csv-path", Input).focus()

    def action_template(self) -> None:
        def written(template: dict[str, Any]) -> None:
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

    def _load(self) -> str | None:
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
            text = read_csv_file(path)
        except (OSError, UnicodeDecodeError) as exc:
            status.show(_("points.error.read", reason=str(exc)), "error")
            return None
        return text

    @on(Input.Submitted, "#csv-path")
    def action_preview(self) -> None:
        text = self._load()
        if text is not None:
            self._import(text, Action(), dry_run=True)

    def action_commit(self) -> None:
        text = self._load()
        if text is not None:
            # The same file again is a retry of the same import: the same key.
            self._import(text, self.intents.action("commit", text), dry_run=False)

    def _import(self, text: str, action: Action, *, dry_run: bool) -> None:
        table = self.query_one("#problems", DataTable)
        table.clear()
        self.show_status(_("points.issue.checking"))

        def failed(failure: Failure) -> str | None:
            if failure.code == "import_invalid" and isinstance(failure.details, list):
                for problem in failure.details:
                    table.add_row(
                        str(problem["line"]),
                        _problem_text(problem),
                        Text(str(problem.get("value", ""))),
                    )
            return None

        def imported(result: dict[str, Any]) -> None:
            if not dry_run:
                self.intents.finished("commit")
            key = "points.issue.preview_ok" if dry_run else "points.issue.done"
            self.show_status(
                _(
                    key,
                    rows=result["rows"],
                    points=result["points"],
                    batch=result.get("batch_id") or "",
                ),
                "ok",
            )

        self.call_api(
            "import",
            lambda: PointsApi(self.client).import_csv(text, action, dry_run=dry_run),
            imported,
            failed=failed,
            keys=("preview", "commit"),
            write=not dry_run,
        )

    def action_grant(self) -> None:
        from branchdesk.screens.points.grant import PointsGrantScreen

        self.app.push_screen(PointsGrantScreen())


def _problem_text(problem: dict[str, Any]) -> str:
    text = _(f"points.import.problem.{problem['problem']}")
    if problem.get("first_line"):
        text += " " + _("points.import.first_line", line=problem["first_line"])
    return text
