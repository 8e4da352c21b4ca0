"""A member as the points screens show them: the member panel's lines (masked by the server)."""

from __future__ import annotations

from typing import Any

from branchdesk.tui.i18n import _


def member_lines(member: dict[str, Any]) -> str:
    lines = [
        _("points.member.name", name=member["name"], id=member["id"]),
        _("points.member.mobile", mobile=member["mobile"], card=member["card"]),
        _("points.member.id_number", id_number=member["id_number"])
        if member["id_bound"]
        else _("points.member.id_unbound"),
        _(
            "points.member.points",
            points=member["points"],
            value=member["value"],
            rate=member["rate"],
        ),
        _(
            "points.member.institution",
            name=member["institution_name"],
            id=member["institution_id"],
        ),
    ]
    return "\n".join(lines)
