"""Amounts as people read them: thousands grouped, two decimals (``25,000.00``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def amount(value: str | int | float | Decimal) -> str:
    """``25000`` → ``25,000.00``; a value that is no number is shown as it came."""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)
