"""Issuing points from a CSV file made from the template: every bad row is reported, by line
number and reason, and nothing is issued unless every row is good (all-or-nothing).

The file arrives as bytes (base64) or text. Bytes are decoded line by line (UTF-8, with or
without BOM, else GB18030), so one undecodable line is reported by its number and byte and the
other lines are still checked. Each imported file's SHA-256 is kept with its batch: the same
file again is refused, naming the earlier batch, who and when, unless the supervisor confirms a
deliberate re-import.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import re
from decimal import Decimal
from typing import Any

from branchdesk.clients import validators
from branchdesk.clients.local import audit
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import DomainError, register_messages
from branchdesk.clients.local.points import reports as points_reports
from branchdesk.clients.local.points import rules as points

BATCHES = "points_batches"
HEADER = ("card_no", "points", "note")
TEMPLATE_NAME = "points_issuance_template.csv"
TEMPLATE = (
    "card_no,points,note\r\n"
    "6210980000000000015,16,定期存款 10000 元一年\r\n"
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
        "import_duplicate": {
            "zh-CN": "该文件已导入过：批次 {batch_id}，{by} 于 {at} 导入。"
            "如确需重复导入，请确认后再提交。",
            "en": "This file was imported before: batch {batch_id}, by {by} at {at}. "
            "Confirm to import it again on purpose.",
        },
        "import_content_invalid": {
            "zh-CN": "导入文件内容无法读取(不是有效的 base64)。",
            "en": "The file content cannot be read (not valid base64).",
        },
    }
)
PREVIEW_ROWS = 5

# Row problems: stable codes the TUI catalog translates (points.import.problem.<code>).
PROBLEMS = (
    "header",
    "columns",
    "card_no",
    "unknown_member",
    "points",
    "duplicate",
    "note",
    "encoding",
)


def decode(raw: bytes) -> tuple[str, list[dict[str, Any]]]:
    """Text of ``raw`` and its undecodable lines; a bad line becomes blank, keeping numbering."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    lines: list[str] = []
    problems: list[dict[str, Any]] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        text, error = _decode_line(line)
        if error is None:
            lines.append(text)
        else:
            lines.append("")
            problems.append({"line": number, "problem": "encoding", "value": str(error + 1)})
    return "\n".join(lines), problems


def _decode_line(line: bytes) -> tuple[str, int | None]:
    """The line as text, or the 0-based offset of the first byte no decoder accepts."""
    furthest = 0
    for encoding in ("utf-8", "gb18030"):
        try:
            return line.decode(encoding), None
        except UnicodeDecodeError as exc:
            furthest = max(furthest, exc.start)
    return "", furthest


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


def file_bytes(text: str | None, content_base64: str | None) -> bytes:
    """The uploaded file as bytes: base64 content if given, else the text as UTF-8."""
    if content_base64 is not None:
        try:
            return base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError(
                422, "import_content_invalid", details={"field": "content_base64"}
            ) from None
    return (text or "").encode("utf-8")


def earlier_batch(store: Any, digest: str) -> dict[str, Any] | None:
    found = sorted(store.lookup(BATCHES, "sha256", digest), key=lambda b: b["at"])
    return found[-1] if found else None


def import_csv(
    backend: Backend,
    staff: Staff,
    raw: bytes,
    *,
    dry_run: bool,
    confirm_reimport: bool = False,
    filename: str = "",
) -> dict[str, Any]:
    if len(raw) > MAX_BYTES:
        raise DomainError(413, "import_too_large", rows=MAX_ROWS)
    digest = hashlib.sha256(raw).hexdigest()
    text, encoding_problems = decode(raw)
    rows, problems = parse(text)
    problems = encoding_problems + problems
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
    earlier = earlier_batch(store, digest)
    summary = {
        "rows": len(rows),
        "points": total,
        "members": len({m["id"] for m in members.values()}),
        "value": str(_total_value(store, rows, members)),
        "first_rows": [_preview_row(row, members.get(row["line"])) for row in rows[:PREVIEW_ROWS]],
        "problems": problems,
        "batch_id": None,
        "dry_run": dry_run,
        "sha256": digest,
        "earlier_batch": _batch_ref(earlier) if earlier else None,
    }
    if problems:
        raise DomainError(422, "import_invalid", details=problems, count=len(problems))
    if dry_run:
        return summary
    if earlier is not None and not confirm_reimport:
        ref = _batch_ref(earlier)
        shown = {**ref, "at": points_reports.local_time(backend, earlier["at"])}
        raise DomainError(409, "import_duplicate", details=ref, **shown)
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
                "sha256": digest,
                "filename": filename[:200],
                "reimport_of": earlier["id"] if earlier is not None else None,
            },
        )
        audit.record(
            txn,
            "points.import",
            batch_id,
            now,
            {
                "rows": len(rows),
                "points": total,
                "reimport_of": earlier["id"] if earlier is not None else None,
            },
        )
    return {**summary, "batch_id": batch_id}


def _batch_ref(batch: dict[str, Any]) -> dict[str, Any]:
    return {"batch_id": batch["id"], "by": batch["by"], "at": batch["at"]}


def _total_value(store: Any, rows: list[dict[str, Any]], members: dict[int, Any]) -> Decimal:
    total = Decimal(0)
    for row in rows:
        member = members.get(row["line"])
        if member is not None:
            total += points.money(row["points"], points.program_rate(store, member["program_id"]))
    return total


def _preview_row(row: dict[str, Any], member: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "line": row["line"],
        "card": validators.mask_card(row["card_no"]),
        "member": validators.mask_name(member["name"]) if member else "",
        "points": row["points"],
        "note": row["note"],
    }
