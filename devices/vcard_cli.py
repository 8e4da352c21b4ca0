"""``branchdesk vcard``: a virtual SIM in the vpcd reader, driven from a prompt.

For developers and trainers: insert a blank or an already-written card, pull it out, or
arrange for it to be pulled in the middle of the next write, to show every reader error
on purpose. Stopping pcscd shows the "driver missing" error.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from typing import TextIO

from branchdesk.devices import encoding
from branchdesk.devices.vcard import (
    DEFAULT_ADM,
    DEFAULT_HOST,
    ENV_VPCD_PORT,
    SlotBusy,
    VirtualSim,
    default_port,
)
from branchdesk.devices.virtual_card import VirtualCard

DEFAULT_ICCID = "89860126011000003589"
"""A card of the demo stock, picked up by c001's agent with its card data: writable in the
demo (the same card ``branchdesk demo`` inserts)."""
DEFAULT_WRITTEN_IMSI = "460011234567890"

HELP = """\
commands:
  insert-blank [ICCID]    insert a blank card (the default ICCID if none given)
  insert-written [ICCID]  insert a card that already carries a subscription
  remove                  pull the card out
  pull-after N            pull the card out after its next N successful UPDATEs
  stall-after N           the card stops answering after its next N successful UPDATEs
                          (0: at once), until it is removed; shows the reader timeout
  status                  show the slot and the card
  help                    show this list
  quit                    remove the card and exit"""


def _valid(encode: Callable[[str], object]) -> Callable[[str], str]:
    """An argparse ``type``: the value as given, refused when ``encode`` refuses it."""

    def check(value: str) -> str:
        try:
            encode(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return value

    return check


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="branchdesk vcard",
        description="Emulate a SIM card in the vsmartcard vpcd reader of a local pcscd.",
        epilog=f"At the prompt (or one per line on standard input):\n{HELP}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="vpcd host (default %(default)s)")
    parser.add_argument(
        "--port",
        type=int,
        default=default_port(),
        help=f"vpcd port (default %(default)s; ${ENV_VPCD_PORT} sets it, as for the demo)",
    )
    parser.add_argument(
        "--iccid",
        type=_valid(encoding.encode_iccid),
        default=DEFAULT_ICCID,
        help="ICCID of the cards inserted (default %(default)s, a writable card of the demo stock)",
    )
    parser.add_argument(
        "--written",
        action="store_true",
        help="start with an already-written card (the reader says to change the card)",
    )
    parser.add_argument(
        "--imsi",
        type=_valid(encoding.encode_imsi),
        default=DEFAULT_WRITTEN_IMSI,
        help="IMSI of written cards (default %(default)s)",
    )
    parser.add_argument(
        "--adm",
        type=_valid(encoding.encode_adm),
        default=DEFAULT_ADM,
        help="ADM key of the cards (8 decimal or 16 hex digits)",
    )
    parser.add_argument("--no-insert", action="store_true", help="start with the slot empty")
    return parser


class _Console:
    def __init__(self, args: argparse.Namespace, out: TextIO) -> None:
        self.args = args
        self.out = out
        self.sim = VirtualSim(args.host, args.port, on_event=self._event)

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def _event(self, reason: str) -> None:
        self.say(f"card removed: {reason}")

    def insert(self, written: bool, iccid: str | None = None) -> None:
        iccid = iccid or self.args.iccid
        try:
            if written:
                card = VirtualCard.written(iccid, self.args.imsi, adm=self.args.adm)
            else:
                card = VirtualCard.blank(iccid, adm=self.args.adm)
        except ValueError as exc:
            self.say(f"error: {exc}")
            return
        try:
            self.sim.insert(card)
        except SlotBusy as exc:
            self.say(f"error: reader busy: {exc}")
            return
        except ConnectionError as exc:
            self.say(f"error: {exc}")
            return
        kind = "written" if written else "blank"
        self.say(f"inserted {kind} card {iccid} into {self.args.host}:{self.args.port}")

    def status(self) -> None:
        card = self.sim.card
        slot = f"{self.args.host}:{self.args.port}"
        if card is None:
            self.say(f"slot {slot}: empty")
            return
        contents = "blank" if card.is_blank else f"written, IMSI {card.imsi}"
        self.say(
            f"slot {slot}: card {card.iccid}, {contents}, ADM tries left {card.adm_tries_left}, "
            f"{card.update_count} updates, {len(card.commands)} commands"
        )

    def run_command(self, line: str) -> bool:
        """Execute one prompt line; False when the console should exit."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            self.say(f"error: {exc}")
            return True
        if not words:
            return True
        command, rest = words[0].lower(), words[1:]
        if command in ("quit", "exit"):
            return False
        if command == "insert-blank":
            self.insert(False, rest[0] if rest else None)
        elif command == "insert-written":
            self.insert(True, rest[0] if rest else None)
        elif command == "remove":
            if self.sim.inserted:
                self.sim.remove()
                self.say("card removed")
            else:
                self.say("no card to remove")
        elif command == "pull-after":
            self.pull_after(rest)
        elif command == "stall-after":
            self.stall_after(rest)
        elif command == "status":
            self.status()
        elif command == "help":
            self.say(HELP)
        else:
            self.say(f"unknown command {command!r}; type 'help'")
        return True

    def pull_after(self, rest: list[str]) -> None:
        if len(rest) != 1 or not rest[0].isdigit():
            self.say("usage: pull-after N")
        elif not self.sim.inserted:
            self.say("no card inserted")
        else:
            self.sim.remove_after_updates(int(rest[0]))
            self.say(f"the card will be pulled out after {rest[0]} more updates")

    def stall_after(self, rest: list[str]) -> None:
        if len(rest) != 1 or not rest[0].isdigit():
            self.say("usage: stall-after N")
        elif not self.sim.inserted:
            self.say("no card inserted")
        else:
            self.sim.stop_answering(int(rest[0]))
            self.say(f"the card will stop answering after {rest[0]} more updates")


def main(argv: list[str], *, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    if "--" in argv:  # `branchdesk vcard -- --iccid X`: vcard takes no positional arguments
        argv = [word for word in argv if word != "--"]
    args = build_parser().parse_args(argv)
    source = stdin if stdin is not None else sys.stdin
    console = _Console(args, stdout if stdout is not None else sys.stdout)
    interactive = source.isatty()
    if not args.no_insert:
        console.insert(args.written)
    if interactive:
        console.say("type 'help' for commands")
    try:
        while True:
            if interactive:
                print("vcard> ", end="", file=console.out, flush=True)
            line = source.readline()
            if not line or not console.run_command(line):
                break
    except KeyboardInterrupt:
        pass
    finally:
        console.sim.close()
    console.say("bye")
    return 0
