"""The local backend's ASGI app: embedded in the TUI process or served by ``branchdesk serve``."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette._utils import get_route_path
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, Route

from branchdesk import __version__
from branchdesk.clients.local import context, sealing, seed, sessions_routes
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.body_guard import BodyGuard
from branchdesk.clients.local.card_write.routes import router as card_write_router
from branchdesk.clients.local.demo import sandbox_routes
from branchdesk.clients.local.demo.routes import router as preset_router
from branchdesk.clients.local.errors import DomainError, error_body, render
from branchdesk.clients.local.idempotency import (
    IdempotencyMiddleware,
    purge_expired,
    store_error_code,
)
from branchdesk.clients.local.installment.routes import router as installment_router
from branchdesk.clients.local.lean import LeanOperations, plans
from branchdesk.clients.local.onboarding.routes import router as onboarding_router
from branchdesk.clients.local.points import routes as points_routes
from branchdesk.clients.local.settings import Settings
from branchdesk.clients.local.sim.routes import router as sim_router
from branchdesk.clients.local.store import MemoryStore, StoreError, open_store

log = logging.getLogger("branchdesk.server")

ROUTERS = [
    sessions_routes.router,
    installment_router,
    sandbox_routes.router,
    sim_router,
    points_routes.router,
    onboarding_router,
    preset_router,
    card_write_router,
]
SANDBOX_PREFIX = "/v1/sandbox/"
IDEMPOTENCY_EXEMPT = frozenset({("POST", "/v1/sessions")})


def _without_sandbox(router: APIRouter) -> APIRouter:
    """``router`` less its /v1/sandbox routes: no fake side channel, no simulated customer,
    no scenario reset on a backend that is not a sandbox (404, not even a 403)."""
    kept = APIRouter()
    kept.routes.extend(
        r for r in router.routes if not getattr(r, "path", "").startswith(SANDBOX_PREFIX)
    )
    return kept


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _routed(app: FastAPI, scope: Any, method: str) -> bool:
    """Whether an operation of ``app`` answers ``method`` on the scope's path."""
    probe = {**scope, "method": method}
    return any(route.matches(probe)[0] == Match.FULL for route in app.router.routes)


_GROUP = re.compile(r"\(\?P<\w+>")


class Operations:
    """Which methods the routes answer on a path: one compiled pattern per method (every
    route's own path pattern, joined), so the idempotency check of a routed request costs one
    regex match instead of a second walk of the router (``_routed``, which answers a miss)."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        patterns: dict[str, list[str]] = {}
        for route in routes:
            if not isinstance(route, Route):
                raise TypeError(f"not a plain route: {route!r}")
            for method in route.methods or ():
                patterns.setdefault(method, []).append(_GROUP.sub("(?:", route.path_regex.pattern))
        self._by_method = {
            method: re.compile("|".join(f"(?:{p})" for p in found))
            for method, found in patterns.items()
        }

    def answers(self, scope: Any, method: str | None = None) -> bool:
        """Whether an operation answers ``method`` (the scope's own by default) on its path."""
        pattern = self._by_method.get(method or scope["method"])
        return pattern is not None and pattern.match(get_route_path(scope)) is not None


def app_operations(app: FastAPI) -> Operations:
    operations: Operations = app.state.operations
    return operations


def create_app(backend: Backend, *, lean: bool = True) -> FastAPI:
    """The API on ``backend``; ``lean``: plain operations skip FastAPI's per-request machinery
    (``lean``; off only to compare the two ways in tests)."""
    app = FastAPI(
        title="branchdesk API",
        version=__version__,
        description="The HTTP contract between branchdesk and its backends. "
        'Errors are {"error": {"code", "message", "details"}}; every state-changing '
        "request under /v1 (except POST /v1/sessions) needs an Idempotency-Key header.",
    )
    app.state.backend = backend
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    included = [r if backend.settings.sandbox else _without_sandbox(r) for r in ROUTERS]
    for router in included:
        app.include_router(router)
    # The app's own routes (OpenAPI, docs), then the operations of the included routers.
    own = [r for r in app.router.routes if isinstance(r, Route)]
    operations = Operations([*own, *(r for router in included for r in router.routes)])
    app.state.operations = operations
    if lean:
        # Innermost: inside the idempotency middleware's transaction, as the routes are.
        routes = [r for router in included for r in router.routes]
        app.add_middleware(LeanOperations, fastapi=app, plans=plans(routes))
    app.add_middleware(
        IdempotencyMiddleware,
        backend=backend,
        exempt=IDEMPOTENCY_EXEMPT,
        # A route added to the app later is not in ``operations``: a miss asks the router.
        routed=lambda scope: operations.answers(scope) or _routed(app, scope, scope["method"]),
    )
    app.add_middleware(BodyGuard, backend=backend)  # outermost: limits before any parsing

    def lang() -> str:
        return context.get().lang

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        retry = exc.details.get("retry_after") if isinstance(exc.details, dict) else None
        return JSONResponse(
            error_body(exc.code, exc.message(lang()), exc.details),
            status_code=exc.status,
            headers={"Retry-After": str(retry)} if isinstance(retry, int) else None,
        )

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        code = store_error_code(exc)
        log.error("store refused a write on %s %s: %s", request.method, request.url.path, exc)
        return JSONResponse(error_body(code, render(code, lang())), status_code=503)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e["loc"][1:]), "problem": e["type"]}
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body("validation_error", render("validation_error", lang()), details),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            400: "malformed_json",
            404: "not_found",
            405: "method_not_allowed",
            413: "body_too_large",
        }.get(exc.status_code, "internal_error" if exc.status_code >= 500 else "bad_request")
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            # Every method of the path, not only those of the first route that matched it.
            headers["Allow"] = ", ".join(m for m in METHODS if _routed(app, request.scope, m))
        return JSONResponse(
            error_body(code, render(code, lang(), limit="")),
            status_code=exc.status_code,
            headers=headers or None,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", render("internal_error", lang())), status_code=500
        )

    return app


