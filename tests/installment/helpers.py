"""Helpers of the installment tests: demo job numbers, reading the clerk code from the outbox,
the Pilot steps to the screens."""

from __future__ import annotations

import re
from typing import Any

from branchdesk.clients.api import Action
from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.clients.local.backend import Backend
from branchdesk.screens.installment.board import InstallmentBoardScreen
from branchdesk.screens.installment.home import InstallmentHomeScreen
from branchdesk.screens.installment.qr import InstallmentQrScreen
from support.tui import login, open_workflow, push, shown, wait_for

JOB_NO = "13985900001"  # pre-registered for MER001 in the demo data
UNREGISTERED_JOB = "13985900099"
CLERK_NAME = "李建国"
ID_NUMBER = "11010519491231002X"  # valid GB 11643 check character
CODE = re.compile(r"验证码 ([0-9]{6})")


def latest_code(backend: Backend, mobile: str) -> str:
    for message in reversed(backend.sms.messages):
        if message["phone"] == mobile and message["purpose"].startswith("installment_clerk:"):
            match = CODE.search(message["text"])
            assert match, message
            return match.group(1)
    raise AssertionError(f"no code sent to {mobile}")


async def bind_clerk(api: InstallmentApi, backend: Backend, job_no: str = JOB_NO) -> dict[str, Any]:
    await api.request_code(job_no, CLERK_NAME, ID_NUMBER, job_no, Action())
    return await api.bind(latest_code(backend, job_no), Action())


async def open_home(pilot: Any) -> InstallmentHomeScreen:
    screen = await open_workflow(pilot, "installment", InstallmentHomeScreen)
    await wait_for(pilot, lambda: screen.profile is not None)
    return screen


async def open_qr(pilot: Any) -> InstallmentQrScreen:
    """Log in as the bound clerk c001 and show a fresh code."""
    await login(pilot, "c001")
    await open_home(pilot)
    await pilot.press("f3")
    screen = await shown(pilot, InstallmentQrScreen)
    await wait_for(pilot, lambda: screen.code is not None)
    await pilot.pause()
    return screen


async def open_board(pilot: Any, staff_id: str) -> InstallmentBoardScreen:
    await login(pilot, staff_id)
    return await push(pilot, InstallmentBoardScreen())
