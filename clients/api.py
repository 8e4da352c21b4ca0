"""The one API client: httpx against the embedded ASGI app or a remote backend over HTTP(S).

Every state-changing call takes an ``Action`` — one per user action — whose idempotency key is
reused by every retry of that action, so a dropped connection never applies a change twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

import httpx

from branchdesk.clients.errors import ApiError, BackendUnreachable

if TYPE_CHECKING:
    from branchdesk.clients.models import MetaOut, SessionOut, SmsMessage, StaffOut

_T = TypeVar("_T")

EMBEDDED_URL = "http://local.branchdesk"
RETRYABLE = (httpx.TransportError,)
# httpx logs every request line at INFO, query string included (``?phone=<full mobile>``):
# whatever logging an embedding program sets up, those lines stay out of its log.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Action:
    """One user action; its key makes retries of that action safe."""

    key: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True)
class StaffInfo:
    id: str
    name: str
    roles: tuple[str, ...]
    branch: str
    dept_id: str | None = None

    @classmethod
    def from_json(cls, data: StaffOut) -> StaffInfo:
        return cls(
            id=data["id"],
            name=data["name"],
            roles=tuple(data["roles"]),
            branch=data["branch"],
            dept_id=data.get("dept_id"),
        )


PHONE_KEY_HEADER = "X-Sandbox-Phone-Key"


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in {"localhost", "::1"} or host.startswith("127.")


def check_api_url(url: str, insecure: bool) -> str | None:
    """Why ``url`` may not be used, or None. Plain HTTP is allowed on loopback only."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "api_url_invalid"
    if parts.scheme == "http" and not is_loopback(url) and not insecure:
        return "api_url_insecure"
    return None


