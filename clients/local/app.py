"""The local backend's ASGI app: embedded in the TUI process or served by ``branchdesk serve``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from branchdesk import __version__
from branchdesk.clients.local import context, sealing, seed, sessions_routes
from branchdesk.clients.local.backend import Backend
from branchdesk.clients.local.card_write.routes import router as card_write_router
from branchdesk.clients.local.demo import sandbox_routes
from branchdesk.clients.local.demo.routes import router as preset_router
from branchdesk.clients.local.errors import DomainError, error_body, render
from branchdesk.clients.local.idempotency import IdempotencyMiddleware
from branchdesk.clients.local.installment.routes import router as installment_router
from branchdesk.clients.local.onboarding.routes import router as onboarding_router
from branchdesk.clients.local.points import routes as points_routes
from branchdesk.clients.local.settings import Settings
from branchdesk.clients.local.sim.routes import router as sim_router
from branchdesk.clients.local.store import MemoryStore, open_store

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
IDEMPOTENCY_EXEMPT = frozenset({("POST", "/v1/sessions")})


def create_app(backend: Backend) -> FastAPI:
    app = FastAPI(
        title="branchdesk API",
        version=__version__,
        description="The HTTP contract between branchdesk and its backends. "
        'Errors are {"error": {"code", "message", "details"}}; every state-changing '
        "request under /v1 (except POST /v1/sessions) needs an Idempotency-Key header.",
    )
    app.state.backend = backend
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(IdempotencyMiddleware, backend=backend, exempt=IDEMPOTENCY_EXEMPT)

    def lang() -> str:
        return context.get().lang

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message(lang()), exc.details), status_code=exc.status
        )

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
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "internal_error")
        return JSONResponse(error_body(code, render(code, lang())), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", render("internal_error", lang())), status_code=500
        )

    return app


def open_backend(
    data_dir: str | Path | None, *, demo: bool, settings: Settings | None = None
) -> Backend:
    """Open (or create) the store in ``data_dir`` and load demo data into an empty one."""
    store: MemoryStore = open_store(data_dir)
    try:
        settings = settings or Settings()
        sealer = sealing.sealer_for(Path(data_dir) if data_dir is not None else None)
        backend = Backend(store=store, settings=settings, sealer=sealer)
        meta = store.get("_meta", "store")
        if meta is None:
            seed.initialise(backend, demo=demo)
            meta = store.get("_meta", "store")
        settings.demo = bool(meta and meta.get("demo"))
        return backend
    except BaseException:
        store.close()
        raise


def openapi_document(app: FastAPI | None = None) -> dict[str, Any]:
    if app is None:
        app = create_app(Backend(store=MemoryStore(), settings=Settings()))
    return app.openapi()
