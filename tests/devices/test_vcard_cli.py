"""``branchdesk vcard``: the trainer's prompt, with and without pcscd."""

from __future__ import annotations

import io
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from branchdesk.devices.pcsc import PcscReader
from branchdesk.devices.vcard import SlotBusy, VirtualCard, VirtualSim
from branchdesk.devices.vcard_cli import DEFAULT_ICCID, main
from support import sim_card
from support.pcsc import PcscService, wait_for_slot

ENTRY_POINT = Path(sys.executable).parent / "branchdesk"
OTHER_ICCID = "89860126011000003597"


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        return int(placeholder.getsockname()[1])


def run(argv: list[str], commands: str) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(commands), stdout=out)
    return code, out.getvalue().splitlines()


def test_without_vpcd_it_reports_and_keeps_prompting() -> None:
    port = free_port()
    code, lines = run(["--port", str(port)], "status\nbogus\nremove\nquit\n")
    assert code == 0
    assert lines[0].startswith(f"error: vpcd is not reachable at 127.0.0.1:{port}")
    assert lines[1:] == [
        f"slot 127.0.0.1:{port}: empty",
        "unknown command 'bogus'; type 'help'",
        "no card to remove",
        "bye",
    ]


def test_bad_arguments_and_commands() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--adm", "1234"], stdin=io.StringIO(""), stdout=io.StringIO())
    assert caught.value.code == 2
    code, lines = run(["--no-insert"], "insert-blank 123\npull-after x\npull-after 1\n")
    assert code == 0  # end of input quits like "quit"
    assert lines == [
        "error: ICCID must have 19 or 20 digits, got 3",
        "usage: pull-after N",
        "no card inserted",
        "bye",
    ]


def test_help_lists_every_command() -> None:
    _code, lines = run(["--no-insert"], "help\n")
    text = "\n".join(lines)
    for command in ("insert-blank", "insert-written", "remove", "pull-after", "status", "quit"):
        assert command in text


