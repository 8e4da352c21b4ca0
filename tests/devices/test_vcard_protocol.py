"""VirtualSim's side of the vpcd socket protocol, against a stand-in for vpcd (no pcscd)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from branchdesk.devices import apdu
from branchdesk.devices.vcard import ATR, VirtualSim
from branchdesk.devices.virtual_card import VirtualCard

ICCID = "89860070310112094320"


class FakeVpcd:
    """The listening end vpcd provides: accepts one card and sends it frames."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.client: socket.socket | None = None

    def accept(self) -> None:
        self.server.settimeout(2.0)
        self.client, _address = self.server.accept()
        self.client.settimeout(2.0)

    def send(self, payload: bytes) -> None:
        assert self.client is not None
        self.client.sendall(struct.pack(">H", len(payload)) + payload)

    def receive(self) -> bytes | None:
        header = self._exactly(2)
        if header is None:
            return None
        body = self._exactly(struct.unpack(">H", header)[0])
        return body

    def exchange(self, payload: bytes) -> bytes | None:
        self.send(payload)
        return self.receive()

    def _exactly(self, size: int) -> bytes | None:
        assert self.client is not None
        data = b""
        while len(data) < size:
            chunk = self.client.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def disconnect(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    def close(self) -> None:
        self.disconnect()
        self.server.close()


@pytest.fixture
def vpcd() -> Iterator[FakeVpcd]:
    fake = FakeVpcd()
    yield fake
    fake.close()


@pytest.fixture
def sim(vpcd: FakeVpcd) -> Iterator[VirtualSim]:
    # This stand-in talks only when the test says: no waiting for vpcd's first poll.
    sim = VirtualSim("127.0.0.1", vpcd.port, first_poll_timeout=None)
    yield sim
    vpcd.disconnect()  # what vpcd does when pcscd stops; lets the card side finish at once
    sim.close()


def test_answers_atr_requests_and_apdus(vpcd: FakeVpcd, sim: VirtualSim) -> None:
    card = VirtualCard.blank(ICCID)
    sim.insert(card)
    vpcd.accept()
    vpcd.send(b"\x01")  # power on: no answer expected
    assert vpcd.exchange(b"\x04") == ATR
    assert sim.wait_until_polled(1.0)
    assert vpcd.exchange(apdu.select(0x3F00)) == b"\x9f\x16"
    assert vpcd.exchange(apdu.select(0x2FE2)) == b"\x9f\x0f"
    answer = vpcd.exchange(apdu.read_binary(0, 10))
    assert answer == bytes.fromhex("98 68 00 07 13 10 21 90 34 02 90 00")
    assert card.commands[-1] == apdu.read_binary(0, 10)


def test_atr_is_well_formed() -> None:
    assert ATR[0] == 0x3B
    assert ATR[1] & 0x0F == len(ATR) - 2  # T0: number of historical bytes, no interface bytes
    assert ATR[1] & 0xF0 == 0


def test_power_off_drops_adm(vpcd: FakeVpcd, sim: VirtualSim) -> None:
    card = VirtualCard.blank(ICCID)
    sim.insert(card)
    vpcd.accept()
    assert vpcd.exchange(apdu.verify_adm("88888888")) == b"\x90\x00"
    assert card.adm_verified
    vpcd.send(b"\x00")
    assert vpcd.exchange(b"\x04") == ATR  # still connected, but powered down meanwhile
    assert not card.adm_verified


def test_remove_half_closes_until_vpcd_polls(vpcd: FakeVpcd, sim: VirtualSim) -> None:
    sim.insert(VirtualCard.blank(ICCID))
    vpcd.accept()
    assert vpcd.exchange(b"\x04") == ATR
    assert sim.inserted
    # vpcd's next presence poll is what notices the removal: it reads end-of-stream.
    removal = threading.Thread(target=sim.remove)
    removal.start()
    # A poll racing with remove() may still be answered; the one after it cannot be.
    answers = [vpcd.exchange(b"\x04") for _ in range(2)]
    assert answers[-1] is None
    assert answers[0] in (ATR, None)
    vpcd.disconnect()
    removal.join(timeout=3.0)
    assert not removal.is_alive()
    assert not sim.inserted
    assert sim.card is None


def test_scheduled_pull_closes_the_connection(vpcd: FakeVpcd, sim: VirtualSim) -> None:
    events: list[str] = []
    sim.on_event = events.append
    card = VirtualCard.blank(ICCID)
    sim.insert(card)
    vpcd.accept()
    assert vpcd.exchange(apdu.verify_adm("88888888")) == b"\x90\x00"
    sim.remove_after_updates(0)
    assert vpcd.exchange(apdu.select(0x3F00)) is None  # no answer: the card is gone
    assert not sim.inserted
    assert events == ["card pulled out by the test hook"]


def test_insert_without_vpcd_says_so() -> None:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        free_port = placeholder.getsockname()[1]
    sim = VirtualSim("127.0.0.1", free_port, connect_timeout=0.5)
    with pytest.raises(ConnectionError, match="is pcscd running"):
        sim.insert(VirtualCard.blank(ICCID))
    assert not sim.inserted
