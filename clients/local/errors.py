"""Domain errors with stable codes, rendered as ``{"error": {code, message, details}}``.

Each workflow module registers its own messages with ``register_messages``; a test checks that
every code has both a zh-CN and an en text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

LANGS = ("zh-CN", "en")
MESSAGES: dict[str, dict[str, str]] = {}

SMS_UNAVAILABLE = {
    "zh-CN": "短信通道不可用,无法发送验证码。",
    "en": "The SMS gateway is not available; no code can be sent.",
}
"""What every refusal to send a code says outside the sandbox: there is no SMS gateway yet."""


def register_messages(catalog: dict[str, dict[str, str]]) -> None:
    for code, texts in catalog.items():
        if code in MESSAGES and MESSAGES[code] != texts:
            raise ValueError(f"message code {code!r} registered twice with different texts")
        MESSAGES[code] = texts


class DomainError(Exception):
    """A refusal by the rules: HTTP ``status``, stable ``code``, message parameters."""

    def __init__(self, status: int, code: str, details: Any = None, **params: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.details = details
        self.params = params

    def message(self, lang: str) -> str:
        return render(self.code, lang, **self.params)


def render(code: str, lang: str, **params: Any) -> str:
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    text = texts.get(lang) or texts["en"]
    # A parameter may name a thing in both languages: {"zh-CN": ..., "en": ...}.
    params = {
        k: (v.get(lang) or v.get("en")) if isinstance(v, dict) and v and set(v) <= set(LANGS) else v
        for k, v in params.items()
    }
    text = _PLURAL.sub(lambda m: m[2] if str(params.get(m[1])) == "1" else m[3], text)
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


_PLURAL = re.compile(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}")
"""``{left|try|tries}``: the first word when the parameter is 1, else the second (the catalogs'
syntax, ``tui/i18n.py``); English needs it, Chinese texts have no plural."""


def negotiate_lang(accept_language: str | None) -> str:
    if not accept_language:
        return "en"
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def error_json(code: str, lang: str, details: Any = None, **params: Any) -> bytes:
    """The error body of ``code`` in ``lang``, encoded (for answers sent outside the routes)."""
    body = error_body(code, render(code, lang, **params), details)
    return json.dumps(body, ensure_ascii=False).encode()


async def send_error(
    send: Callable[[dict[str, Any]], Awaitable[None]],
    status: int,
    code: str,
    lang: str,
    details: Any = None,
    **params: Any,
) -> None:
    """Answer an ASGI request with the error ``code`` (the middlewares' refusals)."""
    payload = error_json(code, lang, details, **params)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


register_messages(
    {
        "not_found": {"zh-CN": "未找到所请求的资源。", "en": "Not found."},
        "validation_error": {
            "zh-CN": "请求内容不正确,请检查各字段。",
            "en": "The request is not valid; check the fields.",
        },
        "internal_error": {
            "zh-CN": "服务器内部错误,请稍后重试。",
            "en": "Internal server error; please try again.",
        },
        "bad_request": {"zh-CN": "请求无效。", "en": "Bad request."},
        "method_not_allowed": {"zh-CN": "不支持该操作。", "en": "Method not allowed."},
        "unauthenticated": {
            "zh-CN": "请先登录。",
            "en": "Please log in first.",
        },
        "session_expired": {
            "zh-CN": "登录已过期,请重新登录。",
            "en": "Your session has expired; please log in again.",
        },
        "forbidden": {
            "zh-CN": "您的角色无权执行此操作。",
            "en": "Your role is not allowed to do this.",
        },
        "bad_credentials": {
            "zh-CN": "工号或密码错误(还可尝试 {left} 次)。",
            "en": "Wrong staff ID or password ({left} {left|try|tries} left).",
        },
        "account_locked": {
            "zh-CN": "工号 {staff_id} 已被锁定,请于 {until} 后再试。",
            "en": "Staff ID {staff_id} is locked until {until}.",
        },
        "idempotency_key_missing": {
            "zh-CN": "缺少 Idempotency-Key 请求头。",
            "en": "The Idempotency-Key header is required.",
        },
        "idempotency_key_invalid": {
            "zh-CN": "Idempotency-Key 不能超过 255 个字符。",
            "en": "The Idempotency-Key must be at most 255 characters.",
        },
        "idempotency_key_reused": {
            "zh-CN": "该 Idempotency-Key 已用于另一个请求。",
            "en": "This Idempotency-Key was already used for a different request.",
        },
        "store_write_failed": {
            "zh-CN": "数据未能保存(磁盘写入失败),本次操作未生效,请稍后重试。",
            "en": "The change could not be saved (disk write failed); nothing was changed. "
            "Try again later.",
        },
        "store_read_only": {
            "zh-CN": "数据存储已停止接受修改,请联系管理员重启服务。",
            "en": "The store has stopped taking changes; ask an administrator to restart it.",
        },
        "idempotency_in_progress": {
            "zh-CN": "相同的请求仍在处理中,请稍候。",
            "en": "The same request is still being processed; wait a moment.",
        },
    }
)
