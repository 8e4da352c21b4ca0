"""Pieces the account-opening steps are laid out with."""

from __future__ import annotations

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Label, Static


def field_row(label: str, field: Widget) -> Horizontal:
    """A field with its label before it, on one row."""
    return Horizontal(Label(label), field, classes="cw-row")


def data_line(text: str) -> Static:
    """A line of the customer's or the order's data, shown as typed (no markup: a name may
    hold brackets)."""
    return Static(text, classes="cw-line", markup=False)
