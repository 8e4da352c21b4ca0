"""``branchdesk vcard``: the trainer's prompt, with and without pcscd."""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from branchdesk.devices.errors import NoReaderOrCard
from branchdesk.devices.pcsc import PcscReader
from branchdesk.devices.vcard_cli import DEFAULT_ICCID, main
from support.pcsc import PcscService, wait_for_slot


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
        with pytest.raises(NoReaderOrCard):
            reader.read_iccid()

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
