"""A virtual SIM that plugs into pcscd through the vsmartcard ``vpcd`` driver.

vpcd listens on TCP (127.0.0.1:35963 for the reader "Virtual PCD 00 00"). The card side
connects as a client; while connected, vpcd reports a card present, and closing the
connection is a card removal. Every message in both directions is a 2-byte big-endian
length followed by the payload. A 1-byte payload from vpcd is a control code (0 power off,
1 power on, 2 reset, 4 "send your ATR"); anything longer is a command APDU, answered with
the response data and SW1 SW2.

Removal handshake. pcscd learns about cards by polling vpcd (about every 400 ms; each poll
is an ATR request). If a new card connects before pcscd has polled an empty slot, pcscd
never sees the removal and keeps the old card's state. So removing a card half-closes the
connection and waits for vpcd to notice, and the next insertion into the same slot waits
until pcscd has had a poll with the slot empty.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from types import TracebackType

from branchdesk.devices.virtual_card import DEFAULT_ADM, CardPulled, CardStalled, VirtualCard

__all__ = [
    "ATR",
    "DEFAULT_ADM",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SlotBusy",
    "VirtualCard",
    "VirtualSim",
    "default_port",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 35963
ENV_VPCD_PORT = "BRANCHDESK_VPCD_PORT"
"""The vpcd port when pcscd's reader.conf does not use the default (demo, vcard, tests)."""
# TS=3B (direct convention), T0=0A: no interface bytes (T=0 only), 10 historical bytes.
ATR = bytes([0x3B, 0x0A]) + b"BRANCHDESK"

_CTRL_POWER_OFF = 0x00
_CTRL_POWER_ON = 0x01
_CTRL_RESET = 0x02
_CTRL_ATR = 0x04
_LENGTH = struct.Struct(">H")
_PCSCD_POLL_SECONDS = 0.5  # pcscd polls card presence every 0.4 s
_EJECT_TIMEOUT = 2.0
# vpcd serves one card per slot; a second connection waits in its listen backlog, unserved.
# pcscd polls every 0.4 s, so a free slot talks to a new card well within this.
_FIRST_POLL_TIMEOUT = 3.0


class SlotBusy(ConnectionError):
    """vpcd accepted the connection but serves another card (another vcard or the demo)."""


def default_port() -> int:
    """The vpcd port: ``BRANCHDESK_VPCD_PORT`` or vpcd's default."""
    import os

    value = os.environ.get(ENV_VPCD_PORT, "")
    return int(value) if value.isdigit() else DEFAULT_PORT


EventListener = Callable[[str], None]

# Per vpcd slot (host, port): when it may take a new card, and the connections still
# waiting for vpcd to notice their removal. See "Removal handshake".
_slot_ready_at: dict[tuple[str, int], float] = {}
_ejecting: dict[tuple[str, int], set[_Connection]] = {}
_slots_lock = threading.Lock()


def _wait_for_slot(slot: tuple[str, int]) -> None:
    with _slots_lock:
        pending = list(_ejecting.get(slot, ()))
    for connection in pending:
        connection.thread.join(timeout=_EJECT_TIMEOUT)
    with _slots_lock:
        ready_at = _slot_ready_at.get(slot, 0.0)
    delay = ready_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _mark_ejecting(connection: _Connection) -> None:
    with _slots_lock:
        _ejecting.setdefault(connection.sim.slot, set()).add(connection)


def _mark_slot_empty(connection: _Connection, pcscd_saw_it_empty: bool) -> None:
    slot = connection.sim.slot
    ready_at = time.monotonic() + (0.0 if pcscd_saw_it_empty else _PCSCD_POLL_SECONDS)
    with _slots_lock:
        _slot_ready_at[slot] = max(_slot_ready_at.get(slot, 0.0), ready_at)
        _ejecting.get(slot, set()).discard(connection)


def _ack_immediately(sock: socket.socket) -> None:
    # vpcd writes the length and the payload separately; without an immediate ACK its
    # Nagle algorithm waits for our delayed ACK (40 ms) before sending the payload.
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


class _Connection:
    """One insertion: a TCP connection to vpcd serving one card on a daemon thread."""

    def __init__(self, sim: VirtualSim, sock: socket.socket, card: VirtualCard) -> None:
        self.sim = sim
        self.sock = sock
        self.card = card
        self.powered = threading.Event()  # vpcd accepted the connection and talked to us
        self.ejecting = threading.Event()  # half-closed: waiting for vpcd to notice
        self.deliberate = False  # the owner already knows the card is out
        self.stalled = False  # the card stopped answering (test and training hook)
        self.thread = threading.Thread(target=self._serve, name="virtual-sim", daemon=True)
        self._pcscd_saw_it_empty = False

    def eject(self) -> None:
        """Stop answering and half-close, so vpcd's next read finds the card gone."""
        if self.ejecting.is_set():
            return
        _mark_ejecting(self)
        self.ejecting.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    def _serve(self) -> None:
        reason = "vpcd closed the connection"
        try:
            while True:
                payload = self._receive()
                if payload is None:
                    break
                self.powered.set()
                if self.ejecting.is_set():
                    # An ATR poll now fails in vpcd, which tells pcscd the slot is empty.
                    self._pcscd_saw_it_empty = payload == bytes([_CTRL_ATR])
                    continue
                if self.stalled:
                    continue  # a card that stopped answering: vpcd waits for ever
                if len(payload) == 1:
                    self._control(payload[0])
                    continue
                try:
                    answer = self.card.process_apdu(payload)
                except CardStalled:
                    self.stalled = True
                    continue
                except CardPulled:
                    # The slot is empty from now on, even before vpcd notices.
                    self._detach("card pulled out by the test hook")
                    self.eject()
                    continue
                self._send(answer)
        except OSError as exc:
            reason = f"connection lost: {exc}"
        finally:
            self.close()
            self.card.reset()
            _mark_slot_empty(self, self._pcscd_saw_it_empty)
            self._detach(reason)

    def _detach(self, reason: str) -> None:
        if not self.deliberate:
            self.deliberate = True
            self.sim._connection_ended(self, reason)

    def _control(self, code: int) -> None:
        if code == _CTRL_ATR:
            self._send(self.sim.atr)
        elif code in (_CTRL_POWER_OFF, _CTRL_POWER_ON, _CTRL_RESET):
            self.card.reset()

    def _receive(self) -> bytes | None:
        header = self._receive_exactly(_LENGTH.size)
        if header is None:
            return None
        (length,) = _LENGTH.unpack(header)
        return self._receive_exactly(length)

    def _receive_exactly(self, size: int) -> bytes | None:
        data = b""
        while len(data) < size:
            _ack_immediately(self.sock)
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _send(self, payload: bytes) -> None:
        self.sock.sendall(_LENGTH.pack(len(payload)) + payload)