class PromptSession:
    """main() on a thread, fed line by line through a pipe, like a trainer typing."""

    def __init__(self, argv: list[str]) -> None:
        read_fd, write_fd = os.pipe()
        self._stdin = os.fdopen(read_fd, "r")
        self._typing = os.fdopen(write_fd, "w")
        self.out = io.StringIO()
        self.code: int | None = None
        self._thread = threading.Thread(target=self._run, args=(argv,), daemon=True)
        self._thread.start()

    def _run(self, argv: list[str]) -> None:
        self.code = main(argv, stdin=self._stdin, stdout=self.out)

    def type(self, line: str) -> None:
        self._typing.write(line + "\n")
        self._typing.flush()

    def wait_for_output(self, text: str, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.out.getvalue():
            assert time.monotonic() < deadline, f"{text!r} not in {self.out.getvalue()!r}"
            time.sleep(0.02)

    def finish(self) -> None:
        if not self._typing.closed:
            self._typing.close()
        self._thread.join(timeout=5.0)
        self._stdin.close()


@pytest.fixture
def prompt(pcscd: PcscService) -> Iterator[PromptSession]:
    assert wait_for_slot(pcscd, card_present=False, timeout=2.0)
    session = PromptSession(["--port", str(pcscd.port)])
    yield session
    session.finish()


@pytest.mark.pcsc
def test_trainer_shows_each_card_state(pcscd: PcscService, prompt: PromptSession) -> None:
    reader = PcscReader(pcscd.reader_name)
    try:
        prompt.wait_for_output(f"inserted blank card {DEFAULT_ICCID}")
        reader.wait_for_card(5.0)
        assert reader.read_iccid() == DEFAULT_ICCID
        assert reader.is_blank()

        prompt.type("insert-written")
        prompt.wait_for_output("inserted written card")
        reader.wait_for_card(5.0)
        assert not reader.is_blank()

        prompt.type("remove")
        prompt.wait_for_output("card removed")
        assert wait_for_slot(pcscd, card_present=False, timeout=2.0)
        sim_card.assert_no_card_to_read(reader)

        prompt.type("status")
        prompt.type("quit")
        prompt.finish()
        assert prompt.code == 0
        assert prompt.out.getvalue().splitlines()[-2:] == [
            f"slot 127.0.0.1:{pcscd.port}: empty",
            "bye",
        ]
    finally:
        reader.close()


# -- the real command line: the installed `branchdesk` entry point in a subprocess -------------
class VcardProcess:
    """`branchdesk vcard ARGS` with a pipe for the trainer's typing and a line reader."""

    def __init__(self, *args: str) -> None:
        assert ENTRY_POINT.exists(), f"{ENTRY_POINT} is not installed"
        self.process = subprocess.Popen(
            [str(ENTRY_POINT), "vcard", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert self.process.stdout is not None
        threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def expect(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            for line in self.seen:
                if text in line:
                    self.seen.remove(line)
                    return line
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} not in the output {self.seen!r}"
            try:
                self.seen.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                continue

    def quit(self) -> int:
        if self.process.poll() is None:
            self.type("quit")
        code = self.process.wait(timeout=15)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture
def vcard_processes() -> Iterator[list[VcardProcess]]:
    started: list[VcardProcess] = []
    yield started
    for process in started:
        process.kill()


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENTRY_POINT), "vcard", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_help_lists_every_option_and_prompt_command() -> None:
    for flag in ("--help", "-h"):
        done = run_cli(flag)
        assert done.returncode == 0, done.stderr
        for option in (
            "--host",
            "--port",
            "--iccid",
            "--written",
            "--imsi",
            "--adm",
            "--no-insert",
        ):
            assert option in done.stdout
        for command in ("insert-blank", "insert-written", "remove", "pull-after", "stall-after"):
            assert command in done.stdout
        assert DEFAULT_ICCID in done.stdout
    # The program's own help still lists the command.
    top = subprocess.run([str(ENTRY_POINT), "--help"], capture_output=True, text=True, timeout=60)
    assert top.returncode == 0 and "vcard" in top.stdout


def test_cli_refuses_bad_options_in_one_line() -> None:
    for args, says in (
        (["--iccid", "123"], "ICCID must have 19 or 20 digits"),
        (["--adm", "1234"], "--adm"),
        (["--imsi", "12"], "--imsi"),
        (["--port", "x"], "--port"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ):
        done = run_cli(*args)
        assert done.returncode == 2, (args, done)
        assert says in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_cli_without_pcscd_says_so_and_prompts(vcard_processes: list[VcardProcess]) -> None:
    port = free_port()
    vcard = VcardProcess("--port", str(port), "--iccid", OTHER_ICCID)
    vcard_processes.append(vcard)
    vcard.expect(f"error: vpcd is not reachable at 127.0.0.1:{port}")
    vcard.type("status")
    vcard.expect(f"slot 127.0.0.1:{port}: empty")
    assert vcard.quit() == 0


def test_the_default_card_is_a_writable_card_of_the_demo_stock() -> None:
    from branchdesk.tui.demo_reader import DEMO_BLANK_ICCID
    from support.backend import make_backend

    store = make_backend().store
    card = store.get("sim_cards", DEFAULT_ICCID)
    assert card is not None, "the vcard default card is not in the demo stock"
    assert (card["state"], card["loc_kind"], card["loc_id"]) == ("picked_up", "agent", "A00101")
    assert store.get("cw_card_data", DEFAULT_ICCID) is not None
    assert DEFAULT_ICCID == DEMO_BLANK_ICCID  # the card the demo inserts, the same stock


@pytest.mark.pcsc
@pytest.mark.parametrize(
    ("args", "iccid", "blank"),
    [
        ([], DEFAULT_ICCID, True),
        (["--iccid", OTHER_ICCID], OTHER_ICCID, True),
        (["--written"], DEFAULT_ICCID, False),
        (["--", "--iccid", OTHER_ICCID, "--written"], OTHER_ICCID, False),
        (["--host", "127.0.0.1", "--adm", "3838383838383838"], DEFAULT_ICCID, True),
    ],
)
def test_cli_inserts_the_card_its_options_say(
    pcscd: PcscService,
    vcard_processes: list[VcardProcess],
    args: list[str],
    iccid: str,
    blank: bool,
) -> None:
    assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
    vcard = VcardProcess("--port", str(pcscd.port), *args)  # the demo's port comes from env
    vcard_processes.append(vcard)
    vcard.expect(f"inserted {'blank' if blank else 'written'} card {iccid}")
    reader = PcscReader(pcscd.reader_name)
    try:
        reader.wait_for_card(5.0)
        card = reader.read_card()
        assert (card.iccid, card.blank) == (iccid, blank)
        if not blank:
            assert card.imsi == "460011234567890"
    finally:
        reader.close()
    assert vcard.quit() == 0
    assert wait_for_slot(pcscd, card_present=False, timeout=5.0)


@pytest.mark.pcsc
def test_cli_no_insert_then_commands_at_the_prompt(
    pcscd: PcscService, vcard_processes: list[VcardProcess]
) -> None:
    assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
    # No --port: BRANCHDESK_VPCD_PORT (this process's pcscd) is the default, as for the demo.
    vcard = VcardProcess("--no-insert", "--imsi", "460019876543210")
    vcard_processes.append(vcard)
    vcard.type("status")
    vcard.expect(f"slot 127.0.0.1:{pcscd.port}: empty")
    assert not wait_for_slot(pcscd, card_present=True, timeout=1.0)
    vcard.type("insert-written")
    vcard.expect(f"inserted written card {DEFAULT_ICCID}")
    reader = PcscReader(pcscd.reader_name)
    try:
        reader.wait_for_card(5.0)
        assert reader.read_imsi() == "460019876543210"
    finally:
        reader.close()
    vcard.type("remove")
    vcard.expect("card removed")
    assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
    assert vcard.quit() == 0


@pytest.mark.pcsc
def test_cli_and_another_card_never_share_one_vpcd_port(
    pcscd: PcscService, vcard_processes: list[VcardProcess]
) -> None:
    """The demo (or another vcard) holds the slot: the new vcard says so and never hangs."""
    assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
    demo = VirtualSim(pcscd.host, pcscd.port)
    try:
        demo.insert(VirtualCard.blank(OTHER_ICCID))
        assert wait_for_slot(pcscd, card_present=True, timeout=5.0)
        vcard = VcardProcess()
        vcard_processes.append(vcard)
        line = vcard.expect("error: reader busy", timeout=15.0)
        assert f"127.0.0.1:{pcscd.port} already serves another virtual card" in line
        started = time.monotonic()
        vcard.type("insert-blank")
        vcard.expect("error: reader busy", timeout=15.0)
        assert time.monotonic() - started < 8.0
        vcard.type("status")
        vcard.expect(f"slot 127.0.0.1:{pcscd.port}: empty")
        assert vcard.quit() == 0
        # The card in the reader is still the first one, and it still answers.
        reader = PcscReader(pcscd.reader_name)
        try:
            assert reader.read_iccid() == OTHER_ICCID
        finally:
            reader.close()
    finally:
        demo.close()
    assert wait_for_slot(pcscd, card_present=False, timeout=5.0)


@pytest.mark.pcsc
def test_the_demo_finds_the_reader_held_by_a_vcard(
    pcscd: PcscService, vcard_processes: list[VcardProcess], capsys: pytest.CaptureFixture[str]
) -> None:
    from branchdesk.tui.demo_reader import VIRTUAL_READER, start_virtual_sim

    assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
    vcard = VcardProcess("--iccid", OTHER_ICCID)
    vcard_processes.append(vcard)
    vcard.expect(f"inserted blank card {OTHER_ICCID}")
    sim, reader_name = start_virtual_sim()
    assert sim is None and reader_name == VIRTUAL_READER
    assert "already serves another virtual card" in capsys.readouterr().err
    reader = PcscReader(pcscd.reader_name)
    try:
        reader.wait_for_card(5.0)
        assert reader.read_iccid() == OTHER_ICCID  # the trainer's card, not a fight
    finally:
        reader.close()
    assert vcard.quit() == 0


@pytest.mark.pcsc
def test_a_second_virtual_sim_on_a_busy_slot_is_refused(pcscd: PcscService) -> None:
    assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
    with VirtualSim(pcscd.host, pcscd.port) as first, VirtualSim(pcscd.host, pcscd.port) as second:
        first.insert(VirtualCard.blank(OTHER_ICCID))
        with pytest.raises(SlotBusy):
            second.insert(VirtualCard.blank(DEFAULT_ICCID))
        assert not second.inserted
        first.remove()
        assert wait_for_slot(pcscd, card_present=False, timeout=5.0)
        second.insert(VirtualCard.blank(DEFAULT_ICCID))  # free again: served at once
        assert wait_for_slot(pcscd, card_present=True, timeout=5.0)
