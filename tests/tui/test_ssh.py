"""A clerk over SSH, end to end: real sshd and ssh client, a pty at 80x24, the deployment of
docs/SSH.md (``branchdesk serve`` once, each SSH login forced into the TUI against it).

The test starts its own sshd on a free loopback port with a temporary host key, config and user
key; no system-wide sshd is touched. Without OpenSSH installed it skips, unless
BRANCHDESK_REQUIRE_SSH=1 (CI installs it), where that is a failure.
"""

from __future__ import annotations

import getpass
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from branchdesk.tui import i18n
from branchdesk.tui.workflows import allowed_workflows
from support.backend import DEMO_PASSWORD, ServedBackend
from support.ssh import PtySession, Sshd, sshd_available

pytestmark = pytest.mark.slow


@pytest.fixture
def sshd(tmp_path: Path, served: ServedBackend) -> Iterator[Sshd]:
    if not sshd_available():
        if os.environ.get("BRANCHDESK_REQUIRE_SSH") == "1":
            pytest.fail("BRANCHDESK_REQUIRE_SSH=1 but OpenSSH (sshd, ssh, ssh-keygen) is missing")
        pytest.skip("OpenSSH server not installed (apt-get install openssh-server)")
    home = tmp_path / "clerk-home"
    command = shlex.join(
        [sys.executable, "-m", "branchdesk", "--lang", "en", "--api-url", served.url]
    )
    server = Sshd(
        tmp_path / "sshd",
        force_command=command,
        set_env={
            "LANG": "C.UTF-8",
            "BRANCHDESK_CONFIG_DIR": str(home / "config"),
            "BRANCHDESK_DATA_DIR": str(home / "data"),
            # A headless host has no keyring: the token lives only as long as the session.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        },
    )
    yield server
    server.stop()
    assert not server.running


def _en(key: str, **params: object) -> str:
    return i18n.catalog()[key]["en"].format(**params)


def test_a_clerk_logs_in_over_ssh_opens_sim_stock_and_quits(sshd: Sshd) -> None:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    session = PtySession(sshd.client_argv(getpass.getuser()), env, size=(80, 24))
    try:
        session.expect(_en("login.title"), timeout=30)
        session.expect(_en("login.ready"), timeout=30)
        session.quiet()

        session.send(*"c001", "enter", delay=0.01)
        session.quiet()  # the password field has the focus before the password is typed
        session.send(*DEMO_PASSWORD, "enter", delay=0.01)
        mark = session.mark()
        clerk_workflows = allowed_workflows(["clerk"])
        session.expect(_en(clerk_workflows[0].title_key), since=mark)
        session.quiet()

        number = [w.id for w in clerk_workflows].index("sim_stock") + 1
        mark = session.mark()
        session.send(str(number))
        session.expect(_en("sim.stock.title"), since=mark)
        session.expect("13ZDF14", since=mark)  # a warehouse of the demo data, from the server
        session.quiet()

        rows, columns = session.cursor_extent()
        assert rows <= 24 and columns <= 80, (rows, columns)

        session.send("ctrl+q")
        assert session.wait(20) == 0
    finally:
        session.close()
