"""The four points reports of the domain brief, with filters, totals and redeemed points per day.

Dates are the branch's local calendar days (``points.report_utc_offset_hours``, default UTC+8).
Reversed redemptions are not counted as redeemed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from branchdesk.clients import validators
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.points import rules as points

REPORTS = ("institutions", "channels", "issuance", "redemptions")
COLUMNS = {
    "institutions": [
        "institution_id",
        "station",
        "channel",
        "accounts",
        "points",
        "amount",
        "orders",
    ],
    "channels": ["channel", "accounts", "points", "amount", "orders"],
    "issuance": [
        "member",
        "card",
        "points",
        "value",
        "institution_id",
        "station",
        "province",
        "city",
        "county",
        "current_points",
        "current_value",
    ],
    "redemptions": [
        "time",
        "member",
        "points",
        "amount",
        "order_ref",
        "channel",
        "province",
        "city",
        "county",
        "station",
        "institution_id",
        "remaining",
        "redemption_id",
    ],
}
MAX_DAYS = 366

register_messages(
    {
        "report_unknown": {"zh-CN": "没有这个报表。", "en": "No such report."},
        "report_dates_invalid": {
            "zh-CN": "日期范围无效(格式 YYYY-MM-DD,起始不晚于结束,最长 {days} 天)。",
            "en": "Invalid date range (YYYY-MM-DD, start not after end, at most {days} days).",
        },
    }
)


def _zone(backend: Backend) -> timezone:
    hours = backend.settings.get("points.report_utc_offset_hours", 8)
    return timezone(timedelta(hours=int(str(hours))))


def local_time(backend: Backend, at: str) -> str:
    """A stored UTC stamp as the report zone's wall clock, for server messages people read."""
    return datetime.fromisoformat(at).astimezone(_zone(backend)).strftime("%Y-%m-%d %H:%M")


def local_day(at: str, zone: timezone) -> date:
    return datetime.fromisoformat(at).astimezone(zone).date()


def _dates(backend: Backend, date_from: str | None, date_to: str | None) -> tuple[date, date]:
    today = backend.settings.now().astimezone(_zone(backend)).date()
    try:
        end = date.fromisoformat(date_to) if date_to else today
        start = date.fromisoformat(date_from) if date_from else end - timedelta(days=29)
    except ValueError:
        raise DomainError(
            422, "report_dates_invalid", details={"field": "date"}, days=MAX_DAYS
        ) from None
    if start > end or (end - start).days >= MAX_DAYS:
        raise DomainError(422, "report_dates_invalid", details={"field": "date"}, days=MAX_DAYS)
    return start, end


def build(
    backend: Backend,
    report: str,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    institution: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    if report not in REPORTS:
        raise DomainError(404, "report_unknown")
    if channel and channel not in points.CHANNELS:
        raise DomainError(422, "channel_invalid", details={"field": "channel"})
    start, end = _dates(backend, date_from, date_to)
    zone = _zone(backend)
    store = backend.store
    institutions = {d["id"]: d for d in store.scan(points.INSTITUTIONS)}
    summary = getattr(store, "redemption_summary", None)
    if summary is not None and report in ("institutions", "channels"):
        # A shared database aggregates in SQL: the cost does not grow with the redemptions.
        return _summarised(summary, report, start, end, zone, institution, channel, institutions)
    lo, hi = _utc_bound(start, zone), _utc_bound(end + timedelta(days=1), zone)
    where: dict[str, Any] = {"status": "settled"}
    if institution:
        where["institution_id"] = institution
    if channel:
        where["channel"] = channel
    redeemed = store.select(points.REDEMPTIONS, where=where, field="settled_at", lo=lo, hi=hi)
    daily: dict[date, int] = defaultdict(int)
    for r in redeemed:
        daily[local_day(r["settled_at"], zone)] += r["points"]
    series = _series(start, end, daily)
    if report == "issuance":
        earned: dict[str, Any] = {"kind": "earn"}
        if institution:
            earned["institution_id"] = institution
        ledger = store.select(points.LEDGER, where=earned, field="at", lo=lo, hi=hi)
        members = _members(store, {row["member_id"] for row in ledger})
        rows, totals = _issuance(store, ledger, members, institutions)
    elif report == "redemptions":
        members = _members(store, {r["member_id"] for r in redeemed})
        rows, totals = _detail(redeemed, members, institutions)
    else:
        rows, totals = _grouped(report, redeemed, institutions)
    return _result(report, start, end, rows, totals, series)


def _series(start: date, end: date, daily: dict[date, int]) -> list[dict[str, Any]]:
    return [
        {
            "date": (start + timedelta(days=n)).isoformat(),
            "points": daily.get(start + timedelta(days=n), 0),
        }
        for n in range((end - start).days + 1)
    ]


def _result(
    report: str,
    start: date,
    end: date,
    rows: list[list[Any]],
    totals: dict[str, Any],
    series: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "report": report,
        "date_from": start.isoformat(),
        "date_to": end.isoformat(),
        "columns": COLUMNS[report],
        "rows": rows,
        "totals": totals,
        "daily": series,
    }


def _utc_bound(day: date, zone: timezone) -> str:
    moment = datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)
    return moment.isoformat(timespec="seconds")


