"""``serve --database URL --workers 2``: two uvicorn processes on one database, the same rules.

The cross-process suite (test_shared_backend) runs two separate ``serve`` commands; this one
runs the single command an operations team would start, and checks that it runs two worker
processes, that concurrent writes through it add up, and that SIGTERM stops them all.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from branchdesk.clients.api import Action, ApiClient
from branchdesk.clients.points_api import PointsApi
from support.backend import DEMO_PASSWORD, ServedBackend
from support.points import new_member

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        cmdline = (entry / "cmdline").read_bytes() if ppid == pid else b""
        if ppid == pid and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


async def test_two_workers_serve_one_database_and_stop_together(pg_url: str, tmp_path: Path):
    env = {
        "BRANCHDESK_DATABASE_URL": pg_url,
        "BRANCHDESK_STORE_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    server = ServedBackend(tmp_path / "unused", extra_env=env, extra_args=["--workers", "2"])
    try:
        pid = server.process.pid
        await _until(lambda: len(_children(pid)) == 2)
        workers = _children(pid)
        supervisor = ApiClient(server.url, retry_delay=0.05, timeout=60)
        await supervisor.login("s001", DEMO_PASSWORD)
        try:
            member = await new_member(supervisor, "13700000303", "双进程")
            # Many connections, so the kernel spreads them over both workers' sockets.
            clients = []
            for _ in range(8):
                c = ApiClient(server.url, retry_delay=0.05, timeout=60)
                c.token = supervisor.token
                clients.append(c)
            await asyncio.gather(
                *[
                    PointsApi(clients[i % 8]).grant(member["id"], 5, "test", Action())
                    for i in range(40)
                ]
            )
            detail = await PointsApi(supervisor).ledger(member["id"])
            assert detail["member"]["points"] == 200
            assert sum(r["points"] for r in detail["rows"]) == 200
            for c in clients:
                await c.aclose()
        finally:
            await supervisor.aclose()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
        for worker in workers:
            assert not Path(f"/proc/{worker}").exists() or _zombie(worker)
    finally:
        server.stop()


async def _until(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
