"""``branchdesk web``: the demo app in a web browser (textual-serve), for a projector or
trainees without a terminal.

One sandbox backend serves the whole training room: ``run_web`` starts ``branchdesk serve
--demo`` on a free loopback port over the sandbox store, and every browser tab runs the TUI
against it (``--api-url``), so any number of trainees share the same demo data at once. The
same demo rules hold: the sandbox store, the DEMO marker, the demo accounts, presets only there.
"""

from __future__ import annotations

import os
import secrets
import shlex
import socket
import subprocess
import sys
import time
from argparse import Namespace
from pathlib import Path

import httpx

from branchdesk.tui.connect import PHONE_KEY_ENV

TEMPLATES = Path(__file__).resolve().parent / "web_templates"
"""Our page for textual-serve (focus on load, websocket on the browser's own address)."""


def tab_command(args: Namespace, api_url: str) -> str:
    """The command line each browser session runs."""
    command = [sys.executable, "-m", "branchdesk", "--api-url", api_url]
    if getattr(args, "lang", None):
        command += ["--lang", args.lang]
    if getattr(args, "theme", None):
        command += ["--theme", args.theme]
    if getattr(args, "ascii", None):
        command.append("--ascii")
    if getattr(args, "slow_link", None):
        command.append("--slow-link")
    return shlex.join(command)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_sandbox_server(
    sandbox: Path, timeout: float = 60.0, phone_key: str | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``branchdesk serve --demo`` on loopback over ``sandbox``; returns (process, URL).

    ``phone_key`` opens the outbox to the simulated phone of the room's own tabs."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "branchdesk",
            "serve",
            "--demo",
            "--data",
            str(sandbox),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env={**os.environ, PHONE_KEY_ENV: phone_key} if phone_key else None,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the sandbox backend exited with code {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"the sandbox backend did not answer on {url}")


def run_web(args: Namespace) -> int:
    from textual_serve.server import Server

    from branchdesk.clients.local.store import StoreLocked
    from branchdesk.tui.options import data_dir

    sandbox = args.data or data_dir() / "sandbox"
    if args.reset:
        from branchdesk.clients.local.demo.reset import reset_store

        try:
            reset_store(sandbox)
        except StoreLocked as exc:
            print(
                f"branchdesk web: the sandbox {exc.path} is in use by another process.",
                file=sys.stderr,
            )
            return 1
    try:
        # The tabs inherit it: their simulated phone shows the codes of the room's sandbox.
        os.environ[PHONE_KEY_ENV] = secrets.token_urlsafe(32)
        backend, api_url = start_sandbox_server(sandbox, phone_key=os.environ[PHONE_KEY_ENV])
    except RuntimeError as exc:
        print(f"branchdesk web: {exc}", file=sys.stderr)
        return 1
    from branchdesk.tui.demo_reader import start_virtual_sim

    sim, _reader = start_virtual_sim()
    print(
        f"branchdesk web: http://{args.host}:{args.port}  (sandbox backend {api_url}; "
        "Ctrl+C stops)",
        flush=True,
    )
    try:
        Server(
            tab_command(args, api_url),
            host=args.host,
            port=args.port,
            title="branchdesk",
            templates_path=TEMPLATES,
        ).serve()
    finally:
        if sim is not None:
            sim.close()
        backend.terminate()
        try:
            backend.wait(timeout=10)
        except subprocess.TimeoutExpired:
            backend.kill()
    return 0
