"""`branchdesk serve` starting and stopping under faults: one line and an exit code, never a
traceback; both SIGTERM and SIGINT close the store; damage needs --recover and is reported."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from branchdesk.clients.local.store import JOURNAL_NAME, FileStore
from support.backend import ServedBackend, serve_to_the_end

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_closes_the_store(tmp_path: Path, signum: int) -> None:
    data = tmp_path / "data"
    server = ServedBackend(data)
    server.process.send_signal(signum)
    assert server.process.wait(timeout=30) == 0
    server.stop()
    log = server.log_path.read_text()
    assert f"stopped ({signal.Signals(signum).name}), store closed" in log
    assert (data / JOURNAL_NAME).read_bytes() == b""  # compacted by close()
    FileStore(data).close()  # the lock was released


def test_an_unusable_data_directory_is_one_line_and_exit_1(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    out = serve_to_the_end(blocker / "data")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().count("\n") == 0 and str(blocker) in out.stderr


def test_damage_in_an_acknowledged_entry_needs_recover(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServedBackend(data)
    server.process.kill()  # kill -9: the journal keeps the demo seeding
    server.stop()
    journal = data / JOURNAL_NAME
    raw = journal.read_bytes()
    if not raw:
        store = FileStore(data)
        with store.transaction() as txn:
            txn.put("rows", "x", {"v": 1})
        store.abandon()
        raw = journal.read_bytes()
    journal.write_bytes(b"x" + raw[1:])  # damage the first entry's checksum
    out = serve_to_the_end(data)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "damaged entry on line 1" in out.stderr and "--recover" in out.stderr
    server = ServedBackend(data, extra_args=["--recover"])
    health = httpx.get(f"{server.url}/health").json()
    server.stop()
    assert health["status"] == "degraded"
    assert "dropped journal lines 1.." in health["store"]["problems"][0]
    assert "dropped journal lines 1.." in server.log_path.read_text()
