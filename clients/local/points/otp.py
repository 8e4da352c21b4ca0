"""SMS codes that approve one redemption: issue, verify, consume.

A code is 6 digits from ``secrets``, stored only as an HMAC (the key is derived from the store's
master key, which lives outside the data directory, so the files alone reveal no code) over
the redemption, its member, its points and amount, so it approves that redemption and amount
only. Valid for a few minutes, used once; a resend replaces it (only the
latest counts); too many wrong tries kill it; resends have a cooldown and each mobile gets a
limited number of codes per hour. The limits are server settings (``settings.extra``), with
the defaults below; ``BRANCHDESK_POINTS_<NAME>`` environment variables set them for a
``branchdesk serve`` process (a training room or a load test may need higher ones).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import os
import secrets
from datetime import datetime, timedelta

from branchdesk.clients.local import audit, context, pii
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.errors import SMS_UNAVAILABLE, DomainError, register_messages
from branchdesk.clients.local.store import Doc, Transaction

CHALLENGES = "otp_challenges"
KEY_DOC = "points_otp_key"
REDEMPTIONS_TABLE = "redemptions"
CODE_DIGITS = 6

DEFAULTS = {
    "otp_ttl_seconds": 300,
    "otp_max_tries": 3,
    "otp_resend_seconds": 60,
    "otp_per_hour": 5,
}

register_messages(
    {
        "otp_invalid": {
            "zh-CN": "验证码错误,还可尝试 {left} 次。",
            "en": "Wrong code; {left} {left|try|tries} left.",
        },
        "otp_dead": {
            "zh-CN": "验证码已失效(过期或错误次数过多),请重新获取。",
            "en": "The code is no longer valid (expired or too many tries); send a new one.",
        },
        "otp_cooldown": {
            "zh-CN": "验证码发送太频繁,请 {seconds} 秒后再试。",
            "en": "A code was sent moments ago; try again in {seconds} s.",
        },
        "otp_rate_limited": {
            "zh-CN": "该手机号一小时内获取验证码次数已达上限（{limit} 次），"
            "请 {minutes} 分钟后再试。",
            "en": "This mobile has had the most codes allowed in one hour ({limit}); "
            "the next code can be sent in {minutes} min.",
        },
        "sms_unavailable": SMS_UNAVAILABLE,
    }
)


def limit(backend: Backend, name: str) -> int:
    value = backend.settings.extra.get(f"points.{name}")
    if value is None:
        value = os.environ.get(f"BRANCHDESK_POINTS_{name.upper()}")
    try:
        return int(str(value)) if value is not None else DEFAULTS[name]
    except (TypeError, ValueError):
        return DEFAULTS[name]


def _server_key(backend: Backend) -> bytes:
    """The HMAC key, derived from the master key outside the data dir; never stored."""
    return backend.sealer.derive("points-otp")


def _mac(key: bytes, challenge_id: str, redemption: Doc, code: str) -> str:
    message = "|".join(
        [
            challenge_id,
            redemption["id"],
            redemption["member_id"],
            str(redemption["points"]),
            redemption["amount"],
            code,
        ]
    )
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def issue(
    txn: Transaction, backend: Backend, redemption: Doc, member: Doc, *, resend: bool = False
) -> Doc:
    """A new code for ``redemption`` sent to the member's mobile; returns the updated doc.

    The SMS goes out only when the transaction commits, so a refused request sends nothing.
    """
    if not backend.settings.sandbox:
        raise DomainError(503, "sms_unavailable")
    now = backend.settings.now()
    if resend and redemption.get("challenge_id"):
        previous = txn.get(CHALLENGES, redemption["challenge_id"])
        if previous is not None:
            wait = (
                limit(backend, "otp_resend_seconds")
                - (now - _parse(previous["created_at"])).total_seconds()
            )
            if wait > 0:
                seconds = int(wait + 0.999)
                raise DomainError(
                    429, "otp_cooldown", details={"retry_after": seconds}, seconds=seconds
                )
    mobile = pii.value(backend, "members", member, "mobile") or ""
    phone_key = pii.lookup_key(backend, "mobile", mobile)
    _check_hourly_limit(txn, backend, phone_key, now)
    if txn.get("_meta", KEY_DOC) is not None:
        txn.delete("_meta", KEY_DOC)  # a key stored by an older version: codes lay open
    key = _server_key(backend)
    challenge_id = f"C{txn.next_id(CHALLENGES):09d}"
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    expires = now + timedelta(seconds=limit(backend, "otp_ttl_seconds"))
    txn.put(
        CHALLENGES,
        challenge_id,
        {
            "id": challenge_id,
            "redemption_id": redemption["id"],
            "phone": phone_key,  # keyed hash: the store keeps no mobile
            "mac": _mac(key, challenge_id, redemption, code),
            "created_at": now.isoformat(timespec="seconds"),
            "expires_at": expires.isoformat(timespec="seconds"),
            "tries": 0,
            "state": "live",
        },
    )
    if redemption.get("challenge_id"):
        old = txn.get(CHALLENGES, redemption["challenge_id"])
        if old is not None and old["state"] == "live":
            txn.put(CHALLENGES, old["id"], {**old, "state": "replaced"})
    redemption = {
        **redemption,
        "challenge_id": challenge_id,
        "code_expires_at": expires.isoformat(timespec="seconds"),
        "code_sent_at": now.isoformat(timespec="seconds"),
    }
    txn.put(REDEMPTIONS_TABLE, redemption["id"], redemption)
    minutes = max(1, limit(backend, "otp_ttl_seconds") // 60)
    text = (
        f"【邮储积分】验证码 {code},用于兑换 {redemption['points']} 积分"
        f"(抵扣 {redemption['amount']} 元,单号 {redemption['id']}),{minutes} 分钟内有效。"
        "请勿告诉他人。"
    )
    phone, at, purpose = (
        mobile,
        now.isoformat(timespec="seconds"),
        f"redemption:{redemption['id']}",
    )
    txn.after_commit.append(lambda: backend.sms.send(phone, text, at, purpose))
    return redemption


def _check_hourly_limit(txn: Transaction, backend: Backend, phone: str, now: datetime) -> None:
    """At most ``otp_per_hour`` codes per mobile in an hour, not counting cancelled checkouts;
    a hard cap of twice that counts every code, so cancelling cannot be used to flood a phone.
    """
    hour_ago = now - timedelta(hours=1)
    stamped = [
        (_parse(c["created_at"]), c["state"]) for c in txn.store.lookup(CHALLENGES, "phone", phone)
    ]
    recent = sorted(at for at, _state in stamped if at > hour_ago)
    counted = sorted(at for at, state in stamped if at > hour_ago and state != "cancelled")
    per_hour = limit(backend, "otp_per_hour")
    for stamps, allowed in ((counted, per_hour), (recent, 2 * per_hour)):
        if len(stamps) >= allowed:
            free_at = stamps[len(stamps) - allowed] + timedelta(hours=1)
            seconds = max(1, int((free_at - now).total_seconds() + 0.999))
            minutes = max(1, (seconds + 59) // 60)
            raise DomainError(
                429,
                "otp_rate_limited",
                details={"limit": per_hour, "retry_after": seconds},
                limit=per_hour,
                minutes=minutes,
            )


def cancel(txn: Transaction, redemption: Doc) -> None:
    """The live code of a cancelled redemption dies and stops counting toward the hour's limit."""
    for challenge in txn.store.lookup(CHALLENGES, "redemption_id", redemption["id"]):
        if challenge["state"] in ("live", "replaced"):
            txn.put(CHALLENGES, challenge["id"], {**challenge, "state": "cancelled"})


