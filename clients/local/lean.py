"""Plain operations answered without FastAPI's per-request machinery.

An operation is *plain* when its endpoint takes only its path parameters (text), query and
header parameters, at most one JSON body model, the ``Request`` and the staff member of
``auth.require``: creating a redemption, verifying its code and reading the sandbox outbox
are. For those, ``LeanOperations`` (the innermost ASGI layer, so the body guard, the
idempotency middleware and its transaction wrap it as they wrap FastAPI) reads the parameters
with FastAPI's own ``request_params_to_args``, validates the body with the operation's own
body field, calls the endpoint, answers with FastAPI's own response serialisation, and hands a
refusal to the app's own exception handlers.

Anything it is not sure of is left to FastAPI, which then answers exactly as it always does:
a missing or expired session, a role the operation refuses, a parameter that does not
validate (or a query string for an operation without query parameters), a body that is not
``application/json`` or does not validate, a path that needs a redirect. So every error
body and every status stays FastAPI's; only the requests that get as far as the endpoint
take the short way (one regex match, no dependency solving, no telemetry).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi._compat import ModelField
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.utils import request_params_to_args
from fastapi.routing import APIRoute, serialize_response
from pydantic import BaseModel
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import Response

from branchdesk.clients.local import auth, context, replies

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Plan:
    """How to call one plain operation's endpoint."""

    route: APIRoute
    method: str
    pattern: re.Pattern[str]
    roles: tuple[str, ...]
    staff_name: str
    request_name: str | None
    path_names: tuple[str, ...]
    query: list[ModelField]
    header: list[ModelField]
    body: ModelField | None
    status: int


def plan(route: APIRoute) -> Plan | None:
    """The plan of ``route``, or None when FastAPI must answer it (anything but plain)."""
    dependant = route.dependant
    if (
        not inspect.iscoroutinefunction(route.endpoint)
        or len(route.methods or ()) != 1
        or route.dependencies
        or route.response_field is None
        or route.response_model_include is not None
        or route.response_model_exclude is not None
        or route.response_model_exclude_unset
        or route.response_model_exclude_defaults
        or route.response_model_exclude_none
        or not route.response_model_by_alias
        or not isinstance(route.response_class, DefaultPlaceholder)
        or dependant.cookie_params
        or len(dependant.body_params) > 1
        or len(dependant.dependencies) != 1
        or any(
            getattr(dependant, name) is not None
            for name in (
                "response_param_name",
                "background_tasks_param_name",
                "websocket_param_name",
                "http_connection_param_name",
                "security_scopes_param_name",
            )
        )
    ):
        return None
    staff = dependant.dependencies[0]
    roles = auth.REQUIRED_ROLES.get(staff.call) if staff.call is not None else None
    if roles is None or staff.name is None or staff.dependencies:
        return None
    if any(
        p.field_info.annotation is not str or p.field_info.metadata for p in dependant.path_params
    ):
        return None
    body = dependant.body_params[0] if dependant.body_params else None
    if body is not None:
        model = body.field_info.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or getattr(
            body.field_info, "embed", None
        ):
            return None
    return Plan(
        route=route,
        method=next(iter(route.methods or ())),
        pattern=route.path_regex,
        roles=roles,
        staff_name=staff.name,
        request_name=dependant.request_param_name,
        path_names=tuple(p.name for p in dependant.path_params),
        query=list(dependant.query_params),
        header=list(dependant.header_params),
        body=body,
        status=route.status_code or 200,
    )


def plans(routes: list[Any]) -> list[Plan]:
    return [p for p in (plan(r) for r in routes if isinstance(r, APIRoute)) if p is not None]


class LeanOperations:
    """The innermost ASGI layer: plain operations by ``plans``, everything else to ``app``."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI, plans: list[Plan]) -> None:
        self.app = app
        self.fastapi = fastapi
        self._by_method: dict[str, list[Plan]] = {}
        for p in plans:
            self._by_method.setdefault(p.method, []).append(p)

    def _find(self, scope: Scope) -> tuple[Plan, dict[str, str]] | None:
        if scope.get("root_path"):
            return None
        for p in self._by_method.get(scope["method"], ()):
            match = p.pattern.match(scope["path"])
            if match is not None:
                if scope["query_string"] and not p.query:
                    return None
                return p, match.groupdict()
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._find(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        chosen, path_values = found
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)  # the first of a repeated header, as Starlette reads
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        staff = auth.resolve_token(
            self.fastapi.state.backend, replies.bearer({"authorization": authorization})
        )
        if staff is None or (chosen.roles and not staff.has(*chosen.roles)):
            await self.app(scope, receive, send)  # FastAPI answers 401 / 403
            return
        values: dict[str, Any] = dict(path_values)
        for fields, received in (
            (chosen.query, QueryParams(scope["query_string"])),
            (chosen.header, Headers(scope=scope)),
        ):
            if fields:
                params, errors = request_params_to_args(fields, received)
                if errors:
                    await self.app(scope, receive, send)  # FastAPI's 422 answer
                    return
                values.update(params)
        body = b""
        if chosen.body is not None:
            body = await replies.read_body(receive)
            model = _parsed(chosen.body, body, headers.get(b"content-type"))
            if model is None:
                await self.app(
                    scope, replies.replaying(body, receive), send
                )  # FastAPI's 4xx answer
                return
            values[chosen.body.name] = model
        context.get().staff_id = staff.id
        request = Request(scope, replies.replaying(body, receive))
        values[chosen.staff_name] = staff
        if chosen.request_name is not None:
            values[chosen.request_name] = request
        try:
            result = await chosen.route.endpoint(**values)
            content = await serialize_response(
                field=chosen.route.response_field, response_content=result, dump_json=True
            )
            response: Response = Response(
                content=content, status_code=chosen.status, media_type="application/json"
            )
        except Exception as exc:
            handler = self._handler(exc)
            if handler is None:
                raise
            response = await handler(request, exc)  # the app's handlers are all async
        await response(scope, receive, send)

    def _handler(self, exc: Exception) -> Callable[[Request, Exception], Any] | None:
        """The app's handler for ``exc``, as FastAPI's exception middleware would choose it
        (``Exception`` itself is the server-error handler, outside: let it propagate)."""
        for cls in type(exc).__mro__:
            if cls is Exception:
                return None
            handler = self.fastapi.exception_handlers.get(cls)
            if handler is not None:
                return handler
        return None


def _parsed(field: ModelField, body: bytes, content_type: bytes | None) -> Any:
    """``body`` validated by the operation's own body field, as FastAPI validates it, when it
    is JSON that passes; else None (then FastAPI answers, with its own error)."""
    if content_type != b"application/json" or not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    value, errors = field.validate(data, {}, loc=("body",))
    return None if errors else value
