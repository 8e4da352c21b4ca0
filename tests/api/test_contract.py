"""The contract: the committed OpenAPI document is the served one, and the server honours it."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.config import SchemathesisConfig
from schemathesis.python import asgi

from branchdesk.clients.api import ApiClient
from branchdesk.clients.local.app import create_app
from support.backend import DEMO_PASSWORD, make_backend

COMMITTED = Path(__file__).resolve().parents[2] / "clients" / "openapi.json"


async def test_served_openapi_equals_the_committed_document(client: ApiClient) -> None:
    served = await client.get("/openapi.json")
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert served == committed, "run `make openapi` and commit clients/openapi.json"


async def test_health_and_meta(client: ApiClient) -> None:
    assert await client.health() is True
    meta = await client.meta()
    assert meta["demo"] is True and meta["sandbox"] is True


async def test_errors_have_the_documented_shape(client: ApiClient) -> None:
    response = await client._http.get("/v1/no-such-path")
    assert response.status_code == 404
    body = response.json()
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == "not_found"


_backend = make_backend()
_app = create_app(_backend)
RULE_REFUSALS = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]
"""What schema-valid data may get (schemathesis' default plus 422): the contract's 422 is also
a rule's refusal of well-formed data that JSON Schema cannot state (an ID number's check
character, a QR token's signature, a day that does not exist, a NUL in a text). A 422 that is
the request models' own ``validation_error`` stays a finding (``models_accept_valid_data``)."""
_config = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": RULE_REFUSALS}}}
)
# Logging out would end the session that every other generated case uses.
schema = schemathesis.openapi.from_asgi("/openapi.json", _app, config=_config).exclude(
    method="DELETE", path="/v1/sessions/current"
)
ROLES = ("s001", "m001", "c001", "t001", "k001")
"""One demo account per role (API.md): each role meets its own refusals and its own data."""
MAX_EXAMPLES = 12
"""Per operation and role: 5 roles x ~90 operations x 12 examples keep the run within CI's time."""


@pytest.fixture(scope="module")
def tokens() -> dict[str, str]:
    import asyncio

    async def login(staff_id: str) -> str:
        client = ApiClient.for_asgi(_app)
        await client.login(staff_id, DEMO_PASSWORD)
        return client.token or ""

    async def all_roles() -> dict[str, str]:
        return {staff_id: await login(staff_id) for staff_id in ROLES}

    return asyncio.run(all_roles())


def _targets(case: schemathesis.Case, header: str) -> bool:
    """A negative case about ``header`` on purpose (left out, too long, …): it keeps its own."""
    data = getattr(getattr(case.meta, "phase", None), "data", None)
    return header in str(getattr(data, "description", "") or "")


def _negative(case: schemathesis.Case) -> bool:
    mode = getattr(getattr(case.meta, "generation", None), "mode", None)
    return mode is not None and not mode.is_positive


def models_accept_valid_data(ctx: Any, response: Any, case: schemathesis.Case) -> None:
    """Schema-valid data is never refused by the request models: their refusal would mean the
    document and the models disagree."""
    mode = getattr(getattr(case.meta, "generation", None), "mode", None)
    if mode is None or not mode.is_positive or response.status_code != 422:
        return
    code = json.loads(response.content or b"{}").get("error", {}).get("code")
    assert code != "validation_error", f"schema-valid data refused by the models: {response.text}"


@pytest.fixture(scope="module")
def session() -> Iterator[asgi.ASGIClient]:
    """The in-process client schemathesis itself makes for an ASGI app, made once, not per call.

    ``trust_env`` is off: the app is reached in-process, so the proxy and netrc settings that
    ``requests`` reads from the environment on every call never apply (they cost a tenth of
    the run). The cookie jar is emptied after each call: no call sees another's cookies."""
    with asgi.get_client(_app) as client:
        client.trust_env = False
        yield client


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None)
def test_the_server_conforms_to_its_schema(
    case: schemathesis.Case, role: str, tokens: dict[str, str], session: asgi.ASGIClient
) -> None:
    """Every check schemathesis has, for every role: any finding fails the test."""
    headers = {}
    # A fresh key per call, except where the case is about the key: overriding a too-long key
    # made schemathesis see it "accepted".
    own_key = _targets(case, "Idempotency-Key") or (
        _negative(case) and "Idempotency-Key" in (case.headers or {})
    )
    if not own_key:
        headers["Idempotency-Key"] = f"schemathesis-{uuid.uuid4()}"
    if not _targets(case, "Authorization"):
        headers["Authorization"] = f"Bearer {tokens[role]}"
    try:
        case.call_and_validate(
            session=session, headers=headers, additional_checks=[models_accept_valid_data]
        )
    finally:
        session.cookies.clear()