class VirtualSim:
    """Inserts and removes VirtualCards in the vpcd reader slot at ``host:port``."""

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        atr: bytes = ATR,
        connect_timeout: float = 2.0,
        first_poll_timeout: float | None = _FIRST_POLL_TIMEOUT,
        on_event: EventListener | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.atr = atr
        self.connect_timeout = connect_timeout
        self.first_poll_timeout = first_poll_timeout
        self.on_event = on_event
        self._connection: _Connection | None = None
        self._lock = threading.Lock()

    @property
    def slot(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def card(self) -> VirtualCard | None:
        """The card currently inserted (None when the slot is empty)."""
        connection = self._connection
        return connection.card if connection is not None else None

    @property
    def inserted(self) -> bool:
        return self._connection is not None

    def insert(self, card: VirtualCard) -> None:
        """Put ``card`` in the slot (removing any card already there).

        Raises ConnectionError when vpcd is not listening (pcscd not running), SlotBusy when
        vpcd does not talk to the card because it already serves another one.
        """
        self.remove()
        _wait_for_slot(self.slot)
        try:
            sock = socket.create_connection(self.slot, timeout=self.connect_timeout)
        except TimeoutError as exc:
            if self.host in ("127.0.0.1", "localhost", "::1"):
                # On loopback a closed port refuses at once; a timeout is vpcd's full backlog.
                raise self._busy() from exc
            raise ConnectionError(
                f"vpcd is not reachable at {self.host}:{self.port} ({exc}); is pcscd running?"
            ) from exc
        except OSError as exc:
            raise ConnectionError(
                f"vpcd is not reachable at {self.host}:{self.port} ({exc}); is pcscd running?"
            ) from exc
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        connection = _Connection(self, sock, card)
        with self._lock:
            self._connection = connection
        connection.thread.start()
        timeout = self.first_poll_timeout  # None: the caller drives vpcd's side itself
        if timeout is not None and not connection.powered.wait(timeout):
            with self._lock:
                if self._connection is connection:
                    self._connection = None
            connection.deliberate = True
            # Closed while still in vpcd's backlog: vpcd never serves it as a card.
            connection.close()
            connection.thread.join(timeout=_EJECT_TIMEOUT)
            with _slots_lock:
                _ejecting.get(self.slot, set()).discard(connection)
                _slot_ready_at.pop(self.slot, None)
            raise self._busy()

    def _busy(self) -> SlotBusy:
        return SlotBusy(
            f"vpcd at {self.host}:{self.port} already serves another virtual card "
            "(a `branchdesk demo` or another `branchdesk vcard` holds this reader); "
            "use that one, stop it first, or give another --port"
        )

    def remove(self) -> None:
        """Pull the card out; returns once vpcd has noticed (or after a bounded wait)."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is None:
            return
        connection.deliberate = True
        connection.eject()
        if connection.powered.is_set() and connection.thread is not threading.current_thread():
            connection.thread.join(timeout=_EJECT_TIMEOUT)
        connection.close()
        if connection.thread is not threading.current_thread():
            connection.thread.join(timeout=_EJECT_TIMEOUT)

    def remove_after_updates(self, updates: int) -> None:
        """Test hook: pull the card out once it has accepted ``updates`` more UPDATEs."""
        card = self.card
        if card is None:
            raise RuntimeError("no card inserted")
        card.schedule_pull(updates)

    def stop_answering(self, after_updates: int = 0) -> None:
        """Test and training hook: after ``after_updates`` more UPDATEs the card stops
        answering (the connection stays open, so the reader waits), until it is removed."""
        card = self.card
        if card is None:
            raise RuntimeError("no card inserted")
        card.schedule_stall(after_updates)

    def wait_until_polled(self, timeout: float) -> bool:
        """Wait until vpcd has talked to the inserted card (pcscd will report it soon)."""
        connection = self._connection
        return connection is not None and connection.powered.wait(timeout)

    def close(self) -> None:
        self.remove()

    def __enter__(self) -> VirtualSim:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _connection_ended(self, connection: _Connection, reason: str) -> None:
        with self._lock:
            if self._connection is connection:
                self._connection = None
        if self.on_event is not None:
            self.on_event(reason)
