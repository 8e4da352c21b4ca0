"""The command line: version, language, backend URL checks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from branchdesk import __version__
from branchdesk.__main__ import build_parser
from branchdesk.clients.api import check_api_url
from branchdesk.tui import i18n


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "branchdesk", *args], capture_output=True, text=True, timeout=60
    )


def test_version() -> None:
    out = _run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"branchdesk {__version__}"


def test_unknown_language_is_refused_clearly() -> None:
    out = _run("--lang", "fr")
    assert out.returncode == 2
    assert "unknown language 'fr': use zh-CN or en" in out.stderr


@pytest.mark.parametrize(
    ("spelling", "lang"), [("zh-CN", "zh-CN"), ("zh_CN", "zh-CN"), ("zh", "zh-CN"), ("EN", "en")]
)
def test_language_spellings(spelling: str, lang: str) -> None:
    assert build_parser().parse_args(["--lang", spelling]).lang == lang


def test_language_defaults_from_the_locale() -> None:
    assert i18n.language_from_locale({"LANG": "zh_CN.UTF-8"}) == "zh-CN"
    assert i18n.language_from_locale({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.language_from_locale({"LANG": "de_DE.UTF-8"}) == "en"
    assert i18n.language_from_locale({}) == "en"


def test_plain_http_to_another_host_is_refused_without_insecure() -> None:
    out = _run("--lang", "en", "--api-url", "http://10.1.2.3:8765")
    assert out.returncode == 2
    assert "Refusing an unencrypted http:// connection" in out.stderr
    assert check_api_url("http://10.1.2.3:8765", insecure=True) is None
    assert check_api_url("https://backend.bank.example", insecure=False) is None
    assert check_api_url("http://127.0.0.1:8765", insecure=False) is None
    assert check_api_url("http://localhost:8765", insecure=False) is None
    assert check_api_url("ftp://x", insecure=False) == "api_url_invalid"


def test_serve_help_lists_its_options() -> None:
    out = _run("serve", "--help")
    assert out.returncode == 0
    for option in ("--host", "--port", "--data", "--demo"):
        assert option in out.stdout


@pytest.mark.parametrize("command", ["demo", "web"])
def test_display_options_before_the_command_are_kept(command: str) -> None:
    """A user's report: `branchdesk --lang zh-CN demo` came up in English (argparse wrote the
    command's defaults over the options given before it)."""
    args = build_parser().parse_args(["--lang", "zh-CN", "--ascii", "--theme", "ansi", command])
    assert (args.lang, args.ascii, args.theme) == ("zh-CN", True, "ansi")
    after = build_parser().parse_args([command, "--lang", "en", "--slow-link"])
    assert (after.lang, after.slow_link, after.ascii) == ("en", True, None)


def test_data_before_serve_is_kept() -> None:
    from pathlib import Path

    assert build_parser().parse_args(["--data", "/srv/bd", "serve"]).data == Path("/srv/bd")
    assert build_parser().parse_args(["serve", "--data", "/srv/x"]).data == Path("/srv/x")
    assert build_parser().parse_args(["serve"]).data is None
