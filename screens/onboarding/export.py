"""Writing the onboarding exports: a customer's hand-off package (CSV and printable text page)
and all customers of an area (CSV), under ``<data dir>/exports/`` unless the user names a path.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from branchdesk.clients.atomic_file import write_atomic
from branchdesk.clients.onboarding_api import (
    AREA_FIELDS,
    CUSTOMER_FIELDS,
    PENDING_PREFIX,
    area_csv,
    handoff_csv,
)
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.options import data_dir

if TYPE_CHECKING:
    from branchdesk.clients.models import AreaRow, HandoffOut

STATUSES = ("not_started", "in_progress", "done", "not_applicable", "blocked")
MARKS = {
    "done": "[✓]",
    "in_progress": "[~]",
    "not_started": "[ ]",
    "not_applicable": "[-]",
    "blocked": "[!]",
}


def export_dir() -> Path:
    return data_dir() / "exports"


EVIDENCE = ("ukey_serial", "etoken_number", "activation_date")


def _labels() -> dict[str, str]:
    labels = {f"status.{s}": _(f"onb.status.{s}") for s in STATUSES}
    labels["customer"] = _("onb.export.customer")
    labels.update({f"evidence.{e}": _(f"onb.evidence.{e}") for e in EVIDENCE})
    labels.update({f"field.{f}": _(f"onb.field.{f}") for f in CUSTOMER_FIELDS})
    labels.update({f"area.{f}": _(f"onb.col.{f}") for f in AREA_FIELDS})
    labels.update(
        {
            f"col.{c}": _(f"onb.col.{c}")
            for c in ("section", "item", "status", "note", "evidence", "updated_by", "updated_at")
        }
    )
    return labels


def _write(path: Path, text: str) -> Path:
    """Write atomically, BOM first so spreadsheet programs read the Chinese text right."""
    return write_atomic(path, text.encode("utf-8-sig" if path.suffix == ".csv" else "utf-8"))


def _stamp() -> str:
    return timefmt.stamp(micro=False)


def customer_value(customer: Mapping[str, Any], field: str) -> str:
    """A customer field as people read it: labels for codes, the bank's name, local times."""
    raw = customer.get(field)
    if field == "id" and str(raw).startswith(PENDING_PREFIX):
        return _("onb.export.pending_id")  # created offline: the server gives the id at sync
    if field == "token_type" and raw:
        return _(f"onb.token.{raw}")
    if field == "card_bank":
        if raw:
            return _(f"onb.bank.{raw}")
        payment = customer.get("payment") or {}
        return str(payment.get("bank_name") or "")  # the server's name for the card's BIN
    if field.endswith("_at"):
        return timefmt.when(raw)
    return "" if raw is None else str(raw)


def handoff_text(package: HandoffOut) -> str:
    customer = package["customer"]
    lines = [
        _("onb.print.title"),
        _(
            "onb.print.generated",
            at=timefmt.when(package["generated_at"]),
            by=package["generated_by"],
        ),
        "",
    ]
    if package.get("offline"):
        lines[2:2] = [_("onb.print.offline")]
    for name in CUSTOMER_FIELDS:
        lines.append(f"{_(f'onb.field.{name}')}: {customer_value(customer, name)}")
    lines.append("")
    for section in package["sections"]:
        lines.append(f"{section['title']} ({section['done']}/{section['required']})")
        for item in package["items"]:
            if item["section"] != section["id"]:
                continue
            status = item["status"]
            lines.append(f"  {MARKS[status]} {item['title']} — {_('onb.status.' + status)}")
            extra = [item["note"]] if item["note"] else []
            extra += [f"{_('onb.evidence.' + k)}: {v}" for k, v in sorted(item["evidence"].items())]
            if item["updated_by"]:
                extra.append(f"{item['updated_by']} {timefmt.when(item['updated_at'])}")
            if extra:
                lines.append("      " + " · ".join(extra))
        lines.append("")
    lines += [_("onb.print.signature"), ""]
    return "\n".join(lines)


def write_handoff(package: HandoffOut, directory: Path | None = None) -> tuple[Path, Path]:
    name = str(package["customer"]["id"]).replace(PENDING_PREFIX, "new-")
    base = (directory or export_dir()) / f"handoff-{name}-{_stamp()}"
    customer = package["customer"]

    def value(field: str, raw: Any) -> str:
        if field.endswith("_at"):
            return timefmt.when(raw)
        return customer_value(customer, field)

    csv_path = _write(base.with_suffix(".csv"), handoff_csv(package, _labels(), value))
    txt_path = _write(base.with_suffix(".txt"), handoff_text(package))
    return csv_path, txt_path


def write_area(area: str, rows: list[AreaRow], path: Path | None = None) -> Path:
    target = path or export_dir() / f"area-{area}-{_stamp()}.csv"
    return _write(target, area_csv(rows, _labels()))
