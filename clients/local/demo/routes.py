"""HTTP: scenario presets of the demo sandbox (trainer and supervisor; sandbox stores only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from branchdesk.clients.local import auth, context
from branchdesk.clients.local.auth import Staff
from branchdesk.clients.local.demo import presets

router = APIRouter(tags=["sandbox"])
ROLES = ("trainer", "supervisor")


class PresetOut(BaseModel):
    name: str
    title: str
    teach: str
    """What the trainer does with the preset, in the request's language."""


class PresetApplied(PresetOut):
    details: dict[str, Any]
    applied_at: str
    applied_by: str


class ResetNotice(BaseModel):
    at: str
    by: str
    by_name: str
    preset: str
    title: str
    """The preset's title in the request's language."""


class PresetIn(BaseModel):
    """Empty for now; a body keeps the request shape open for options."""


@router.get(
    "/v1/sandbox/presets",
    response_model=list[PresetOut],
    responses={403: {"description": "forbidden, preset_not_sandbox"}},
)
async def list_presets(request: Request, staff: Staff = auth.require(*ROLES)) -> list[Any]:
    return presets.list_presets(auth.get_backend(request), context.get().lang)


@router.post(
    "/v1/sandbox/presets/{name}/apply",
    response_model=PresetApplied,
    responses={
        403: {"description": "forbidden, preset_not_sandbox"},
        404: {"description": "preset_not_found"},
    },
)
async def apply_preset(
    request: Request,
    body: PresetIn,
    name: str = Path(min_length=1, max_length=64),
    staff: Staff = auth.require(*ROLES),
) -> dict[str, Any]:
    """Reset the sandbox store to fresh demo data plus the named teaching case."""
    return presets.apply_preset(auth.get_backend(request), staff, name, context.get().lang)


@router.get(
    "/v1/sandbox/last-reset",
    response_model=ResetNotice | None,
    responses={403: {"description": "preset_not_sandbox"}},
)
async def last_reset(request: Request, staff: Staff = auth.require()) -> dict[str, Any] | None:
    """The last preset a trainer applied, so every other session can say so (any role)."""
    return presets.last_reset(auth.get_backend(request), context.get().lang)
