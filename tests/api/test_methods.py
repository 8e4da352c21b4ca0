"""A method no operation answers is 405 with every method of the path in ``Allow``, never an
Idempotency-Key refusal (the request changes nothing)."""

from __future__ import annotations

import re

import httpx
import pytest

from branchdesk.clients.api import EMBEDDED_URL
from branchdesk.clients.local.app import METHODS, ROUTERS, _routed, app_operations, create_app
from branchdesk.clients.local.backend import Backend
from support.backend import DEMO_PASSWORD


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/v1/agents", "GET"),
        ("OPTIONS", "/v1/customers", "GET, POST"),
        ("DELETE", "/v1/customers", "GET, POST"),
        ("PATCH", "/v1/members", "GET, POST"),
        ("PUT", "/v1/sessions/current", "GET, DELETE"),
    ],
)
async def test_undeclared_method_is_405_with_allow(
    backend: Backend, method: str, path: str, allow: str
) -> None:
    transport = httpx.ASGITransport(app=create_app(backend))
    async with httpx.AsyncClient(transport=transport, base_url=EMBEDDED_URL) as http:
        token = (
            await http.post("/v1/sessions", json={"staff_id": "s001", "password": DEMO_PASSWORD})
        ).json()["token"]
        for headers in ({}, {"Idempotency-Key": "k1"}):
            headers["Authorization"] = f"Bearer {token}"
            response = await http.request(method, path, headers=headers)
            assert response.status_code == 405, response.text
            assert response.headers["Allow"] == allow
            assert response.json()["error"]["code"] == "method_not_allowed"


def test_operations_answer_as_the_router_does(backend: Backend) -> None:
    """The idempotency check's one-pattern lookup (``Operations``) says, for every method on
    every operation's path (parameters filled in, a trailing slash, an extra segment), exactly
    what a walk of the router's routes says."""
    app = create_app(backend)
    operations = app_operations(app)
    paths = {"/", "/v1/", "/nowhere"}
    for route in app.routes:
        path = getattr(route, "path", None)
        if path is None:
            for router in ROUTERS:
                paths.update(r.path for r in router.routes)  # type: ignore[attr-defined]
            continue
        paths.add(path)
    filled = {re.sub(r"\{[^}]+\}", "X1", p) for p in paths}
    probes = filled | {p + "/" for p in filled} | {p + "/extra" for p in filled}
    checked = 0
    for path in sorted(probes):
        scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
        for method in METHODS:
            assert operations.answers(scope, method) == _routed(app, scope, method), (method, path)
            checked += operations.answers(scope, method)
    assert checked > 60
