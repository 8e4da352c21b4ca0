"""Issuing points from a CSV file made from the template: every bad row is reported, by line
number and reason, and nothing is issued unless every row is good (all-or-nothing)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from typing import Any

from branchdesk.clients.local import audit
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.points import rules as points

BATCHES = "points_batches"
HEADER = ("card_no", "points", "note")
TEMPLATE_NAME = "points_issuance_template.csv"
TEMPLATE = (
    "card_no,points,note\r\n"
    "6210980000000000015,160,定期存款 10000 元一年\r\n"
    "6210980000000000023,5,保险 10000 元\r\n"
)
MAX_ROWS = 20_000
MAX_BYTES = 2_000_000
_WHOLE = re.compile(r"[0-9]{1,9}")

register_messages(
    {
        "import_invalid": {
            "zh-CN": "导入文件有 {count} 行错误,未发放任何积分。",
            "en": "The file has {count} bad lines; no points were issued.",
        },
        "import_empty": {
            "zh-CN": "导入文件没有数据行。",
            "en": "The file has no data rows.",
        },
        "import_too_large": {
            "zh-CN": "导入文件太大(最多 {rows} 行)。",
            "en": "The file is too large (at most {rows} rows).",
        },
    }
)

# Row problems: stable codes the TUI catalog translates (points.import.problem.<code>).
PROBLEMS = ("header", "columns", "card_no", "unknown_member", "points", "duplicate", "note")


def parse(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows and problems of a CSV text; handles a BOM, CRLF/LF/CR and blank lines."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    header_seen = False
    seen_cards: dict[str, int] = {}
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if not header_seen:
            header_seen = True
            if tuple(f.strip().lower() for f in fields) != HEADER:
                problems.append({"line": line, "problem": "header", "value": ",".join(fields)})
                return rows, problems
            continue
        if len(fields) != len(HEADER):
            problems.append({"line": line, "problem": "columns", "value": str(len(fields))})
            continue
        card_no, raw_points, note = (f.strip() for f in fields)
        card_no = card_no.replace(" ", "")
        if not card_no.isdigit() or not 13 <= len(card_no) <= 19:
            problems.append({"line": line, "problem": "card_no", "value": card_no})
            continue
        value = int(raw_points) if _WHOLE.fullmatch(raw_points) else None
        if value is None or not 1 <= value <= points.MAX_POINTS:
            problems.append({"line": line, "problem": "points", "value": raw_points})
            continue
        if len(note) > 200:
            problems.append({"line": line, "problem": "note", "value": note[:20]})
            continue
        if card_no in seen_cards:
            problems.append(
                {
                    "line": line,
                    "problem": "duplicate",
                    "value": card_no,
                    "first_line": seen_cards[card_no],
                }
            )
            continue
        seen_cards[card_no] = line
        rows.append({"line": line, "card_no": card_no, "points": value, "note": note})
    return rows, problems


def import_csv(backend: Backend, staff: Staff, text: str, *, dry_run: bool) -> dict[str, Any]:
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise DomainError(413, "import_too_large", rows=MAX_ROWS)
    rows, problems = parse(text)
    if len(rows) > MAX_ROWS:
        raise DomainError(413, "import_too_large", rows=MAX_ROWS)
    store = backend.store
    members: dict[int, dict[str, Any]] = {}
    for row in rows:
        found = store.lookup(points.MEMBERS, "card_no", row["card_no"])
        if not found:
            problems.append(
                {"line": row["line"], "problem": "unknown_member", "value": row["card_no"]}
            )
        else:
            members[row["line"]] = found[0]
    problems.sort(key=lambda p: p["line"])
    if not rows and not problems:
        raise DomainError(422, "import_empty")
    total = sum(r["points"] for r in rows)
    summary = {
        "rows": len(rows),
        "points": total,
        "problems": problems,
        "batch_id": None,
        "dry_run": dry_run,
    }
    if problems:
        raise DomainError(422, "import_invalid", details=problems, count=len(problems))
    if dry_run:
        return summary
    now = backend.now_iso()
    with store.transaction() as txn:
        batch_id = f"B{txn.next_id(BATCHES):06d}"
        for row in rows:
            points.append_ledger(
                txn,
                members[row["line"]],
                "earn",
                row["points"],
                now,
                ref=batch_id,
                actor=staff.id,
                note=row["note"],
            )
        txn.put(
            BATCHES,
            batch_id,
            {
                "id": batch_id,
                "at": now,
                "by": staff.id,
                "rows": len(rows),
                "points": total,
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            },
        )
        audit.record(txn, "points.import", batch_id, now, {"rows": len(rows), "points": total})
    return {**summary, "batch_id": batch_id}
