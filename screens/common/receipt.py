"""One receipt screen for every workflow: shown after the action, saved at once, reopened later.

A workflow builds a ``Receipt`` (its own content: staff, outlet, items, numbers) and pushes
``ReceiptScreen``. The text is written to the receipts directory as soon as the screen opens —
Esc can no longer lose it — and recorded in ``history.jsonl`` there, so the staff member can
reopen and reprint their recent receipts (``ReceiptHistoryScreen``). F3 prints (PDF beside the
text), F2 saves a copy where the path field says, Enter or Esc closes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static

from branchdesk.clients.atomic_file import write_atomic
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.printing import Printing
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _
from branchdesk.tui.widgets import StatusLine

if TYPE_CHECKING:
    from branchdesk.tui.app_protocol import AppProtocol

log = logging.getLogger(__name__)

HISTORY_FILE = "history.jsonl"
HISTORY_LIMIT = 50
"""How many of a staff member's latest receipts the history lists."""


@dataclass(frozen=True)
class Receipt:
    kind: str
    """The workflow: ``points``, ``sim`` or ``card_write`` (``receipt.kind.<kind>`` names it)."""
    ref: str
    """The number of what the receipt is for (redemption, batch, order)."""
    heading: str
    """The screen's heading; the document's own title is the first line of ``text``."""
    text: str
    """The document as printed and saved: plain text, PII masked as on screen."""
    stem: str
    """File name without suffix in the receipts directory: ``<stem>.txt``, ``<stem>.pdf``."""


@dataclass(frozen=True)
class HistoryEntry:
    staff: str
    kind: str
    ref: str
    heading: str
    file: str
    at: str
    """UTC, ISO 8601: machine data; shown through ``timefmt``."""


def receipts_dir(app: AppProtocol) -> Path:
    return app.options.receipts_dir()


def save(directory: Path, receipt: Receipt, staff: str) -> Path:
    """Write the receipt's text (atomically) and add it to the history; returns the text file."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{receipt.stem}.txt"
    write_atomic(path, (receipt.text + "\n").encode("utf-8"))
    entry = HistoryEntry(
        staff=staff,
        kind=receipt.kind,
        ref=receipt.ref,
        heading=receipt.heading,
        file=path.name,
        at=timefmt.utc_now(),
    )
    with (directory / HISTORY_FILE).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(entry), ensure_ascii=False) + "\n")
    return path


def history(directory: Path, staff: str, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """This staff member's receipts, newest first, one per file (a reprint is not a new one)."""
    try:
        lines = (directory / HISTORY_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    seen: set[str] = set()
    found: list[HistoryEntry] = []
    for line in reversed(lines):
        try:
            entry = HistoryEntry(**json.loads(line))
        except (ValueError, TypeError):
            continue  # a torn last line (power cut) hides nothing else
        if entry.staff != staff or entry.file in seen:
            continue
        seen.add(entry.file)
        found.append(entry)
        if len(found) >= limit:
            break
    return found


def reopen(directory: Path, entry: HistoryEntry) -> Receipt:
    """The receipt as it was saved; ``OSError`` when its file is gone."""
    name = Path(entry.file).name  # never a path out of the receipts directory
    text = (directory / name).read_text(encoding="utf-8").rstrip("\n")
    return Receipt(entry.kind, entry.ref, entry.heading, text, Path(name).stem)


class ReceiptScreen(Printing, BaseScreen, keys="receipt", title="receipt.title"):
    def __init__(self, receipt: Receipt, *, saved: bool = False) -> None:
        super().__init__()
        self.receipt = receipt
        self.saved_path: Path | None = None
        """The text file the receipt was saved to (None until saved, or when saving failed)."""
        self._already_saved = saved

    @property
    def text(self) -> str:
        return self.receipt.text

    def _directory(self) -> Path:
        return receipts_dir(self.bd_app)

    def compose_body(self) -> ComposeResult:
        yield Static(self.receipt.heading, classes="title", id="receipt-heading")
        with VerticalScroll(id="receipt-scroll"):
            yield Static(self.receipt.text, id="receipt-body", markup=False)
        with Horizontal(id="save-row"):
            yield Label(_("receipt.save_to"))
            yield Input(
                str(self._directory() / f"{self.receipt.stem}.txt"),
                id="save-path",
                compact=True,
                max_length=400,
            )
        yield StatusLine("", id="receipt-status")

    def on_mount(self) -> None:
        self.query_one("#receipt-scroll").focus()
        if self._already_saved:
            self.saved_path = self._directory() / f"{self.receipt.stem}.txt"
            self.show_status(_("receipt.reopened", path=str(self.saved_path)))
            return
        staff = self.bd_app.staff
        try:
            self.saved_path = save(self._directory(), self.receipt, staff.id if staff else "")
        except OSError as exc:
            log.warning("receipt %s not saved: %s", self.receipt.stem, exc)
            self.show_status(_("receipt.save_failed", reason=exc.strerror or str(exc)), "error")
            return
        self.show_status(_("receipt.saved", path=str(self.saved_path)), "ok")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_print(self) -> None:
        raw = self.query_one("#save-path", Input).value.strip()
        base = Path(raw).expanduser() if raw else self._directory() / self.receipt.stem
        title = self.receipt.text.splitlines()[0] if self.receipt.text else self.receipt.heading
        self.print_document(title, self.receipt.text, base.with_suffix(".pdf"))

    @on(Input.Submitted, "#save-path")
    def action_save_copy(self) -> None:
        raw = self.required("#save-path", "receipt.path_required")
        if raw is None:
            return
        path = Path(raw).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.receipt.text + "\n", encoding="utf-8")
        except OSError as exc:
            self.show_status(_("receipt.save_failed", reason=exc.strerror or str(exc)), "error")
            self.query_one("#save-path", Input).focus()
            return
        self.show_status(_("receipt.saved", path=str(path)), "ok")

    def action_history(self) -> None:
        # By registry id: the history opens receipts, so importing it here would be a cycle.
        from branchdesk.tui.screen_registry import screen_class

        self.app.push_screen(screen_class("common.receipt_history")())
