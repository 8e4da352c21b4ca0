"""Payment-channel advice (DOMAIN.md B) from the settlement card's BIN, and limits advice (A4)."""

from __future__ import annotations

import csv
import functools
from decimal import Decimal
from importlib import resources
from typing import Any

from branchdesk.clients.local.onboarding.catalog import ETOKEN_LIMIT

DEDICATED = ("icbc", "abc", "psbc")
"""Banks with their own channel on the ordering platform; every other UnionPay card: 在线支付."""
BANKS = ("psbc", "icbc", "abc", "ccb", "boc", "bocom", "cmb", "rcu", "other")
EXCLUDED_PREFIXES = ("621559", "6217788")
"""Electronic settlement binding refuses these (ICBC 621559…, rural credit union 6217788…)."""
WRONG_CHANNEL_ERROR = "该商户不支持工行农行邮储卡支付,请使用他行卡进行支付"
BANK_NAMES = {
    "psbc": ("邮储银行", "PSBC"),
    "icbc": ("工商银行", "ICBC"),
    "abc": ("农业银行", "ABC"),
    "ccb": ("建设银行", "CCB"),
    "boc": ("中国银行", "BOC"),
    "bocom": ("交通银行", "BOCOM"),
    "cmb": ("招商银行", "CMB"),
    "rcu": ("农村信用社", "rural credit union"),
    "other": ("他行", "another bank"),
}


@functools.cache
def bin_table() -> dict[str, str]:
    """BIN prefix → bank code, from ``data/card_bins.csv`` (its source is noted in the file)."""
    text = (
        resources.files("branchdesk.clients.local")
        .joinpath("data/card_bins.csv")
        .read_text(encoding="utf-8")
    )
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["bin"].strip(): row["bank"].strip() for row in rows}


def bank_of(card_number: str) -> str | None:
    """The issuing bank of a card number by its longest known prefix, or None."""
    table = bin_table()
    digits = card_number.replace(" ", "")
    for length in range(8, 5, -1):
        bank = table.get(digits[:length])
        if bank is not None:
            return bank
    return None


def bank_name(bank: str, lang: str) -> str:
    zh, en = BANK_NAMES.get(bank, BANK_NAMES["other"])
    return zh if lang == "zh-CN" else en


def payment_advice(card_number: str, chosen_bank: str | None, lang: str) -> dict[str, Any]:
    """Which channel to choose on the ordering platform, and what to warn the customer about."""
    detected = bank_of(card_number) if card_number else None
    bank = detected or chosen_bank
    excluded = card_number.startswith(EXCLUDED_PREFIXES)
    if bank is None:
        channel = None
    elif bank in DEDICATED:
        channel = bank
    else:
        channel = "online_payment"
    return {
        "bank": bank,
        "bank_name": bank_name(bank, lang) if bank else None,
        "detected": detected is not None,
        "ask_bank": bank is None,
        "channel": channel,
        "wrong_channel_error": WRONG_CHANNEL_ERROR if channel in DEDICATED else None,
        "settlement_excluded": excluded,
    }


def limits_advice(amount: Decimal, token_type: str) -> dict[str, Any]:
    needs_ukey = amount > ETOKEN_LIMIT
    return {
        "etoken_limit": str(ETOKEN_LIMIT),
        "needs_ukey_sms": needs_ukey,
        "token_mismatch": needs_ukey and token_type == "etoken",
    }
