"""Fixtures for tests that go through the real PC/SC stack.

    pyscard -> pcscd -> vpcd driver ("Virtual PCD 00 00", TCP 35963) -> VirtualSim

Use them from any test area's conftest.py::

    from support.pcsc import pcscd, virtual_sim  # noqa: F401  (pytest finds them by name)

``pcscd`` (session) makes sure a pcscd with the vpcd reader is running: it starts
``pcscd --foreground`` itself unless one is already running, and stops only the one it
started. ``virtual_sim`` (function) gives a VirtualSim with a fresh blank card
(``BLANK_ICCID``) inserted and visible to pcscd; it removes the card afterwards.

Without pcscd, the vpcd driver or root, the fixtures skip; with BRANCHDESK_REQUIRE_PCSC=1
they fail instead. Test sessions that use the reader take a lock file in turn, because the
one virtual slot cannot be shared.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NoReturn

import pytest

from branchdesk.devices.vcard import DEFAULT_HOST, DEFAULT_PORT, VirtualCard, VirtualSim

READER_NAME = "Virtual PCD 00 00"
BLANK_ICCID = "89860070310112094320"
VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
PCSCD_COMM = Path("/run/pcscd/pcscd.comm")
PCSCD_PIDFILE = Path("/run/pcscd/pcscd.pid")
LOCK_PATH = Path(tempfile.gettempdir()) / "branchdesk-pcsc.lock"
REQUIRE_ENV = "BRANCHDESK_REQUIRE_PCSC"

_READER_TIMEOUT = 10.0
_CARD_TIMEOUT = 5.0
_LOCK_TIMEOUT = 180.0


@dataclass(frozen=True)
class PcscService:
    reader_name: str
    host: str
    port: int
    started_here: bool


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when the environment demands the PC/SC stack."""
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"PC/SC stack required ({REQUIRE_ENV}=1): {reason}", pytrace=False)
    pytest.skip(reason)


def _pcscd_binary() -> str | None:
    return shutil.which("pcscd") or next(
        (path for path in ("/usr/sbin/pcscd", "/usr/local/sbin/pcscd") if os.access(path, os.X_OK)),
        None,
    )


def _missing_requirement() -> str | None:
    if _pcscd_binary() is None:
        return "pcscd is not installed"
    if not VPCD_DRIVER.exists() or not VPCD_CONF.exists():
        return "the vsmartcard vpcd driver is not installed"
    try:
        import smartcard.scard  # noqa: F401
    except ImportError as exc:
        return f"pyscard is unusable: {exc}"
    return None


def _running_pcscd_pid() -> int | None:
    if not PCSCD_COMM.exists():
        return None
    try:
        pid = int(PCSCD_PIDFILE.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def _service_answers() -> bool:
    """True when a pcscd (possibly socket-activated by systemd) accepts clients."""
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return False
    scard.SCardReleaseContext(context)
    return True


def _reader_state(reader_name: str) -> int | None:
    """pcscd's event state of the reader, or None when pcscd does not know it."""
    from smartcard import scard

    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return None
    try:
        hresult, names = scard.SCardListReaders(context, [])
        if hresult != scard.SCARD_S_SUCCESS or reader_name not in names:
            return None
        hresult, states = scard.SCardGetStatusChange(
            context, 0, [(reader_name, scard.SCARD_STATE_UNAWARE)]
        )
        return states[0][1] if hresult == scard.SCARD_S_SUCCESS else None
    finally:
        scard.SCardReleaseContext(context)


def wait_for_slot(service: PcscService, *, card_present: bool, timeout: float) -> bool:
    """Wait until pcscd reports a card in the virtual reader (or an empty reader)."""
    from smartcard import scard

    deadline = time.monotonic() + timeout
    while True:
        state = _reader_state(service.reader_name)
        if state is not None and bool(state & scard.SCARD_STATE_PRESENT) == card_present:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


@contextlib.contextmanager
def _session_lock() -> Iterator[None]:
    handle: IO[str] = LOCK_PATH.open("a")
    deadline = time.monotonic() + _LOCK_TIMEOUT
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    unavailable("another test session kept the virtual reader busy")
                time.sleep(0.2)
        yield
    finally:
        handle.close()  # closing releases the lock


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscService]:
    """A running pcscd with the vpcd reader; started (and later stopped) here if needed."""
    reason = _missing_requirement()
    if reason is not None:
        unavailable(reason)
    with _session_lock(), tempfile.TemporaryFile() as log:
        process: subprocess.Popen[bytes] | None = None
        try:
            already_running = _running_pcscd_pid() is not None or _service_answers()
            if not already_running:
                if os.geteuid() != 0:
                    unavailable("pcscd is not running and starting it needs root")
                binary = _pcscd_binary()
                assert binary is not None
                process = subprocess.Popen(
                    [binary, "--foreground"], stdout=log, stderr=subprocess.STDOUT
                )
            deadline = time.monotonic() + _READER_TIMEOUT
            while _reader_state(READER_NAME) is None:
                if process is not None and process.poll() is not None:
                    log.seek(0)
                    output = log.read().decode(errors="replace").strip().splitlines()
                    unavailable(f"pcscd exited ({process.returncode}): {output[-1:]}")
                if time.monotonic() >= deadline:
                    unavailable(f"pcscd did not list {READER_NAME!r} within {_READER_TIMEOUT:g} s")
                time.sleep(0.1)
            yield PcscService(READER_NAME, DEFAULT_HOST, DEFAULT_PORT, process is not None)
        finally:
            if process is not None:
                _stop(process)


@pytest.fixture
def virtual_sim(pcscd: PcscService) -> Iterator[VirtualSim]:
    """A VirtualSim holding a fresh blank card that pcscd already sees."""
    if not wait_for_slot(pcscd, card_present=False, timeout=2.0):
        unavailable(f"{pcscd.reader_name} already holds a card (a vcard CLI still running?)")
    sim = VirtualSim(pcscd.host, pcscd.port)
    try:
        sim.insert(VirtualCard.blank(BLANK_ICCID))
        if not wait_for_slot(pcscd, card_present=True, timeout=_CARD_TIMEOUT):
            unavailable(f"pcscd did not see the virtual card within {_CARD_TIMEOUT:g} s")
        yield sim
    finally:
        sim.close()
