"""Card lookup: an ICCID's state, location and full history (who, when, from, to, batch)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from branchdesk.clients.iccid_batch import iccid_problem
from branchdesk.clients.sim_api import SimApi
from branchdesk.screens.common.base import BaseScreen
from branchdesk.screens.common.columns import add_columns
from branchdesk.tui import timefmt
from branchdesk.tui.i18n import _, language
from branchdesk.tui.tables import DataTable
from branchdesk.tui.widgets import FieldInput, StatusLine

if TYPE_CHECKING:
    from branchdesk.clients.models import CardOut, MoveOut


HISTORY_COLUMNS = ("at", "action", "batch", "by", "route")
ACTIONS = (
    "stock_in",
    "transfer_out",
    "transfer_in",
    "transfer_reject",
    "pickup",
    "return",
    "write_fail",
    "write",
    "write_reset",
    "activate",
)
TABLE_WIDTH = 78
"""The table at 80 columns, inside its margins."""


def route(move: MoveOut) -> str:
    """From → to as people read them (names with codes), never ``warehouse:13ZDF14``."""
    return f"{move['from_label'] or move['from']} → {move['to_label'] or move['to']}"


class SimCardScreen(BaseScreen):
    card: CardOut | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(_("sim.card.title"), classes="title")
        with Horizontal(id="card-row"):
            yield Label(_("sim.field.iccid"))
            yield FieldInput(id="card-iccid", compact=True, max_length=20, numeric="0-9 ")
        yield Static("", id="card-info", markup=False)
        yield StatusLine(_("sim.card.help"), id="card-status")
        yield DataTable(id="card-history", cursor_type="row", zebra_stripes=True)
        # The row's whole route: long warehouse names do not fit the table at 80 columns.
        yield Static("", id="card-move", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#card-history", DataTable)
        # The batch before the route, and the route cut to what is left at 80 columns (the
        # line under the table shows it whole): no column is cut off at the edge.
        widths = {
            "at": 16,
            "action": max(cell_len(_(f"sim.action.{a}")) for a in ACTIONS),
            "batch": 10,
            "by": 4,
        }
        for key, width in widths.items():
            widths[key] = max(width, cell_len(_(f"sim.history.{key}")))
        widths["route"] = TABLE_WIDTH - sum(widths.values()) - 2 * len(HISTORY_COLUMNS)
        add_columns(table, "sim.history", ((key, widths[key]) for key in HISTORY_COLUMNS))
        self.query_one("#card-iccid", Input).focus()

    @on(Input.Submitted, "#card-iccid")
    def _submitted(self, event: Input.Submitted) -> None:
        iccid = event.value.replace(" ", "")
        # The previous card goes first: nothing of it may stay under another ICCID.
        self.card = None
        self.query_one("#card-info", Static).update("")
        self.query_one("#card-history", DataTable).clear()
        self.query_one("#card-move", Static).update("")
        problem = iccid_problem(iccid) if iccid else "required"
        if problem:
            self.show_status(_(f"sim.reason.{problem}"), "error")
            return
        self.show_status(_("sim.status.searching"))

        def found(card: CardOut) -> None:
            if self.query_one("#card-iccid", Input).value.replace(" ", "") != iccid:
                return  # typed on meanwhile: this card answers another query
            self.show_card(card)
            self.show_status(_("sim.card.found", n=len(card["history"])), "ok")

        self.call_api("card", lambda: SimApi(self.client).card(iccid), found)

    def show_card(self, card: CardOut) -> None:
        self.card = card
        loc = card["location"]
        name = loc["name_zh"] if language() == "zh-CN" else loc["name_en"]
        self.query_one("#card-info", Static).update(
            "\n".join(
                [
                    _(
                        "sim.card.summary",
                        iccid=card["iccid"],
                        type=_(f"sim.type.{card['card_type']}"),
                        dept=card["dept_id"],
                    ),
                    _(
                        "sim.card.where",
                        state=_(f"sim.state.{card['state']}"),
                        kind=_(f"sim.loc.{loc['kind']}"),
                        id=loc["id"],
                        name=name,
                    ),
                ]
            )
        )
        table = self.query_one("#card-history", DataTable)
        table.clear()
        for move in card["history"]:
            table.add_row(
                timefmt.when(move["at"]),
                _(f"sim.action.{move['action']}"),
                move["batch"],
                move["by"],
                route(move),
            )
        self._show_move(table.cursor_row)

    @on(DataTable.RowHighlighted, "#card-history")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_move(event.cursor_row)

    def _show_move(self, row: int) -> None:
        moves = self.card["history"] if self.card else []
        text = ""
        if 0 <= row < len(moves):
            move = moves[row]
            who = f"{move['by_name']} {move['by']}".strip()
            text = _("sim.card.move", route=route(move), by=who, batch=move["batch"])
        self.query_one("#card-move", Static).update(text)
