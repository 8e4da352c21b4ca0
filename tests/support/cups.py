"""A private CUPS server with a cups-pdf printer, started by a test.

Its own config, spool and output directories (a fresh ``mkdtemp`` directory, so xdist workers
never share one), its own free port on 127.0.0.1 and a printer with a unique name. cups-pdf reads
its settings only from ``/etc/cups`` — per printer from ``cups-pdf-<printer>.conf`` — so that one
file is written there (unique name) and removed when the server stops. Needs root: the cups-pdf
backend is mode 0700 and runs as root only.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support.processes import stop

CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")
CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_CONF_DIR = Path("/etc/cups")


def cups_missing() -> str | None:
    """Why a real CUPS + cups-pdf cannot run here, or None."""
    for tool in ("cupsd", "lp", "lpadmin", "lpstat", "pdftotext"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            return f"{tool} not installed (apt-get install cups printer-driver-cups-pdf)"
    if not CUPS_PDF_BACKEND.exists() or not CUPS_PDF_PPD.exists():
        return "cups-pdf not installed (apt-get install printer-driver-cups-pdf)"
    if os.geteuid() != 0:
        return "the cups-pdf backend runs only as root"
    return None


def require_cups() -> None:
    reason = cups_missing()
    if reason is None:
        return
    if os.environ.get("BRANCHDESK_REQUIRE_CUPS") == "1":
        pytest.fail(f"BRANCHDESK_REQUIRE_CUPS=1 but {reason}")
    pytest.skip(reason)


def pdf_text(path: Path) -> str:
    """The text of a PDF as poppler reads it."""
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cupsd() -> str:
    return shutil.which("cupsd") or "/usr/sbin/cupsd"


@dataclass
class CupsServer:
    root: Path
    port: int
    printer: str
    process: subprocess.Popen[bytes] | None = None
    conf_file: Path = field(default_factory=Path)

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def out_dir(self) -> Path:
        return self.root / "out"

    def env(self) -> dict[str, str]:
        return {**os.environ, "CUPS_SERVER": self.server}

    def log(self) -> str:
        path = self.root / "log" / "error_log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for_pdf(self, timeout: float = 60.0) -> Path:
        """The first PDF cups-pdf wrote, once it is complete."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = subprocess.run(
                ["lpstat", "-h", self.server, "-o", self.printer],
                capture_output=True,
                text=True,
                check=False,
            )
            pdfs = sorted(self.out_dir.rglob("*.pdf"))
            if pdfs and not done.stdout.strip():
                return pdfs[0]
            time.sleep(0.2)
        raise AssertionError(f"cups-pdf wrote no PDF in {timeout}s; cupsd log:\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
        self.conf_file.unlink(missing_ok=True)
        shutil.rmtree(self.root, ignore_errors=True)


def start_cups() -> CupsServer:
    # mkdtemp, not pytest's tmp_path: filters run as user lp and must reach the spool.
    root = Path(tempfile.mkdtemp(prefix="branchdesk-cups-"))
    root.chmod(0o755)
    for sub in ("etc", "etc/ppd", "spool", "tmp", "cache", "state", "log", "out", "pdfspool"):
        (root / sub).mkdir(exist_ok=True)
        (root / sub).chmod(0o1777 if sub in ("tmp", "out", "pdfspool") else 0o755)
    port = _free_port()
    printer = f"bdtest_{secrets.token_hex(4)}"
    (root / "etc" / "cupsd.conf").write_text(
        f"""LogLevel warn
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
Browsing No
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""
    )
    (root / "etc" / "cups-files.conf").write_text(
        f"""ServerRoot {root}/etc
RequestRoot {root}/spool
TempDir {root}/tmp
CacheDir {root}/cache
StateDir {root}/state
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
ServerBin /usr/lib/cups
DataDir /usr/share/cups
Sandboxing Relaxed
"""
    )
    server = CupsServer(root=root, port=port, printer=printer)
    server.conf_file = CUPS_PDF_CONF_DIR / f"cups-pdf-{printer}.conf"
    server.conf_file.write_text(
        f"Out {root}/out\nAnonDirName {root}/out\nSpool {root}/pdfspool\n"
        f"Log {root}/log\nUserUMask 0000\nGrp root\nLabel 0\n"
    )
    server.process = subprocess.Popen(
        [
            _cupsd(),
            "-f",
            "-c",
            str(root / "etc" / "cupsd.conf"),
            "-s",
            str(root / "etc" / "cups-files.conf"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.process.poll() is not None or time.monotonic() > deadline:
                    err = server.process.stderr.read().decode() if server.process.stderr else ""
                    raise AssertionError(f"cupsd did not start: {err}\n{server.log()}") from None
                time.sleep(0.1)
        subprocess.run(
            [
                "lpadmin",
                "-h",
                server.server,
                "-p",
                printer,
                "-v",
                f"cups-pdf:/{printer}",
                "-P",
                str(CUPS_PDF_PPD),
                "-E",
                # pdftocairo keeps the text as text (the default renderer draws CJK as
                # outlines), so the printed PDF can be read back.
                "-o",
                "pdftops-renderer-default=pdftocairo",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def cups() -> Iterator[CupsServer]:
    """A private CUPS for one test: what it prints goes there, never to this machine's own."""
    require_cups()
    server = start_cups()
    try:
        yield server
    finally:
        server.stop()