def _summarised(
    summary: Any,
    report: str,
    start: date,
    end: date,
    zone: timezone,
    institution: str | None,
    channel: str | None,
    institutions: dict[str, Any],
) -> dict[str, Any]:
    group_by = ("institution_id", "channel") if report == "institutions" else ("channel",)
    offset = int((zone.utcoffset(None) or timedelta()).total_seconds() // 3600)
    found = summary(
        _utc_bound(start, zone),
        _utc_bound(end + timedelta(days=1), zone),
        offset,
        group_by,
        institution,
        channel,
    )
    rows: list[list[Any]] = []
    for row in sorted(found["groups"], key=lambda r: tuple(r[: len(group_by)])):
        keys, (accounts, pts, amount, orders) = row[: len(group_by)], row[len(group_by) :]
        figures = [int(accounts), int(pts), str(amount), int(orders)]
        if report == "institutions":
            station = institutions.get(keys[0], {}).get("name", "")
            rows.append([keys[0], station, keys[1], *figures])
        else:
            rows.append([keys[0], *figures])
    accounts, pts, amount, orders = found["totals"]
    totals = {
        "accounts": int(accounts),
        "points": int(pts),
        "amount": str(Decimal(amount).quantize(Decimal("0.01"))),
        "orders": int(orders),
    }
    return _result(report, start, end, rows, totals, _series(start, end, found["daily"]))


def _grouped(
    report: str, redeemed: list[dict[str, Any]], institutions: dict[str, Any]
) -> tuple[list[list[Any]], dict[str, Any]]:
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for r in redeemed:
        key: tuple[str, ...] = (
            (r["institution_id"], r["channel"]) if report == "institutions" else (r["channel"],)
        )
        g = groups.setdefault(
            key, {"accounts": set(), "points": 0, "amount": Decimal(0), "orders": 0}
        )
        g["accounts"].add(r["member_id"])
        g["points"] += r["points"]
        g["amount"] += Decimal(r["amount"])
        g["orders"] += 1
    rows: list[list[Any]] = []
    for key in sorted(groups):
        g = groups[key]
        figures = [len(g["accounts"]), g["points"], str(g["amount"]), g["orders"]]
        if report == "institutions":
            station = institutions.get(key[0], {}).get("name", "")
            rows.append([key[0], station, key[1], *figures])
        else:
            rows.append([key[0], *figures])
    totals = {
        "accounts": len({r["member_id"] for r in redeemed}),
        "points": sum(r["points"] for r in redeemed),
        "amount": str(sum((Decimal(r["amount"]) for r in redeemed), Decimal("0.00"))),
        "orders": len(redeemed),
    }
    return rows, totals


def _detail(
    redeemed: list[dict[str, Any]], members: dict[str, Any], institutions: dict[str, Any]
) -> tuple[list[list[Any]], dict[str, Any]]:
    rows = []
    for r in sorted(redeemed, key=lambda r: r["settled_at"]):
        member = members.get(r["member_id"], {})
        inst = institutions.get(r["institution_id"], {})
        rows.append(
            [
                r["settled_at"],
                validators.mask_name(member.get("name", "")),
                r["points"],
                r["amount"],
                r.get("order_ref") or "",
                r["channel"],
                inst.get("province", ""),
                inst.get("city", ""),
                inst.get("county", ""),
                inst.get("name", ""),
                r["institution_id"],
                r["balance_after"],
                r["id"],
            ]
        )
    totals = {
        "orders": len(redeemed),
        "points": sum(r["points"] for r in redeemed),
        "amount": str(sum((Decimal(r["amount"]) for r in redeemed), Decimal("0.00"))),
    }
    return rows, totals


def _members(store: Any, ids: set[str]) -> dict[str, Any]:
    """Only the members a report's rows name, never the whole table."""
    get_many = getattr(store, "get_many", None)
    if get_many is not None:  # a shared database: one indexed query
        found: dict[str, Any] = get_many(points.MEMBERS, sorted(ids))
        return found
    return {i: doc for i in ids if (doc := store.get(points.MEMBERS, i)) is not None}


def _issuance(
    store: Any,
    ledger: list[dict[str, Any]],
    members: dict[str, Any],
    institutions: dict[str, Any],
) -> tuple[list[list[Any]], dict[str, Any]]:
    issued: dict[str, int] = defaultdict(int)
    for row in ledger:
        issued[row["member_id"]] += row["points"]
    rows: list[list[Any]] = []
    total_points = 0
    total_value = Decimal("0.00")
    for member_id in sorted(issued):
        member = members[member_id]
        rate = points.program_rate(store, member["program_id"])
        inst = institutions.get(member["institution_id"], {})
        current = points.balance(store, member_id)
        value = points.money(issued[member_id], rate)
        total_points += issued[member_id]
        total_value += value
        rows.append(
            [
                validators.mask_name(member["name"]),
                validators.mask_card(member["card_no"]),
                issued[member_id],
                str(value),
                member["institution_id"],
                inst.get("name", ""),
                inst.get("province", ""),
                inst.get("city", ""),
                inst.get("county", ""),
                current,
                str(points.money(current, rate)),
            ]
        )
    return rows, {"accounts": len(rows), "points": total_points, "amount": str(total_value)}