def verify(backend: Backend, redemption: Doc, member: Doc, code: str) -> None:
    """Accept the latest live code of ``redemption``, or raise (recording the failed try).

    A failed try must outlive the refused request, whose transaction rolls back; it is written
    in a transaction of its own.
    """
    store = backend.store
    challenge = store.get(CHALLENGES, redemption.get("challenge_id") or "")
    now = backend.settings.now()
    if challenge is None or challenge["state"] != "live":
        raise DomainError(410, "otp_dead")
    if _parse(challenge["expires_at"]) <= now:
        _record_failure(backend, challenge, "expired")
        raise DomainError(410, "otp_dead")
    code = (code or "").strip()
    ok = (
        len(code) == CODE_DIGITS
        and code.isdigit()
        and hmac.compare_digest(
            _mac(_server_key(backend), challenge["id"], redemption, code),
            challenge["mac"],
        )
    )
    if ok:
        return
    tries = challenge["tries"] + 1
    max_tries = limit(backend, "otp_max_tries")
    dead = tries >= max_tries
    _record_failure(backend, challenge, "dead" if dead else "wrong", tries=tries)
    if dead:
        raise DomainError(410, "otp_dead")
    left = max_tries - tries
    raise DomainError(422, "otp_invalid", details={"tries_left": left}, left=left)


def _record_failure(
    backend: Backend, challenge: Doc, outcome: str, tries: int | None = None
) -> None:
    ctx = context.get()
    actor, key = ctx.staff_id, ctx.idempotency_key
    state = "live" if outcome == "wrong" else "dead"
    updated = {
        **challenge,
        "state": state,
        "tries": tries if tries is not None else challenge["tries"],
    }

    def write() -> None:
        context.current.set(context.RequestContext(staff_id=actor, idempotency_key=key))
        with backend.store.transaction() as txn:
            txn.put(CHALLENGES, challenge["id"], updated)
            audit.record(
                txn,
                f"redemption.otp_{outcome}",
                challenge["redemption_id"],
                backend.now_iso(),
                {"tries": updated["tries"]},
            )

    # A fresh context has no current transaction, so this one commits on its own.
    contextvars.Context().run(write)


def consume(txn: Transaction, redemption: Doc) -> None:
    challenge = txn.get(CHALLENGES, redemption["challenge_id"])
    if challenge is not None:
        txn.put(CHALLENGES, challenge["id"], {**challenge, "state": "used"})