def open_backend(
    data_dir: str | Path | None,
    *,
    demo: bool,
    settings: Settings | None = None,
    sandbox: bool = False,
    recover: bool = False,
) -> Backend:
    """Open (or create) the store in ``data_dir`` and load demo data into an empty one.

    ``sandbox``: the fake side channels (SMS outbox) of the embedded backend and of
    ``serve --demo``, used when ``settings`` is not given; ``recover``: see ``FileStore``.
    """
    store: MemoryStore = open_store(data_dir, recover=recover)
    try:
        settings = settings or Settings(sandbox=sandbox)
        sealer = sealing.sealer_for(Path(data_dir) if data_dir is not None else None)
        backend = Backend(store=store, settings=settings, sealer=sealer)
        if store.get("_meta", "store") is None:
            seed.initialise(backend, demo=demo)
        return ready(backend)
    except BaseException:
        store.close()
        raise


def ready(backend: Backend) -> Backend:
    """A backend whose store holds its data: demo mode as the store says, expired records gone."""
    meta = backend.store.get("_meta", "store")
    backend.settings.demo = bool(meta and meta.get("demo"))
    purge_expired(backend)
    return backend


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
        }
    },
}
ERROR_TEXTS = {
    "400": "malformed_json, idempotency_key_missing or idempotency_key_invalid",
    "401": "unauthenticated, session_expired or bad_credentials",
    "403": "forbidden: the role may not do this",
    "404": "not found",
    "409": "a rule refuses the change now, or the same request is still running",
    "410": "gone (a code or link that is no longer valid)",
    "413": "body_too_large",
    "422": "validation_error, a rule's refusal, or idempotency_key_reused",
    "429": "rate limited: details.retry_after says how many seconds to wait",
    "503": "store_write_failed or store_read_only: nothing was changed",
}
PUBLIC = {("GET", "/health"), ("GET", "/v1/meta"), ("POST", "/v1/sessions")}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus what it cannot see: the bearer scheme, the Idempotency-Key
    header, and the error answers every operation can give, all with the error body."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})["ErrorBody"] = ERROR_SCHEMA
    components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            verb = method.upper()
            codes = {"400", "413", "422"} if verb in ("POST", "PUT", "PATCH", "DELETE") else set()
            if (verb, path) not in PUBLIC:
                operation["security"] = [{"bearer": []}]
                codes |= {"401", "403", "404", "409", "410", "422", "429"}
            if verb in ("POST", "PUT", "PATCH", "DELETE"):
                codes |= {"409", "503"}
                if (verb, path) not in PUBLIC:
                    operation.setdefault("parameters", []).append(
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": True,
                            "description": "One key per user action; a retry with the same "
                            "key and body replays the first answer.",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                        }
                    )
            if (verb, path) == ("POST", "/v1/sessions"):
                codes |= {"401", "429"}
            if "{" in path:
                codes.add("404")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                existing = responses.get(code, {})
                responses[code] = {
                    "description": existing.get("description") or ERROR_TEXTS[code],
                    "content": {"application/json": {"schema": ref}},
                }
            if "422" in responses:
                responses["422"]["content"] = {"application/json": {"schema": ref}}
    components["schemas"].pop("HTTPValidationError", None)
    components["schemas"].pop("ValidationError", None)
    app.openapi_schema = doc
    return doc


def openapi_document(app: FastAPI | None = None) -> dict[str, Any]:
    if app is None:
        app = create_app(Backend(store=MemoryStore(), settings=Settings(sandbox=True)))
    return app.openapi()
