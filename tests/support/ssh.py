"""Programs in a real pseudo-terminal, and a private sshd on loopback for the SSH end-to-end test.

``PtySession`` runs a program in a pty of a given size, collects every byte it writes to the
terminal, and sends keys. ``Sshd`` starts OpenSSH's own server from a temporary config (host key,
authorized key, ``ForceCommand``) on a free loopback port: no system-wide sshd is touched.
Both only use the standard library, so the benches use them too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

SSHD = "/usr/sbin/sshd"
ANSI = re.compile(
    r"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)"
    r"|\x1bP[^\x1b]*\x1b\\"
)
CURSOR_TO = re.compile(rb"\x1b\[(\d+);(\d+)H")

KEYS = {
    "enter": b"\r",
    "escape": b"\x1b",
    "tab": b"\t",
    "backspace": b"\x7f",
    "up": b"\x1b[A",
    "down": b"\x1b[B",
    "right": b"\x1b[C",
    "left": b"\x1b[D",
    "ctrl+q": b"\x11",
    "ctrl+p": b"\x10",
    "f1": b"\x1bOP",
    "f2": b"\x1bOQ",
    "f3": b"\x1bOR",
    "f4": b"\x1bOS",
    "f5": b"\x1b[15~",
    "f6": b"\x1b[17~",
    "f7": b"\x1b[18~",
    "f8": b"\x1b[19~",
    "f9": b"\x1b[20~",
    "f10": b"\x1b[21~",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def plain_text(data: bytes) -> str:
    """What a program wrote, without escape sequences (text runs stay whole)."""
    return ANSI.sub("", data.decode("utf-8", "replace"))


class PtySession:
    """A program in a pseudo-terminal of ``size`` (columns, rows)."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        size: tuple[int, int] = (80, 24),
        cwd: str | Path | None = None,
    ) -> None:
        self.size = size
        self.master, slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            list(argv),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self._output += chunk

    @property
    def output(self) -> bytes:
        with self._lock:
            return bytes(self._output)

    def mark(self) -> int:
        with self._lock:
            return len(self._output)

    def since(self, mark: int) -> bytes:
        with self._lock:
            return bytes(self._output[mark:])

    def text(self, since: int = 0) -> str:
        return plain_text(self.since(since))

    def send(self, *keys: str | bytes, delay: float = 0.0) -> None:
        for key in keys:
            data = key if isinstance(key, bytes) else KEYS.get(key, key.encode())
            os.write(self.master, data)
            if delay:
                time.sleep(delay)

    def expect(self, needle: str, timeout: float = 20.0, since: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text(since):
            if self.process.poll() is not None and needle not in self.text(since):
                time.sleep(0.2)
                if needle in self.text(since):
                    return
                raise AssertionError(
                    f"program ended ({self.process.returncode}) before {needle!r} appeared; "
                    f"it wrote:\n{self.text(since)[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{needle!r} not on the terminal in {timeout}s; it wrote:\n"
                    f"{self.text(since)[-3000:]}"
                )
            time.sleep(0.05)

    def quiet(self, seconds: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until the program has written nothing for ``seconds``."""
        deadline = time.monotonic() + timeout
        last, last_change = self.mark(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.mark()
            if now != last:
                last, last_change = now, time.monotonic()
            elif time.monotonic() - last_change >= seconds:
                return

    def cursor_extent(self) -> tuple[int, int]:
        """The furthest row and column the program moved the cursor to."""
        rows = cols = 0
        for row, col in CURSOR_TO.findall(self.output):
            rows, cols = max(rows, int(row)), max(cols, int(col))
        return rows, cols

    def wait(self, timeout: float = 15.0) -> int:
        return self.process.wait(timeout)

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        with contextlib.suppress(OSError):
            os.close(self.master)
        self._reader.join(2)


def sshd_available() -> bool:
    return (
        Path(SSHD).exists()
        and shutil.which("ssh") is not None
        and shutil.which("ssh-keygen") is not None
    )


class Sshd:
    """OpenSSH's sshd on a free loopback port, with keys and config in ``directory``.

    Every login runs ``force_command`` (like the deployment in docs/SSH.md) with ``set_env``.
    """

    def __init__(
        self, directory: Path, force_command: str, set_env: Mapping[str, str] | None = None
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        # sshd's privilege separation directory; creating it touches no running sshd.
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.host_key = directory / "host_ed25519"
        self.user_key = directory / "user_ed25519"
        for key in (self.host_key, self.user_key):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                check=True,
                capture_output=True,
            )
        self.authorized_keys = directory / "authorized_keys"
        self.authorized_keys.write_bytes(self.user_key.with_suffix(".pub").read_bytes())
        self.authorized_keys.chmod(0o600)
        self.port = free_port()
        self.pid_file = directory / "sshd.pid"
        self.log_path = directory / "sshd.log"
        self.config = directory / "sshd_config"
        env_line = " ".join(f'"{k}={v}"' for k, v in (set_env or {}).items())
        self.config.write_text(
            "\n".join(
                [
                    f"Port {self.port}",
                    "ListenAddress 127.0.0.1",
                    f"HostKey {self.host_key}",
                    f"PidFile {self.pid_file}",
                    f"AuthorizedKeysFile {self.authorized_keys}",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "PermitRootLogin prohibit-password",
                    "StrictModes no",
                    "UsePAM no",
                    "PrintMotd no",
                    "PrintLastLog no",
                    "PermitTTY yes",
                    "AllowTcpForwarding no",
                    "X11Forwarding no",
                    "AllowAgentForwarding no",
                    *([f"SetEnv {env_line}"] if env_line else []),
                    f"ForceCommand {force_command}",
                    "",
                ]
            )
        )
        subprocess.run([SSHD, "-t", "-f", str(self.config)], check=True, capture_output=True)
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(self.config)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_listening()

    def _wait_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.log_path.read_text(errors='replace')}")
            with socket.socket() as sock:
                sock.settimeout(0.2)
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"sshd not listening on {self.port}")

    def client_argv(self, user: str) -> list[str]:
        return [
            "ssh",
            "-tt",
            "-F",
            "/dev/null",
            "-p",
            str(self.port),
            "-i",
            str(self.user_key),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            f"{user}@127.0.0.1",
        ]

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        # sshd and any session it forked share the process group started for it.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(5)
                break
            except subprocess.TimeoutExpired:
                continue
        self._log.close()
