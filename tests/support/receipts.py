"""What the server answers for a settled redemption and a SIM batch: the receipts' test inputs."""

from __future__ import annotations

from typing import Any

REDEMPTION: dict[str, Any] = {
    "id": "RD-000042",
    "status": "settled",
    "channel": "pos",
    "points": 58,
    "amount": "29.00",
    "rate": "0.50",
    "balance_after": 942,
    "created_at": "2026-12-01T20:06:02+00:00",
    "settled_at": "2026-12-01T20:06:30+00:00",
    "created_by": "k001",
    "created_by_name": "张丽",
    "institution_id": "35102301",
    "institution_name": "坪东邮政所",
    "items": [{"name": "大米 5kg", "quantity": 1, "unit_price": "29.00"}],
}
SIM_BATCH: dict[str, Any] = {
    "id": "SB000123",
    "action": "pickup",
    "card_type": "usim",
    "count": 30,
    "first": "89860126011000005108",
    "last": "89860126011000005397",
    "operator": "c001",
    "operator_name": "李建国",
    "at": "2026-12-01T18:00:00+00:00",
}
