"""Request bodies checked before any route parses them.

- a size limit (1 MB; larger for the batch routes named in ``LARGE_BODY_PREFIXES``, settings
  ``body_limit_bytes`` / ``batch_body_limit_bytes``), enforced while the body streams in;
- JSON that is not UTF-8, not JSON, nested too deep or holding absurd numbers → 400
  ``malformed_json`` (never ``internal_error``);
- text with NUL or bidirectional control characters → 422 ``text_control_chars``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from branchdesk.clients.local import replies
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import negotiate_lang, register_messages, send_error

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_LIMIT = 1_000_000
BATCH_BODY_LIMIT = 20_000_000
LARGE_BODY_PREFIXES = ("/v1/sim/", "/v1/points/imports")
MAX_DEPTH = 64
MAX_NUMBER_DIGITS = 40
FORBIDDEN = re.compile("[\x00\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

register_messages(
    {
        "body_too_large": {
            "zh-CN": "请求内容过大(上限 {limit} 字节)。",
            "en": "The request body is too large (at most {limit} bytes).",
        },
        "malformed_json": {
            "zh-CN": "请求内容不是有效的 JSON(UTF-8)。",
            "en": "The request body is not valid JSON (UTF-8).",
        },
        "text_control_chars": {
            "zh-CN": "文本中含有不允许的控制字符(空字符或文字方向控制符)。",
            "en": "The text holds characters that are not allowed (NUL or direction controls).",
        },
    }
)


class _TooDeep(Exception):
    pass


class _TooLong(Exception):
    pass


def _number(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if len(text) > MAX_NUMBER_DIGITS:
            raise _TooLong
        return kind(text)

    return parse


def _check(value: Any, path: list[str], depth: int = 0) -> list[str] | None:
    """The path of the first string holding a forbidden character, else None."""
    if depth > MAX_DEPTH:
        raise _TooDeep
    if isinstance(value, str):
        return path if FORBIDDEN.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if FORBIDDEN.search(key):
                return [*path, key]
            found = _check(item, [*path, key], depth + 1)
            if found is not None:
                return found
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found = _check(item, [*path, str(n)], depth + 1)
            if found is not None:
                return found
    return None


class BodyGuard:
    def __init__(self, app: ASGIApp, backend: Backend) -> None:
        self.app = app
        self.backend = backend

    def _limit(self, path: str) -> int:
        settings = self.backend.settings
        name, default = (
            ("batch_body_limit_bytes", BATCH_BODY_LIMIT)
            if path.startswith(LARGE_BODY_PREFIXES)
            else ("body_limit_bytes", BODY_LIMIT)
        )
        value = settings.get(name, default)
        return value if isinstance(value, int) else default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        lang = negotiate_lang(headers.get("accept-language"))
        limit = self._limit(scope["path"])
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await send_error(send, 413, "body_too_large", lang, limit=limit)
            return
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await send_error(send, 413, "body_too_large", lang, limit=limit)
                return
            parts.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(parts)
        if body and "json" in headers.get("content-type", "json"):
            problem = _inspect(body)
            if problem is not None:
                status, code, details = problem
                await send_error(send, status, code, lang, details=details)
                return
        await self.app(scope, replies.replaying(body, receive), send)


def _inspect(body: bytes) -> tuple[int, str, Any] | None:
    try:
        value = json.loads(body.decode("utf-8"), parse_int=_number(int), parse_float=_number(float))
        found = _check(value, [])
    except _TooLong:
        return 400, "malformed_json", {"problem": "number_too_long"}
    except UnicodeDecodeError:
        return 400, "malformed_json", {"problem": "not_utf8"}
    except (_TooDeep, RecursionError):
        return 400, "malformed_json", {"problem": "too_deep"}
    except ValueError:
        return 400, "malformed_json", {"problem": "not_json"}
    if found is not None:
        return 422, "text_control_chars", [{"field": ".".join(found), "problem": "control_char"}]
    return None