class ApiClient:
    """Async client for the branchdesk API; see ``clients/openapi.json`` for the contract."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        lang: str = "zh-CN",
        timeout: float = 10.0,
        retries: int = 3,
        retry_delay: float = 0.3,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.embedded = transport is not None and base_url == EMBEDDED_URL
        self.lang = lang
        self.retries = retries
        self.retry_delay = retry_delay
        self.token: str | None = None
        self.staff: StaffInfo | None = None
        self.online: bool | None = None
        self.on_online_change: list[Callable[[bool], None]] = []
        self.phone_key: str | None = None
        """The sandbox's simulated-phone key, where this process may hold it (see
        ``clients/local/demo/sandbox_routes.py``); None elsewhere."""
        self._http = httpx.AsyncClient(base_url=self.base_url, transport=transport, timeout=timeout)

    @classmethod
    def for_asgi(cls, app: Any, **kwargs: Any) -> ApiClient:
        return cls(EMBEDDED_URL, transport=httpx.ASGITransport(app=app), **kwargs)

    @property
    def label(self) -> str:
        return "local" if self.embedded else self.base_url

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- transport --------------------------------------------------------------------------
    def _set_online(self, online: bool) -> None:
        if self.online != online:
            self.online = online
            for callback in list(self.on_online_change):
                callback(online)

    def _headers(self, action: Action | None) -> dict[str, str]:
        headers = {"Accept-Language": self.lang}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if action is not None:
            headers["Idempotency-Key"] = action.key
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        action: Action | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send a request, retrying transport failures (with the same idempotency key)."""
        if method != "GET" and action is None and path != "/v1/sessions":
            action = Action()
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    method,
                    path,
                    json=json,
                    params=params,
                    headers={**self._headers(action), **(headers or {})},
                )
            except RETRYABLE as exc:
                attempt += 1
                if attempt > self.retries:
                    self._set_online(False)
                    raise BackendUnreachable(self.label, type(exc).__name__) from exc
                await asyncio.sleep(self.retry_delay * attempt)
                continue
            if response.status_code == 503 and _code(response) == "store_unavailable":
                # The server is up but its database is not: offline, exactly as unreachable
                # (nothing was applied; the retry carries the same key).
                attempt += 1
                if attempt > self.retries:
                    self._set_online(False)
                    raise BackendUnreachable(self.label, "store_unavailable")
                await asyncio.sleep(self.retry_delay * attempt)
                continue
            if response.status_code == 503 and _code(response) in ("store_conflict", "store_busy"):
                # The shared database gave up re-running this request against concurrent
                # changes, or had no free connection for it: nothing was applied, and the
                # same key makes the retry safe.
                attempt += 1
                if attempt <= self.retries:
                    await asyncio.sleep(self.retry_delay * attempt * random.uniform(1.0, 2.0))
                    continue
            if response.status_code == 409 and _code(response) == "idempotency_in_progress":
                attempt += 1
                if attempt <= self.retries:
                    await asyncio.sleep(self.retry_delay * attempt)
                    continue
            self._set_online(True)
            return _result(response)

    async def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return await self.request("GET", path, params=clean or None)

    async def post(self, path: str, body: Any, action: Action | None = None, **params: Any) -> Any:
        return await self.request("POST", path, json=body, params=params or None, action=action)

    # The typed forms: ``model`` (a generated TypedDict in ``clients/models.py``, or ``list[...]``
    # of one) names what the contract returns; the request itself is exactly ``get`` / ``post``.
    async def get_as(self, model: type[_T], path: str, **params: Any) -> _T:
        return cast("_T", await self.get(path, **params))

    async def post_as(
        self, model: type[_T], path: str, body: Any, action: Action | None = None, **params: Any
    ) -> _T:
        return cast("_T", await self.post(path, body, action, **params))

    # -- sessions and meta ------------------------------------------------------------------
    async def health(self) -> bool:
        try:
            await self.get("/health")
        except (BackendUnreachable, ApiError):
            return False
        return True

    async def meta(self) -> MetaOut:
        return cast("MetaOut", await self.get("/v1/meta"))

    async def login(self, staff_id: str, password: str) -> StaffInfo:
        data = cast(
            "SessionOut",
            await self.request(
                "POST", "/v1/sessions", json={"staff_id": staff_id, "password": password}
            ),
        )
        self.token = data["token"]
        self.staff = StaffInfo.from_json(data["staff"])
        return self.staff

    async def resume(self, token: str) -> StaffInfo:
        """Use a stored token; raises ApiError(401) when it is no longer valid."""
        self.token = token
        try:
            current = cast("StaffOut", await self.get("/v1/sessions/current"))
            self.staff = StaffInfo.from_json(current)
        except ApiError:
            self.token = None
            raise
        return self.staff

    async def logout(self) -> None:
        if self.token:
            try:
                await self.request("DELETE", "/v1/sessions/current")
            finally:
                self.token = None
                self.staff = None

    @property
    def has_simulated_phone(self) -> bool:
        """Whether this process may read the whole sandbox outbox (the simulated phone)."""
        return self.phone_key is not None

    async def sms_outbox(self, phone: str | None = None) -> list[SmsMessage]:
        """The sandbox's SMS outbox: a trainer or supervisor reads one ``phone``; the simulated
        phone (``has_simulated_phone``) reads every message."""
        headers = {PHONE_KEY_HEADER: self.phone_key} if self.phone_key else None
        params = {"phone": phone} if phone else None
        result = await self.request("GET", "/v1/sandbox/sms-outbox", params=params, headers=headers)
        return cast("list[SmsMessage]", result)


def _code(response: httpx.Response) -> str | None:
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    return code if isinstance(code, str) else None


def _result(response: httpx.Response) -> Any:
    if response.status_code == 204:
        return None
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.is_success:
        return data
    error = (data or {}).get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        raise ApiError(
            response.status_code,
            str(error.get("code", "unknown")),
            str(error.get("message", "")),
            error.get("details"),
        )
    raise ApiError(response.status_code, "http_error", response.reason_phrase or "")
