"""The four reports: filters, totals that match the rows, redeemed points per day."""

from __future__ import annotations

from decimal import Decimal

import pytest

from branchdesk.clients.errors import ApiError
from branchdesk.clients.points_api import PointsApi, report_csv


async def test_channel_summary_totals_match_rows_and_daily_series(supervisor):
    data = await PointsApi(supervisor).report(
        "channels", date_from="2026-10-01", date_to="2026-11-30"
    )
    assert data["columns"][0] == "channel" and data["rows"]
    assert sum(r[2] for r in data["rows"]) == data["totals"]["points"]
    assert sum(r[4] for r in data["rows"]) == data["totals"]["orders"]
    assert sum(Decimal(r[3]) for r in data["rows"]) == Decimal(data["totals"]["amount"])
    assert sum(d["points"] for d in data["daily"]) == data["totals"]["points"]
    assert len(data["daily"]) == 61


async def test_filters_narrow_the_rows(supervisor):
    api = PointsApi(supervisor)
    everything = await api.report("redemptions", date_from="2026-10-01", date_to="2026-11-30")
    pos = await api.report(
        "redemptions", date_from="2026-10-01", date_to="2026-11-30", channel="pos"
    )
    inst = await api.report(
        "institutions", date_from="2026-10-01", date_to="2026-11-30", institution="52230101"
    )
    assert 0 < len(pos["rows"]) < len(everything["rows"])
    assert {r[5] for r in pos["rows"]} == {"pos"}
    assert {r[0] for r in inst["rows"]} == {"52230101"}
    nothing = await api.report("channels", date_from="2020-01-01", date_to="2020-01-31")
    assert nothing["rows"] == [] and nothing["totals"]["points"] == 0


async def test_issuance_summary(supervisor):
    data = await PointsApi(supervisor).report(
        "issuance", date_from="2026-10-01", date_to="2026-11-30"
    )
    assert data["columns"][:3] == ["member", "card", "points"]
    assert data["totals"]["accounts"] == len(data["rows"]) > 20
    assert all("*" in r[0] for r in data["rows"])


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-01"},
        {"date_from": "2026-11-30", "date_to": "2026-11-01"},
        {"date_from": "2024-01-01", "date_to": "2026-01-01"},
        {"channel": "bank"},
    ],
)
async def test_bad_filters_are_422(supervisor, params):
    with pytest.raises(ApiError) as err:
        await PointsApi(supervisor).report("channels", **params)
    assert err.value.status == 422


async def test_unknown_report_404(supervisor):
    with pytest.raises(ApiError) as err:
        await PointsApi(supervisor).report("nope")
    assert err.value.status == 404


def test_csv_export_quotes_and_crlf():
    text = report_csv(["a", "b"], [["x,y", 1]], ["total", 1])
    assert text == 'a,b\r\n"x,y",1\r\ntotal,1\r\n'
