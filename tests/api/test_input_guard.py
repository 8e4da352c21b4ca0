"""Bodies are checked before parsing: size limit, malformed JSON, control characters."""

from __future__ import annotations

import json

from branchdesk.clients.api import ApiClient
from branchdesk.clients.local.backend import Backend
from support.backend import logged_in


async def _post(client: ApiClient, path: str, content: bytes, key: str = "k1") -> tuple[int, dict]:
    response = await client._http.post(
        path,
        content=content,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {client.token}",
            "Idempotency-Key": key,
        },
    )
    return response.status_code, response.json()


async def test_a_body_over_the_limit_is_refused_before_parsing(backend: Backend) -> None:
    client = await logged_in(backend, "s001")
    status, body = await _post(client, "/v1/sessions", b'{"staff_id":"' + b"x" * 2_000_000 + b'"}')
    assert status == 413 and body["error"]["code"] == "body_too_large"
    await client.aclose()


async def test_the_limit_is_a_setting(backend: Backend) -> None:
    backend.settings.extra["body_limit_bytes"] = 100
    client = await logged_in(backend, "s001")
    status, body = await _post(client, "/v1/points/grants", b'{"note":"' + b"a" * 200 + b'"}')
    assert status == 413 and "100" in body["error"]["message"]
    await client.aclose()


async def test_malformed_bodies_have_their_own_code(backend: Backend) -> None:
    client = await logged_in(backend, "s001")
    cases = {
        "not_utf8": b'{"member_id": "\xff\xfe"}',
        "too_deep": b"[" * 100_000 + b"]" * 100_000,
        "number_too_long": b'{"points": ' + b"9" * 5000 + b"}",
        "not_json": b"{not json",
    }
    for n, (problem, content) in enumerate(cases.items()):
        status, body = await _post(client, "/v1/points/grants", content, key=f"k{n}")
        assert status == 400, problem
        assert body["error"]["code"] == "malformed_json"
        assert body["error"]["details"] == {"problem": problem}
    await client.aclose()


async def test_nul_and_bidi_controls_are_refused_in_text(backend: Backend) -> None:
    client = await logged_in(backend, "s001")
    for n, text in enumerate(["a\u0000b", "\u202eevil", "x\u2066y"]):
        payload = json.dumps({"member_id": "M000001", "points": 5, "note": text}).encode()
        status, body = await _post(client, "/v1/points/grants", payload, key=f"c{n}")
        assert status == 422
        assert body["error"]["code"] == "text_control_chars"
        assert body["error"]["details"] == [{"field": "note", "problem": "control_char"}]
    await client.aclose()
