"""Command line: run the TUI, ``serve``, ``demo``, ``vcard``.

Imports stay inside the functions so that each command loads only what it needs: the TUI's
first frame never waits for the server framework or pyscard.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from branchdesk import __version__

DEFAULT_PORT = 8765


def _lang_arg(value: str) -> str:
    from branchdesk.tui.i18n import UnknownLanguage, normalise_language

    try:
        return normalise_language(value)
    except UnknownLanguage:
        raise argparse.ArgumentTypeError(
            f"unknown language {value!r}: use zh-CN or en / 不支持的语言 {value!r}:请用 zh-CN 或 en"
        ) from None


def _sandbox_options(parser: argparse.ArgumentParser) -> None:
    """The demo sandbox's options, of ``demo`` and ``web``."""
    parser.add_argument("--reset", action="store_true", help="start again from fresh demo data")
    parser.add_argument(
        "--data",
        type=Path,
        default=argparse.SUPPRESS,
        help="sandbox directory (default: user data dir)",
    )


def _ui_options(parser: argparse.ArgumentParser, *, sub: bool = False) -> None:
    """The display options, before the command and after ``demo``/``web``.

    Under a command they default to SUPPRESS: argparse would otherwise write the command's
    defaults over what was given before it (``branchdesk --lang zh-CN demo`` came up in English).
    """

    def unset(value: object) -> object:
        return argparse.SUPPRESS if sub else value

    parser.add_argument(
        "--lang",
        type=_lang_arg,
        default=unset(None),
        help="zh-CN or en (default: from the locale)",
    )
    parser.add_argument(
        "--theme",
        choices=["branchdesk", "ansi"],
        default=unset(None),
        help="ansi: 16-colour palette",
    )
    parser.add_argument(
        "--ascii",
        action="store_true",
        default=unset(None),
        help="ASCII borders (Linux console, CJK-width terminals)",
    )
    parser.add_argument(
        "--slow-link",
        action="store_true",
        default=unset(None),
        help="no animations or cursor blink, fewer redraws",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="branchdesk", description="Terminal application for bank branch and field staff."
    )
    parser.add_argument("--version", action="version", version=f"branchdesk {__version__}")
    _ui_options(parser)
    parser.add_argument("--api-url", help="use this backend instead of the embedded one")
    parser.add_argument(
        "--insecure", action="store_true", help="allow plain http:// to a non-loopback backend"
    )
    parser.add_argument("--data", type=Path, help="data directory of the embedded backend")
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="serve the local backend's HTTP API (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument(
        "--data",
        type=Path,
        default=argparse.SUPPRESS,
        help="data directory (default: user data dir)",
    )
    serve.add_argument("--demo", action="store_true", help="load demo data into a new store")
    serve.add_argument("--log-level", default="info")
    serve.add_argument(
        "--database", help="postgresql://… shared database (default: $BRANCHDESK_DATABASE_URL)"
    )
    serve.add_argument("--workers", type=int, help="server processes (with --database)")
    serve.add_argument("--upgrade", action="store_true", help="upgrade the schema at start")
    serve.add_argument(
        "--recover",
        action="store_true",
        help="start on a damaged journal: drop the damaged entries (a copy is kept) and say which",
    )

    demo = sub.add_parser("demo", help="the app on a separate sandbox store with demo data")
    _ui_options(demo, sub=True)
    _sandbox_options(demo)

    web = sub.add_parser("web", help="the demo app in a web browser (textual-serve)")
    _ui_options(web, sub=True)
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8000)
    _sandbox_options(web)

    # Listed for --help; its arguments are parsed by devices.vcard_cli (see _vcard_arguments).
    sub.add_parser("vcard", help="virtual SIM card for the vpcd reader driver", add_help=False)

    sub.add_parser("openapi", help="print the OpenAPI document of the local backend")
    from branchdesk.clients.local.shared_cli import add_parser as add_db_parser

    add_db_parser(sub)
    return parser


def _vcard_arguments(argv: Sequence[str]) -> list[str] | None:
    """What follows the ``vcard`` command, or None when the command is another one.

    Parsed apart: argparse cannot hand options such as ``--iccid X`` or ``--help`` through to
    a sub-command's own parser (``nargs=REMAINDER`` refuses anything that starts with ``-``).
    """
    words = list(argv)
    if "vcard" not in words:
        return None
    at = words.index("vcard")
    try:
        head = build_parser().parse_args(words[: at + 1])
    except SystemExit:
        return None
    return words[at + 1 :] if head.command == "vcard" else None


def main(argv: Sequence[str] | None = None) -> int:
    vcard_argv = _vcard_arguments(sys.argv[1:] if argv is None else argv)
    if vcard_argv is not None:
        from branchdesk.devices.vcard_cli import main as vcard_main

        return vcard_main(vcard_argv)
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "demo":
        return run_demo(args)
    if args.command == "web":
        from branchdesk.tui.web import run_web

        return run_web(args)
    if args.command == "openapi":
        return print_openapi()
    if args.command == "db":
        from branchdesk.clients.local.shared_cli import db_command

        return db_command(args)
    return run_tui(args)


