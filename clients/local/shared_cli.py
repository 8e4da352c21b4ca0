"""``serve --database`` and ``branchdesk db upgrade|export|import``: the shared server's CLI.

Imports stay inside the functions: building the command line must not load psycopg.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

DATABASE_ENV = "BRANCHDESK_DATABASE_URL"
SANDBOX_ENV = "BRANCHDESK_SERVE_SANDBOX"
"""Set for the worker processes of ``serve --demo --workers N``."""


def _fail(message: str) -> int:
    print(f"branchdesk: {message}", file=sys.stderr)
    return 1


def serve(args: argparse.Namespace, url: str) -> int:
    """The API on PostgreSQL; ``--workers N`` runs N processes (uvicorn) on one database."""
    import uvicorn

    from branchdesk.clients.local.app import create_app
    from branchdesk.clients.local.pg_store import SchemaOutdated, StoreUnavailable
    from branchdesk.clients.local.shared_backend import open_shared_backend

    try:
        backend = open_shared_backend(url, demo=args.demo, upgrade=args.upgrade, sandbox=args.demo)
    except SchemaOutdated as exc:
        return _fail(f"serve: {exc}")
    except StoreUnavailable:
        return _fail("serve: the database cannot be reached")
    from branchdesk.clients.local.demo.sandbox_routes import phone_key_from_env

    backend.phone_key = phone_key_from_env() if args.demo else None
    workers = max(1, args.workers or 1)
    print(
        f"branchdesk serve: database {_safe(url)}, {workers} process(es), "
        f"demo data {'yes' if backend.settings.demo else 'no'}, http://{args.host}:{args.port}",
        flush=True,
    )
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": False,
    }
    if workers == 1:
        try:
            uvicorn.run(create_app(backend), **options)
        finally:
            backend.store.close()
        return 0
    backend.store.close()
    os.environ[DATABASE_ENV] = url
    os.environ[SANDBOX_ENV] = "1" if args.demo else ""
    uvicorn.run(
        "branchdesk.clients.local.shared_cli:app_factory", factory=True, workers=workers, **options
    )
    return 0


def app_factory() -> Any:
    """One uvicorn worker's app: its own pool on the shared database."""
    from branchdesk.clients.local.app import create_app
    from branchdesk.clients.local.demo.sandbox_routes import phone_key_from_env
    from branchdesk.clients.local.shared_backend import open_shared_backend

    sandbox = bool(os.environ.get(SANDBOX_ENV))
    backend = open_shared_backend(os.environ[DATABASE_ENV], demo=False, sandbox=sandbox)
    backend.phone_key = phone_key_from_env() if sandbox else None
    app = create_app(backend)
    app.router.on_shutdown.append(backend.store.close)
    return app


def _safe(url: str) -> str:
    """The URL without its password, for logs."""
    import psycopg

    info = psycopg.conninfo.conninfo_to_dict(url)
    info.pop("password", None)
    return " ".join(f"{k}={v}" for k, v in info.items())


def add_parser(sub: Any) -> None:
    db = sub.add_parser("db", help="the shared server's PostgreSQL database")
    db.add_argument("--database", help=f"postgresql://… (default: ${DATABASE_ENV})")
    actions = db.add_subparsers(dest="db_command", required=True)
    actions.add_parser("upgrade", help="create or upgrade the schema (versioned migrations)")
    export = actions.add_parser("export", help="copy the database into an embedded store")
    export.add_argument("target", help="data directory of the embedded store (must be empty)")
    imp = actions.add_parser("import", help="copy an embedded store into an empty database")
    imp.add_argument("source", help="data directory of the embedded store")


def db_command(args: argparse.Namespace) -> int:
    from branchdesk.clients.local import transfer
    from branchdesk.clients.local.pg_store import StoreUnavailable, latest_version, upgrade

    url = args.database or os.environ.get(DATABASE_ENV)
    if not url:
        return _fail(f"db: give --database postgresql://… or set {DATABASE_ENV}")
    try:
        if args.db_command == "upgrade":
            applied = upgrade(url)
            print(
                f"schema at version {latest_version()}"
                + (f" (applied {', '.join(map(str, applied))})" if applied else " (up to date)")
            )
            return 0
        if args.db_command == "export":
            counts = transfer.export_to_dir(url, args.target)
        else:
            counts = transfer.import_from_dir(args.source, url)
    except transfer.TransferError as exc:
        return _fail(f"db {args.db_command}: {exc}")
    except StoreUnavailable:
        return _fail("db: the database cannot be reached")
    total = sum(counts.values())
    for table, n in sorted(counts.items()):
        print(f"{table}\t{n}")
    print(f"{total} documents in {len(counts)} tables")
    return 0
