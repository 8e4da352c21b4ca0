"""Message catalogs: every user-visible string of the TUI comes from ``tui/locales/*.toml``.

Each catalog file covers one area and holds both languages side by side::

    [login.title]
    zh-CN = "登录"
    en = "Log in"
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

LANGUAGES = ("zh-CN", "en")
LOCALES_DIR = Path(__file__).with_name("locales")

_catalog: dict[str, dict[str, str]] | None = None
_lang = "zh-CN"


class UnknownLanguage(ValueError):
    pass


CORE_FILE = "core.toml"
_KEY = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$")
"""Catalog keys are dotted names; anything else (a phrase of Textual's own) is no key."""
_complete = False


def load_catalog(
    directory: Path = LOCALES_DIR, only: str | None = None
) -> dict[str, dict[str, str]]:
    """Entries of all catalog files (or of the file named ``only``), as key → {lang: text}."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob("*.toml")):
        if only is None or path.name == only:
            with path.open("rb") as fh:
                _flatten(tomllib.load(fh), "", merged, path)
    return merged


def _flatten(node: dict[str, Any], prefix: str, out: dict[str, dict[str, str]], path: Path) -> None:
    texts = {k: v for k, v in node.items() if k in LANGUAGES and isinstance(v, str)}
    if texts:
        if prefix in out:
            raise ValueError(f"{path.name}: key {prefix!r} defined twice")
        out[prefix] = texts
    for key, value in node.items():
        if isinstance(value, dict):
            _flatten(value, f"{prefix}.{key}" if prefix else key, out, path)


def catalog() -> dict[str, dict[str, str]]:
    """The whole catalog."""
    global _catalog, _complete
    if not _complete:
        _catalog = load_catalog()
        _complete = True
    assert _catalog is not None
    return _catalog


def _lookup(key: str) -> dict[str, str] | None:
    """The core file alone serves the first frame; the workflow files load on the first miss."""
    global _catalog
    if _catalog is None:
        _catalog = load_catalog(only=CORE_FILE)
    texts = _catalog.get(key)
    if texts is None and not _complete and _KEY.match(key):
        texts = catalog().get(key)
    return texts


def set_language(lang: str) -> None:
    global _lang
    if lang not in LANGUAGES:
        raise UnknownLanguage(lang)
    _lang = lang


def language() -> str:
    return _lang


def normalise_language(value: str) -> str:
    """Map user spellings (zh, zh_CN, zh-cn, en_US, EN) to a supported language."""
    v = value.strip().replace("_", "-").lower()
    if v in ("zh", "zh-cn", "zh-hans", "zh-hans-cn", "cn", "chinese"):
        return "zh-CN"
    if v in ("en", "en-us", "en-gb", "english"):
        return "en"
    raise UnknownLanguage(value)


def language_from_locale(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """zh-CN when the locale is Chinese, otherwise en."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = environ.get(name, "")
        if value:
            return "zh-CN" if value.lower().startswith("zh") else "en"
    return "en"


_PLURAL = re.compile(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}")
"""``{n|try|tries}`` in a catalog text: the first word when the parameter ``n`` is 1, else the
second. English needs it ("1 try left", "2 tries left"); Chinese texts have no plural."""


def plural(count: object, one: str, other: str) -> str:
    """``one`` for a count of exactly 1 (``1``, ``"1"``, ``1.0``), ``other`` for anything else."""
    try:
        number = float(str(count).replace(",", ""))
    except ValueError:
        return other
    return one if number == 1 else other


def _plurals(text: str, params: dict[str, Any]) -> str:
    def pick(match: re.Match[str]) -> str:
        name, one, other = match.groups()
        return plural(params.get(name), one, other)

    return _PLURAL.sub(pick, text)


def _(key: str, /, **params: Any) -> str:
    """The text for ``key`` in the current language; the key itself if it is not a catalog key."""
    texts = _lookup(key)
    if texts is None:
        return key
    text = texts.get(_lang) or texts.get("en") or key
    if "|" in text:
        text = _plurals(text, params)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def has(key: str) -> bool:
    return key in catalog()