def run_tui(args: argparse.Namespace, **overrides: object) -> int:
    from branchdesk.tui.options import load_options

    flags = {
        "lang": args.lang,
        "theme": args.theme,
        "ascii": args.ascii,
        "slow_link": args.slow_link,
        "api_url": getattr(args, "api_url", None),
        "insecure": getattr(args, "insecure", None) or None,
        "data_dir": getattr(args, "data", None),
        **overrides,
    }
    options = load_options(flags)
    if options.api_url:
        from branchdesk.clients.api import check_api_url

        problem = check_api_url(options.api_url, options.insecure)
        if problem:
            from branchdesk.tui import i18n

            i18n.set_language(options.lang or i18n.language_from_locale())
            print(i18n._(f"startup.{problem}", url=options.api_url), file=sys.stderr)
            return 2
    from branchdesk.tui.app import BranchdeskApp

    BranchdeskApp(options).run()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from branchdesk.tui.options import data_dir

    sandbox = args.data or data_dir() / "sandbox"
    if args.reset:
        from branchdesk.clients.local.demo.reset import reset_store

        reset_store(sandbox)
    args.api_url = None
    from branchdesk.tui.demo_reader import start_virtual_sim

    sim, reader = start_virtual_sim()
    try:
        return run_tui(
            args, data_dir=sandbox, sandbox=True, demo=True, extra={"demo_reader": reader}
        )
    finally:
        if sim is not None:
            sim.close()


def serve(args: argparse.Namespace) -> int:
    import logging
    import signal

    import uvicorn

    from branchdesk.clients.local.app import create_app, open_backend
    from branchdesk.clients.local.sealing import KeyUnavailable
    from branchdesk.clients.local.store import StoreCorrupt, StoreError, StoreLocked
    from branchdesk.tui.options import data_dir

    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    database = args.database or os.environ.get("BRANCHDESK_DATABASE_URL")
    if database:
        from branchdesk.clients.local.shared_cli import serve as serve_shared

        return serve_shared(args, database)
    if args.workers and args.workers > 1:
        print("branchdesk serve: --workers needs --database (one process owns a file store)")
        return 2
    directory = args.data or data_dir()
    try:
        backend = open_backend(directory, demo=args.demo, sandbox=args.demo, recover=args.recover)
    except StoreLocked as exc:
        return _refuse(f"the store {exc.path} is in use by another process.")
    except StoreCorrupt as exc:
        return _refuse(
            f"the store {exc.path} is damaged ({exc.reason}); it was left untouched for recovery."
        )
    except StoreError as exc:
        return _refuse(f"cannot open the store in {exc.path}: {exc.reason}.")
    except KeyUnavailable as exc:
        return _refuse(f"no key to open the store's secrets: {exc}.")
    except OSError as exc:
        return _refuse(f"cannot open the store in {directory}: {exc.strerror or exc}.")
    if backend.settings.sandbox:
        from branchdesk.clients.local.demo.sandbox_routes import phone_key_from_env

        backend.phone_key = phone_key_from_env()
    for line in getattr(backend.store, "recovered", []):
        print(f"branchdesk serve: {line}", file=sys.stderr, flush=True)
    for line in backend.store.health()["problems"]:
        if line not in getattr(backend.store, "recovered", []):
            print(f"branchdesk serve: warning: {line}", file=sys.stderr, flush=True)
    print(
        f"branchdesk serve: store {directory}, "
        f"demo data {'yes' if backend.settings.demo else 'no'}, "
        f"sandbox {'yes' if backend.settings.sandbox else 'no'}, http://{args.host}:{args.port}",
        flush=True,
    )
    stopped: list[int] = []

    def stop(signum: int, frame: object) -> None:
        # uvicorn re-raises the signal that stopped it once it has shut down; ending here
        # instead lets the store close (journal compacted, lock released).
        stopped.append(signum)
        raise SystemExit(0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    try:
        uvicorn.run(
            create_app(backend),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=False,
        )
    except SystemExit as exc:
        if not stopped:
            raise
        return int(exc.code or 0)
    finally:
        backend.store.close()
        if stopped:
            print(
                f"branchdesk serve: stopped ({signal.Signals(stopped[0]).name}), store closed.",
                file=sys.stderr,
                flush=True,
            )
    return 0


def _refuse(message: str) -> int:
    print(f"branchdesk serve: {message}", file=sys.stderr)
    return 1


def print_openapi() -> int:
    import json

    from branchdesk.clients.local.app import openapi_document

    sys.stdout.write(json.dumps(openapi_document(), ensure_ascii=False, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
