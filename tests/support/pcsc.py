"""Fixtures for tests that go through the real PC/SC stack.

    pyscard -> pcscd -> vpcd driver ("Virtual PCD 00 00", a free TCP port) -> VirtualSim

Use them from any test area's conftest.py::

    from support.pcsc import pcscd, virtual_sim  # noqa: F401  (pytest finds them by name)

Every test process (each pytest-xdist worker) has its own pcscd: ``configure_process`` (called
from tests/conftest.py before any test runs) picks a private socket directory and two free vpcd
ports, and points this process and its children at them (``PCSCLITE_CSOCK_NAME``,
``BRANCHDESK_VPCD_PORT``). ``pcscd`` (session) starts ``pcscd --foreground`` with a private
reader.conf.d (the vpcd driver on those ports) in a private mount namespace whose ``/run`` is
that directory — pcscd 1.9 hard-codes ``/run/pcscd/pcscd.comm`` — so no pcscd of the system or
of another test process is touched, and none is needed. ``virtual_sim`` (function) gives a
VirtualSim with a fresh blank card (``BLANK_ICCID``) inserted and visible to pcscd; it removes
the card afterwards.

Without pcscd, the vpcd driver, pyscard or a way to make a mount namespace (root, or user
namespaces), the fixtures skip with the reason; with BRANCHDESK_REQUIRE_PCSC=1 they fail instead.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from branchdesk.devices.vcard import DEFAULT_HOST, VirtualCard, VirtualSim
from support.processes import stop

READER_NAME = "Virtual PCD 00 00"
BLANK_ICCID = "89860070310112094320"
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
REQUIRE_ENV = "BRANCHDESK_REQUIRE_PCSC"
SOCKET_ENV = "PCSCLITE_CSOCK_NAME"
VPCD_PORT_ENV = "BRANCHDESK_VPCD_PORT"

_READER_TIMEOUT = 15.0
_CARD_TIMEOUT = 5.0


@dataclass(frozen=True)
class PcscService:
    reader_name: str
    host: str
    port: int
    started_here: bool


@dataclass(frozen=True)
class PrivateStack:
    """Where this test process's pcscd lives: its /run and its two vpcd ports."""

    run_dir: Path
    port: int

    @property
    def socket(self) -> Path:
        return self.run_dir / "pcscd" / "pcscd.comm"


_private: PrivateStack | None = None


def _free_port_pair() -> int:
    """A port p such that p and p + 1 are free on loopback (vpcd listens on both, 2 slots)."""
    for _ in range(200):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return int(port)
    raise RuntimeError("no two consecutive free ports on 127.0.0.1")


def configure_process() -> PrivateStack:
    """Point this process (and every child it starts) at its own pcscd and vpcd ports."""
    global _private
    if _private is None:
        run_dir = Path(tempfile.mkdtemp(prefix="bd-pcsc-"))
        _private = PrivateStack(run_dir, _free_port_pair())
        os.environ[SOCKET_ENV] = str(_private.socket)
        os.environ[VPCD_PORT_ENV] = str(_private.port)
    return _private


def unconfigure_process() -> None:
    global _private
    if _private is not None:
        shutil.rmtree(_private.run_dir, ignore_errors=True)
        _private = None


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
    if not VPCD_DRIVER.exists():
        return "the vsmartcard vpcd driver is not installed"
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    try:
        import smartcard.scard  # noqa: F401
    except ImportError as exc:
        return f"pyscard is not installed (pip install 'branchdesk[reader]'): {exc}"
    return None


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


def _namespace_argv() -> list[str]:
    """``unshare`` for a private mount namespace: directly as root, else in a user namespace."""
    argv = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        argv[1:1] = ["--user", "--map-root-user"]
    return argv


def _write_reader_conf(directory: Path, port: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "vpcd").write_text(
        'FRIENDLYNAME "Virtual PCD"\n'
        f"DEVICENAME   /dev/null:0x{port:X}\n"
        f"LIBPATH      {VPCD_DRIVER}\n"
        f"CHANNELID    0x{port:X}\n"
    )


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscService]:
    """This test process's own pcscd with the vpcd reader on its private ports."""
    reason = _missing_requirement()
    if reason is not None:
        unavailable(reason)
    stack = configure_process()
    binary = _pcscd_binary()
    assert binary is not None
    conf_dir = tmp_path_factory.mktemp("pcscd") / "reader.conf.d"
    _write_reader_conf(conf_dir, stack.port)
    (stack.run_dir / "pcscd").mkdir(exist_ok=True)
    script = 'mount --bind "$1" /run && exec "$2" --foreground -c "$3"'
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [*_namespace_argv(), "sh", "-c", script, "sh", str(stack.run_dir), binary, conf_dir],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + _READER_TIMEOUT
            while _reader_state(READER_NAME) is None:
                if process.poll() is not None:
                    log.seek(0)
                    output = log.read().decode(errors="replace").strip().splitlines()
                    unavailable(f"private pcscd exited ({process.returncode}): {output[-1:]}")
                if time.monotonic() >= deadline:
                    unavailable(f"pcscd did not list {READER_NAME!r} within {_READER_TIMEOUT:g} s")
                time.sleep(0.05)
            yield PcscService(READER_NAME, DEFAULT_HOST, stack.port, True)
        finally:
            stop(process, timeout=5)


def insert_card(service: PcscService, sim: VirtualSim, card: VirtualCard) -> None:
    """Swap ``card`` into the slot and return once pcscd has seen the new card.

    pcscd must first see the slot empty: otherwise "a card is present" may still be the old
    card, and the next connect races pcscd noticing the swap.
    """
    if sim.inserted:
        sim.remove()
        if not wait_for_slot(service, card_present=False, timeout=_CARD_TIMEOUT):
            raise AssertionError(f"pcscd still sees a card {_CARD_TIMEOUT:g} s after removal")
    sim.insert(card)
    if not wait_for_slot(service, card_present=True, timeout=_CARD_TIMEOUT):
        raise AssertionError(f"pcscd did not see the inserted card within {_CARD_TIMEOUT:g} s")


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
