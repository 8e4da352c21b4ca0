"""Helpers of the installment tests: demo job numbers, reading the clerk code from the outbox."""

from __future__ import annotations

import re
from typing import Any

from branchdesk.clients.api import Action
from branchdesk.clients.installment_api import InstallmentApi
from branchdesk.clients.local.backend import Backend

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
