"""Plain operations answered by ``lean`` answer byte for byte as FastAPI answers them: the same
request to the app with and without the lean layer (one backend) gets the same status, headers
and body, for a success and for each way of being refused."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx

from branchdesk.clients.api import EMBEDDED_URL
from branchdesk.clients.local.app import ROUTERS, create_app
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.lean import plans
from support.backend import DEMO_PASSWORD

DEMO_MOBILE = "13800138000"
CODE = re.compile(r"验证码 ([0-9]{6})")
VOLATILE = re.compile(rb'"(R|C)\d{8,9}"|"\d{4}-\d\d-\d\dT[0-9:+]+"|"balance_after":\d+')
"""Ids, instants and balances: the two answers are two redemptions, made one after the other."""


class Pair:
    """One backend behind two apps: the lean layer on, and off."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.apps = [create_app(backend), create_app(backend, lean=False)]
        self.http = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url=EMBEDDED_URL)
            for a in self.apps
        ]

    async def login(self, staff_id: str) -> str:
        response = await self.http[0].post(
            "/v1/sessions", json={"staff_id": staff_id, "password": DEMO_PASSWORD}
        )
        return str(response.json()["token"])

    async def both(
        self,
        method: str,
        path: str,
        token: str | None,
        body: Any = None,
        *,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> list[httpx.Response]:
        answers = []
        for http in self.http:
            headers = {"Idempotency-Key": uuid.uuid4().hex, "Accept-Language": "en"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            if content_type:
                headers["Content-Type"] = content_type
            answers.append(
                await http.request(method, path, json=body, content=content, headers=headers)
            )
        return answers

    async def redemption_body(self, token: str) -> dict[str, Any]:
        """A redemption of one point of the demo member."""
        member = (
            await self.http[0].get(
                "/v1/members",
                params={"phone": DEMO_MOBILE},
                headers={"Authorization": f"Bearer {token}"},
            )
        ).json()
        return {"member_id": member["id"], "points": 1, "channel": "pos"}

    async def close(self) -> None:
        for http in self.http:
            await http.aclose()


def _same(answers: list[httpx.Response], status: int) -> dict[str, Any]:
    lean, plain = answers
    assert lean.status_code == plain.status_code == status, (lean.text, plain.text)
    assert lean.headers.multi_items() == plain.headers.multi_items()
    assert VOLATILE.sub(b"_", lean.content) == VOLATILE.sub(b"_", plain.content)
    return dict(lean.json())


def test_the_points_hot_path_is_lean() -> None:
    chosen = {(p.method, p.route.path) for p in plans([r for x in ROUTERS for r in x.routes])}
    assert {
        ("POST", "/v1/redemptions"),
        ("POST", "/v1/redemptions/{redemption_id}/verify"),
        ("GET", "/v1/sandbox/sms-outbox"),
    } <= chosen


async def test_redemption_answers_alike_with_and_without_the_lean_layer(
    backend: Backend,
) -> None:
    pair = Pair(backend)
    cashier, marketer = await pair.login("k001"), await pair.login("m001")
    body = await pair.redemption_body(cashier)
    created = await pair.both("POST", "/v1/redemptions", cashier, body)
    assert _same(created, 201)["status"] == "pending_otp"
    # Refusals: no session, a role that may not, a body that does not validate, not JSON at
    # all, another content type, and a rule's own refusal (a DomainError).
    assert _same(await pair.both("POST", "/v1/redemptions", None, body), 401)
    assert _same(await pair.both("POST", "/v1/redemptions", "nope", body), 401)
    assert _same(await pair.both("POST", "/v1/redemptions", marketer, body), 403)
    bad = {**body, "points": "1"}  # StrictInt
    assert _same(await pair.both("POST", "/v1/redemptions", cashier, bad), 422)
    missing = {"member_id": body["member_id"]}
    assert _same(await pair.both("POST", "/v1/redemptions", cashier, missing), 422)
    text = json.dumps(body).encode()
    for answers in (
        await pair.both("POST", "/v1/redemptions", cashier, content=b"{not json"),
        await pair.both("POST", "/v1/redemptions", cashier, content=text),
        await pair.both("POST", "/v1/redemptions", cashier, content=text, content_type="text/x"),
    ):
        lean, plain = answers
        assert (lean.status_code, lean.content) == (plain.status_code, plain.content)
    unknown = {**body, "member_id": "M999999"}
    assert _same(await pair.both("POST", "/v1/redemptions", cashier, unknown), 404)
    huge = {**body, "points": 10**6}
    assert _same(await pair.both("POST", "/v1/redemptions", cashier, huge), 409)
    # Verify: a wrong code (422, then the second app's try on its own redemption), a right one.
    ids = [r.json()["id"] for r in created]
    codes = [
        CODE.search(m["text"]).group(1)  # type: ignore[union-attr]
        for rid in ids
        for m in backend.sms.messages
        if m["purpose"] == f"redemption:{rid}"
    ]
    wrong = [
        await http.post(
            f"/v1/redemptions/{rid}/verify",
            json={"code": "000000" if code != "000000" else "111111"},
            headers={"Authorization": f"Bearer {cashier}", "Idempotency-Key": uuid.uuid4().hex},
        )
        for http, rid, code in zip(pair.http, ids, codes, strict=True)
    ]
    assert _same(wrong, 422)["error"]["details"] == {"tries_left": 2}
    settled = [
        await http.post(
            f"/v1/redemptions/{rid}/verify",
            json={"code": code},
            headers={"Authorization": f"Bearer {cashier}", "Idempotency-Key": uuid.uuid4().hex},
        )
        for http, rid, code in zip(pair.http, ids, codes, strict=True)
    ]
    assert _same(settled, 200)["status"] == "settled"
    again = await pair.both("POST", f"/v1/redemptions/{ids[0]}/verify", cashier, {"code": "1"})
    assert _same(again, 409)["error"]["code"] == "redemption_not_pending"
    trailing = await pair.both("POST", f"/v1/redemptions/{ids[0]}/verify/", cashier, {})
    assert trailing[0].status_code == trailing[1].status_code
    await pair.close()


async def test_outbox_answers_alike_with_and_without_the_lean_layer(backend: Backend) -> None:
    """Query parameters (FastAPI's own parsing), the endpoint's refusals, FastAPI's 422."""
    pair = Pair(backend)
    cashier, supervisor = await pair.login("k001"), await pair.login("s001")
    body = await pair.redemption_body(cashier)
    await pair.both("POST", "/v1/redemptions", cashier, body)
    outbox = "/v1/sandbox/sms-outbox"
    both = await pair.both("GET", f"{outbox}?phone={DEMO_MOBILE}", supervisor)
    assert len(both[0].json()) == 2 and both[0].content == both[1].content
    assert both[0].headers.multi_items() == both[1].headers.multi_items()
    for query, status in (
        (f"?phone={DEMO_MOBILE}&phone=13900000000&other=1", 200),
        ("", 422),  # the endpoint's phone_required
        ("?phone=", 422),  # FastAPI's min_length
        ("?phone=" + "1" * 40, 422),
    ):
        _same_list(await pair.both("GET", outbox + query, supervisor), status)
    _same_list(await pair.both("GET", f"{outbox}?phone={DEMO_MOBILE}", cashier), 403)
    await pair.close()


def _same_list(answers: list[httpx.Response], status: int) -> None:
    lean, plain = answers
    assert lean.status_code == plain.status_code == status, (lean.text, plain.text)
    assert lean.headers.multi_items() == plain.headers.multi_items()
    assert lean.content == plain.content
