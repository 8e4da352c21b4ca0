"""``branchdesk web``: the demo app in a web browser (textual-serve), for a projector or
trainees without a terminal.

Each browser tab runs ``branchdesk demo`` in a subprocess, so the same demo rules hold: the
sandbox store, the DEMO marker, the demo accounts, and presets only there. The sandbox store has
one owner at a time: a second tab open at the same moment is told so by the app.
"""

from __future__ import annotations

import shlex
import sys
from argparse import Namespace


def demo_command(args: Namespace) -> str:
    """The command line each browser session runs."""
    command = [sys.executable, "-m", "branchdesk", "demo"]
    if getattr(args, "lang", None):
        command += ["--lang", args.lang]
    if getattr(args, "theme", None):
        command += ["--theme", args.theme]
    if getattr(args, "data", None):
        command += ["--data", str(args.data)]
    return shlex.join(command)


def run_web(args: Namespace) -> int:
    from textual_serve.server import Server

    if args.reset:
        from branchdesk.clients.local.reset import reset_store
        from branchdesk.clients.local.store import StoreLocked
        from branchdesk.tui.options import data_dir

        try:
            reset_store(args.data or data_dir() / "sandbox")
        except StoreLocked as exc:
            print(f"branchdesk web: the sandbox {exc.path} is in use by another process.",
                  file=sys.stderr)
            return 1
    print(f"branchdesk web: http://{args.host}:{args.port}  (Ctrl+C stops)", flush=True)
    Server(demo_command(args), host=args.host, port=args.port, title="branchdesk").serve()
    return 0
