"""Settings and paths: TOML file in the user config dir < ``BRANCHDESK_*`` env vars < flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

APP_NAME = "branchdesk"


def config_dir(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    if environ.get("BRANCHDESK_CONFIG_DIR"):
        return Path(environ["BRANCHDESK_CONFIG_DIR"])
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME))


def data_dir(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    if environ.get("BRANCHDESK_DATA_DIR"):
        return Path(environ["BRANCHDESK_DATA_DIR"])
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


@dataclass
class AppOptions:
    lang: str | None = None
    """zh-CN or en; None = from the locale."""
    api_url: str | None = None
    """None = the embedded local backend."""
    insecure: bool = False
    data_dir: Path | None = None
    """Store of the embedded backend; None = the user data dir."""
    demo: bool = True
    """Load demo data into a new embedded store."""
    sandbox: bool = False
    """``branchdesk demo``: a separate sandbox store, marked DEMO on screen."""
    theme: str = "branchdesk"
    ascii: bool = False
    """ASCII borders and glyphs: the Linux console, CJK-width terminals."""
    slow_link: bool = False
    """No animations, no cursor blink, a slower health poll."""
    timezone: str | None = None
    """IANA zone for every time shown (``Asia/Shanghai``); None = the system's."""
    cursor_blink: bool = True
    """False: a steady cursor in every input (tests and snapshots; ``--slow-link`` implies it)."""
    printer: str | None = None
    """CUPS queue for receipts; None = the system's default printer."""
    print_server: str | None = None
    """CUPS server ``host:port``; None = ``CUPS_SERVER`` or the system's ``client.conf``."""
    print_font: str | None = None
    """A TrueType/OpenType font file for printed documents; None = a CJK font from fontconfig."""
    offline_hours: float = 12.0
    """How long after the last online login a marketer may still log in and work offline."""
    keys: dict[str, Any] = field(default_factory=dict)
    """``[keys]``: binding id → key (``"sim_stock.pickup" = "f9"``), see ``tui/keymap.py``."""
    extra: dict[str, Any] = field(default_factory=dict)

    def receipts_dir(self) -> Path:
        """Where printed documents are kept as PDF when no path was chosen."""
        return self.store_dir() / "receipts"

    def store_dir(self) -> Path:
        base = self.data_dir or data_dir()
        return base / "sandbox" if self.sandbox and self.data_dir is None else base


_ENV = {
    "BRANCHDESK_LANG": "lang",
    "BRANCHDESK_API_URL": "api_url",
    "BRANCHDESK_THEME": "theme",
    "BRANCHDESK_TIMEZONE": "timezone",
    "BRANCHDESK_PRINTER": "printer",
    "BRANCHDESK_PRINT_SERVER": "print_server",
}
_BOOL_ENV = {"BRANCHDESK_ASCII": "ascii", "BRANCHDESK_SLOW_LINK": "slow_link"}


def load_options(
    flags: dict[str, Any], environ: dict[str, str] | os._Environ[str] = os.environ
) -> AppOptions:
    options = AppOptions()
    known = {f.name for f in fields(AppOptions)}
    path = config_dir(environ) / "config.toml"
    if path.exists():
        with path.open("rb") as fh:
            from_file = tomllib.load(fh)
        from_toml: dict[str, Any] = {k: v for k, v in from_file.items() if k in known}
        options = replace(options, **from_toml)
    for env_name, attr in _ENV.items():
        if environ.get(env_name):
            text: dict[str, Any] = {attr: environ[env_name]}
            options = replace(options, **text)
    for env_name, attr in _BOOL_ENV.items():
        value = environ.get(env_name, "").strip().lower()
        if value:
            flag: dict[str, Any] = {attr: value in ("1", "true", "yes", "on")}
            options = replace(options, **flag)
    if environ.get("BRANCHDESK_DATA_DIR"):
        options.data_dir = Path(environ["BRANCHDESK_DATA_DIR"])
    options = replace(options, **{k: v for k, v in flags.items() if v is not None and k in known})
    if isinstance(options.data_dir, str):
        options.data_dir = Path(options.data_dir)
    return options
