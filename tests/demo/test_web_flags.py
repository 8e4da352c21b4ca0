"""Every UI flag given to ``branchdesk web`` reaches the app each browser tab runs."""

from __future__ import annotations

import argparse
import shlex

from branchdesk.__main__ import _ui_options, build_parser
from branchdesk.tui.web import tab_command


def _ui_flags() -> list[argparse.Action]:
    parser = argparse.ArgumentParser()
    _ui_options(parser)
    return [a for a in parser._actions if a.option_strings and a.dest != "help"]


def test_every_ui_flag_of_web_reaches_the_served_app() -> None:
    argv = ["web"]
    for action in _ui_flags():
        flag = action.option_strings[0]
        if action.choices:
            argv += [flag, sorted(action.choices)[-1]]
        elif action.nargs == 0:
            argv.append(flag)
        else:
            argv += [flag, "en"]
    args = build_parser().parse_args(argv)
    served = shlex.split(tab_command(args, "http://127.0.0.1:9"))
    assert served[1:3] == ["-m", "branchdesk"]
    back = build_parser().parse_args(served[3:])
    for action in _ui_flags():
        assert getattr(back, action.dest) == getattr(args, action.dest), action.dest
        assert getattr(back, action.dest) is not None, action.dest
