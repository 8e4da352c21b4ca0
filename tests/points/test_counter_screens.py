"""Issue 14 on the points screens, Pilot at 80x24 through the real API: each test failed before."""

from __future__ import annotations

from pathlib import Path

import pytest

from branchdesk.screens.common.confirm import ConfirmModal
from branchdesk.screens.points.issue import PointsIssueScreen
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from support.tui import SIZE, make_app, screen_text, wait_for

from .test_screens import login


def _text(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def _cards(backend) -> list[str]:
    return [m["card_no"] for m in sorted(backend.store.scan("members"), key=lambda m: m["id"])]


def _sum(backend, member_id: str) -> int:
    return sum(r["points"] for r in backend.store.lookup("points_ledger", "member_id", member_id))


async def _issue_screen(pilot, app, path: Path) -> None:
    await login(pilot, "s001")
    app.open_workflow("points.issue")
    await wait_for(pilot, lambda: isinstance(app.screen, PointsIssueScreen))
    await pilot.pause()
    app.screen.query_one("#csv-path").value = str(path)
    app.screen.query_one("#csv-path").focus()
    await pilot.pause()


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_bad_byte_reported_by_line_and_byte_with_every_other_line(backend, tmp_path, lang):
    cards = _cards(backend)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        b"card_no,points,note\r\n"
        + f"{cards[0]},10,ok\r\n".encode()
        + cards[1].encode()
        + b",10,\xb4\xff\r\n"
        + f"{cards[2]},abc,x\r\n".encode()
    )
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await _issue_screen(pilot, app, bad)
        await pilot.press("f3")
        table = app.screen.query_one("#problems")
        await wait_for(pilot, lambda: table.row_count == 2)
        rows = [table.get_row_at(i) for i in range(2)]
        assert [r[0] for r in rows] == ["3", "4"]
        shown = screen_text(app)
        assert "codec" not in shown and "gb18030" not in shown
        assert _("points.import.problem.encoding", byte=24)[:12] in str(rows[0][1])
        assert "24" in str(rows[0][1])
        assert not backend.store.scan("points_batches")


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_preview_then_commit_then_same_file_refused_then_supervisor_reimports(
    backend, tmp_path, lang
):
    cards = _cards(backend)
    member = backend.store.lookup("members", "card_no", cards[0])[0]
    good = tmp_path / "good.csv"
    good.write_text(f"card_no,points,note\r\n{cards[0]},16,定期存款\r\n", encoding="utf-8")
    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await _issue_screen(pilot, app, good)
        before = _sum(backend, member["id"])
        # F4 first: the preview comes before anything is issued, then the confirmation.
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        assert _sum(backend, member["id"]) == before
        summary = _("points.issue.summary", rows=1, members=1, points=16, value="8.00")
        assert summary in "\n".join(app.screen.lines)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(backend.store.scan("points_batches")) == 1)
        await wait_for(pilot, lambda: "B000001" in _text(app, "#issue-status"))
        assert _sum(backend, member["id"]) == before + 16
        # The same file again: the preview names the earlier batch; the commit is refused.
        await pilot.press("f3")
        await wait_for(pilot, lambda: "B000001" in _text(app, "#issue-summary"))
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ConfirmModal)
                and app.screen.title_text == _("points.issue.reimport_title")
            ),
        )
        detail = "\n".join(app.screen.lines)
        batch = backend.store.scan("points_batches")[0]
        assert "B000001" in detail and batch["by"] in detail
        assert timefmt.when(batch["at"]) in detail and batch["at"] not in detail
        assert _sum(backend, member["id"]) == before + 16
        # Esc: nothing; F4 and a deliberate confirmation: imported once more.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsIssueScreen))
        assert len(backend.store.scan("points_batches")) == 1
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ConfirmModal)
                and app.screen.title_text == _("points.issue.reimport_title")
            ),
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(backend.store.scan("points_batches")) == 2)
        assert _sum(backend, member["id"]) == before + 32


def _cells_shown(app) -> list[list[str]]:
    table = app.screen.query_one("#report-table")
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_report_columns_never_cut_and_dates_whole(backend, lang):
    from branchdesk.screens.points.reports import PointsReportsScreen

    app = make_app(backend, lang)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        app.open_workflow("points.reports")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsReportsScreen))
        while app.screen.report != "redemptions":
            await pilot.press("f6")
        await wait_for(pilot, lambda: app.screen.data is not None)
        await pilot.pause(0.3)
        table = app.screen.query_one("#report-table")
        rows = _cells_shown(app)
        assert rows
        for index, column in enumerate(table.ordered_columns):
            widest = max(len(r[index]) for r in rows)
            assert column.get_render_width(table) - 2 * table.cell_padding >= widest, column.label
        # The chart counts redemptions: not on the issuance report.
        assert app.screen.query_one("#report-chart").display
        while app.screen.report != "issuance":
            await pilot.press("f6")
        await wait_for(pilot, lambda: app.screen.data is not None)
        await pilot.pause()
        assert not app.screen.query_one("#report-chart").display
        # A full date fits the input.
        field = app.screen.query_one("#date-from")
        field.focus()
        await pilot.press(*"2026-12-01")
        await pilot.pause()
        assert "2026-12-01" in screen_text(app), screen_text(app)


async def test_report_exports_unique_per_filter_and_run_and_say_their_filter(backend):
    from branchdesk.screens.points.reports import PointsReportsScreen

    app = make_app(backend, "en")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "s001")
        app.open_workflow("points.reports")
        await wait_for(pilot, lambda: isinstance(app.screen, PointsReportsScreen))
        paths = []
        for _round in range(2):
            await wait_for(pilot, lambda: app.screen.data is not None)
            await pilot.press("f3")
            await wait_for(
                pilot,
                lambda: (
                    "CSV" in _text(app, "#report-status") or ":" in _text(app, "#report-status")
                ),
            )
            status = _text(app, "#report-status")
            paths.append(Path(status.split(":", 1)[1].strip()))
            await pilot.press("f7")  # another channel: another filter
        assert paths[0] != paths[1] and all(p.exists() for p in paths)
        first, second = (p.read_text(encoding="utf-8-sig") for p in paths)
        assert "channel: " + _("points.reports.all") in first
        assert "channel: " + _("points.channel.mall") in second
