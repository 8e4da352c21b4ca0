"""What a clerk sells with a written card: packages, first-month tariffs, the number pool,
and the card data file (号卡文件: per ICCID the ADM key, Ki and OPc from the card vendor,
kept sealed at rest, see ``script``).

Packages and tariffs live in the store (a real backend manages them); this module seeds them.
"""

from __future__ import annotations

import random
from typing import Any

from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.script import seal_card_data
from branchdesk.clients.local.sim.rules import CARDS
from branchdesk.clients.local.sim.seed import DEMO_AGENT
from branchdesk.clients.local.store import Transaction

PACKAGES = "cw_packages"
TARIFFS = "cw_tariffs"
PACKS = "cw_packs"
ACTIVITIES = "cw_activities"
NUMBERS = "cw_numbers"
CARD_DATA = "cw_card_data"

NUMBER_PREFIX = "1860220"
DEMO_NUMBERS = 300
DEMO_ADM = "88888888"
"""The ADM key of the demo blank cards; the virtual SIM's cards use the same default."""
CARDS_WITHOUT_DATA = 3
"""Picked-up demo cards of the demo agent with no card data, to show "写卡脚本内容不存在"."""

_PACKAGES = (
    {
        "id": "P39",
        "name_zh": "沃4G+ 39元套餐",
        "name_en": "Wo 4G+ 39 plan",
        "monthly_fee": "39.00",
        "prepay": "50.00",
    },
    {
        "id": "P59",
        "name_zh": "沃4G+ 59元套餐",
        "name_en": "Wo 4G+ 59 plan",
        "monthly_fee": "59.00",
        "prepay": "100.00",
    },
    {
        "id": "P99",
        "name_zh": "冰激凌 99元套餐",
        "name_en": "Ice Cream 99 unlimited plan",
        "monthly_fee": "99.00",
        "prepay": "100.00",
    },
)
_TARIFFS = (
    {
        "id": "full",
        "name_zh": "全月套餐",
        "name_en": "Full month",
        "note_zh": "首月收取全月月费,赠送全月资源",
        "note_en": "Full fee and full allowance",
    },
    {
        "id": "half",
        "name_zh": "套餐减半",
        "name_en": "Half month",
        "note_zh": "首月月费与资源各减半",
        "note_en": "Half fee and half allowance",
    },
    {
        "id": "usage",
        "name_zh": "按量计费",
        "name_en": "Pay as used",
        "note_zh": "首月按实际使用计费",
        "note_en": "Charged by actual use",
    },
)

_PACKS: tuple[dict[str, Any], ...] = (
    # ``excludes``: packages that already include what the pack adds.
    {
        "id": "D10",
        "name_zh": "流量包 10元1GB",
        "name_en": "Data pack 1 GB, 10.00",
        "fee": "10.00",
        "excludes": ["P99"],
    },
    {
        "id": "V5",
        "name_zh": "语音包 5元100分钟",
        "name_en": "Voice pack 100 min, 5.00",
        "fee": "5.00",
        "excludes": [],
    },
    {
        "id": "RBT",
        "name_zh": "视频彩铃 首月免费",
        "name_en": "Video ringback tone, first month free",
        "fee": "0.00",
        "excludes": [],
    },
)
_ACTIVITIES = (
    # ``min_fee``: the lowest monthly fee of a package that may join; ``deposit``: paid now.
    {
        "id": "NONE",
        "name_zh": "不参加活动",
        "name_en": "No activity",
        "deposit": "0.00",
        "min_fee": "0.00",
    },
    {
        "id": "S50",
        "name_zh": "存50送50话费",
        "name_en": "Deposit 50.00, get 50.00 credit",
        "deposit": "50.00",
        "min_fee": "59.00",
    },
    {
        "id": "NEWDATA",
        "name_zh": "新入网送3个月流量",
        "name_en": "New line: 3 months of free data",
        "deposit": "0.00",
        "min_fee": "39.00",
    },
)


def seed_card_write(txn: Transaction, backend: Backend, rng: random.Random) -> None:
    for package in _PACKAGES:
        txn.put(PACKAGES, package["id"], dict(package))
    for order, tariff in enumerate(_TARIFFS):
        txn.put(TARIFFS, tariff["id"], {**tariff, "order": order})
    for order, pack in enumerate(_PACKS):
        txn.put(PACKS, pack["id"], {**pack, "excludes": list(pack["excludes"]), "order": order})
    for order, activity in enumerate(_ACTIVITIES):
        txn.put(ACTIVITIES, activity["id"], {**activity, "order": order})
    for tail in sorted(rng.sample(range(10_000), DEMO_NUMBERS)):
        msisdn = f"{NUMBER_PREFIX}{tail:04d}"
        txn.put(NUMBERS, msisdn, {"msisdn": msisdn, "state": "free", "order_id": None})
    without_data = set(
        sorted(
            c["iccid"]
            for c in backend.store.scan(CARDS)
            if c["state"] == "picked_up" and c["loc_id"] == DEMO_AGENT
        )[-CARDS_WITHOUT_DATA:]
    )
    for iccid in sorted(c["iccid"] for c in backend.store.scan(CARDS)):
        if iccid in without_data:
            continue
        secrets = {
            "adm": DEMO_ADM,
            "ki": f"{rng.getrandbits(128):032x}",
            "opc": f"{rng.getrandbits(128):032x}",
        }
        txn.put(CARD_DATA, iccid, seal_card_data(backend, CARD_DATA, iccid, secrets))
