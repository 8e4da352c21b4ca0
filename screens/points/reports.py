"""Points reports (supervisor): four reports, filters, totals, CSV export, points per day chart."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from branchdesk.clients.points_api import CHANNELS, REPORTS, PointsApi, report_csv, write_text
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import fill_to_widest
from branchdesk.screens.points.issue import exports_dir
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import ReportOut

BLOCKS = " ▁▂▃▄▅▆▇█"
CHART_WIDTH = 60


def bar_chart(values: list[int], width: int = CHART_WIDTH) -> str:
    """One line of block characters, one per day (days grouped when there are too many)."""
    if not values:
        return ""
    size = max(1, -(-len(values) // width))
    buckets = [sum(values[i : i + size]) for i in range(0, len(values), size)]
    top = max(buckets)
    if top == 0:
        return BLOCKS[1] * len(buckets)
    return "".join(BLOCKS[max(1, round(v * 8 / top))] if v else BLOCKS[1] for v in buckets)


CHART_REPORTS = ("institutions", "channels", "redemptions")


def export_name(data: ReportOut, filters: dict[str, str | None]) -> str:
    """Unique per filter and per run: report, dates, institution, channel, local run time."""
    parts = [
        "points",
        data["report"],
        data["date_from"],
        data["date_to"],
        filters.get("institution") or "all",
        filters.get("channel") or "all",
        timefmt.stamp(),
    ]
    return "_".join(parts) + ".csv"


def date_error(text: str) -> str | None:
    if not text:
        return None
    return "date" if timefmt.parse_day(text) is None else None


class PointsReportsScreen(BaseScreen, keys="points_reports", title="points.reports.title"):
    def __init__(self) -> None:
        super().__init__()
        self.report = REPORTS[0]
        self.channel: str | None = None
        self.data: ReportOut | None = None
        self._filters: dict[str, str | None] | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(id="reports-main"):
            yield Static(id="report-title", classes="title")
            with Horizontal(classes="row"):
                yield Input(
                    id="date-from",
                    placeholder=_("points.reports.from"),
                    max_length=10,
                    restrict=r"[0-9-]*",
                )
                yield Input(
                    id="date-to",
                    placeholder=_("points.reports.to"),
                    max_length=10,
                    restrict=r"[0-9-]*",
                )
                yield Input(
                    id="institution",
                    placeholder=_("points.reports.institution"),
                    max_length=12,
                    restrict=r"[0-9]*",
                )
                yield Static(id="report-filter-info")
            table: DataTable[Any] = DataTable(
                id="report-table", cursor_type="row", zebra_stripes=True
            )
            yield table
            yield Static(id="report-totals")
            yield Static(id="report-chart")
            yield StatusLine(_("points.reports.help"), id="report-status")

    def on_mount(self) -> None:
        self._show_filters()
        self.query_one("#date-from", Input).focus()
        self.action_run()

    def _show_filters(self) -> None:
        self.query_one("#report-title", Static).update(
            _("points.reports.title") + " · " + _(f"points.report.{self.report}")
        )
        channel = _(f"points.channel.{self.channel}") if self.channel else _("points.reports.all")
        self.query_one("#report-filter-info", Static).update(
            _("points.reports.channel", channel=channel)
        )

    def action_next_report(self) -> None:
        self.report = REPORTS[(REPORTS.index(self.report) + 1) % len(REPORTS)]
        self._show_filters()
        self.action_run()

    def action_next_channel(self) -> None:
        options: list[str | None] = [None, *CHANNELS]
        self.channel = options[(options.index(self.channel) + 1) % len(options)]
        self._show_filters()
        self.action_run()

    @on(Input.Submitted)
    def action_run(self) -> None:
        status = self.query_one("#report-status", StatusLine)
        values = {}
        for field_id in ("date-from", "date-to"):
            widget = self.query_one(f"#{field_id}", Input)
            values[field_id] = widget.value.strip()
            if date_error(values[field_id]):
                status.show(_("points.error.date"), "error")
                widget.focus()
                return
        institution = self.query_one("#institution", Input).value.strip() or None
        status.show(_("points.reports.loading"))
        self._load(values["date-from"] or None, values["date-to"] or None, institution)

    def _load(self, date_from: str | None, date_to: str | None, institution: str | None) -> None:
        # A new query clears the old result first: F3 exports only what answers this one.
        self.data = None
        self._filters = {"institution": institution, "channel": self.channel}
        self.refresh_bindings()

        def loaded(data: ReportOut) -> None:
            self.data = data
            self.refresh_bindings()
            self._show(data)
            self.show_status(
                _(
                    "points.reports.loaded",
                    rows=len(data["rows"]),
                    start=data["date_from"],
                    end=data["date_to"],
                ),
                "ok",
            )

        self.call_api(
            "report",
            lambda: PointsApi(self.client).report(
                self.report,
                date_from=date_from,
                date_to=date_to,
                institution=institution,
                channel=self.channel,
            ),
            loaded,
            keys=("export",),
        )

    def _headers(self, data: ReportOut) -> list[str]:
        return [_(f"points.col.{c}") for c in data["columns"]]

    def _cells(self, data: ReportOut, row: list[Any]) -> list[Any]:
        cells: list[Any] = []
        for column, value in zip(data["columns"], row, strict=True):
            if column == "channel":
                value = _(f"points.channel.{value}")
            elif column == "time":
                value = timefmt.when(str(value))
            cells.append(value)
        return cells

    def _show(self, data: ReportOut) -> None:
        table = self.query_one("#report-table", DataTable)
        rows = [[str(c) for c in self._cells(data, row)] for row in data["rows"]]
        fill_to_widest(table, self._headers(data), rows)
        totals = "  ".join(_(f"points.total.{k}", value=v) for k, v in data["totals"].items())
        self.query_one("#report-totals", Static).update(
            Text(_("points.reports.totals") + " " + totals)
        )
        chart_widget = self.query_one("#report-chart", Static)
        # The per-day chart counts redemptions: it belongs to the redemption reports only.
        chart_widget.display = data["report"] in CHART_REPORTS
        daily = [d["points"] for d in data["daily"]]
        chart = bar_chart(daily)
        chart_widget.update(
            Text(
                _(
                    "points.reports.chart",
                    top=max(daily or [0]),
                    start=data["date_from"],
                    end=data["date_to"],
                )
                + "\n"
                + chart
            )
        )

    def action_export(self) -> None:
        status = self.query_one("#report-status", StatusLine)
        data = self.data
        if data is None:
            status.show(_("points.reports.run_first"), "error")
            return
        totals_row = [_("points.reports.totals")] + [
            data["totals"].get(c, "") for c in data["columns"][1:]
        ]
        filters = self._filters or {}
        described = _(
            "points.reports.filter_line",
            report=_(f"points.report.{data['report']}"),
            start=data["date_from"],
            end=data["date_to"],
            institution=filters.get("institution") or _("points.reports.all"),
            channel=_(f"points.channel.{filters['channel']}")
            if filters.get("channel")
            else _("points.reports.all"),
            at=timefmt.when(timefmt.now()),
        )
        # The filter that made the file is its last line (the header stays first for tools).
        text = report_csv(
            self._headers(data),
            [self._cells(data, r) for r in data["rows"]],
            totals_row,
            footer=described,
        )
        name = export_name(data, filters)
        try:
            path = write_text(exports_dir(), name, text, bom=True)
        except OSError as exc:
            status.show(_("points.error.write", reason=str(exc)), "error")
            return
        status.show(_("points.reports.exported", path=str(path)), "ok")
