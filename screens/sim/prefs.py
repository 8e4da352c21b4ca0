"""What a clerk chose last in the SIM batch screens (the card source), per staff member.

Kept in the user's config dir beside ``config.toml`` (``sim-prefs.json``), so it survives a
restart; several clerks sharing one account on the host (over SSH) each keep their own. A
damaged or unreadable file is ignored: a preference is never worth an error.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from branchdesk.tui.options import config_dir

FILE = "sim-prefs.json"


def _path() -> Path:
    return config_dir() / FILE


def _load() -> dict[str, Any]:
    try:
        data = json.loads(_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load(user: str, name: str) -> str | None:
    value = _load().get(user, {})
    found = value.get(name) if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def save(user: str, name: str, value: str) -> None:
    data = _load()
    mine = data.get(user)
    mine = dict(mine) if isinstance(mine, dict) else {}
    if mine.get(name) == value:
        return
    data[user] = {**mine, name: value}
    path = _path()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{FILE}.{os.getpid()}")
        temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        temporary.replace(path)
