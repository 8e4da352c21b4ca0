"""Each Textual CSS source parsed once per test process, not once per App.

A Textual ``Stylesheet`` keeps its parsed rules in a cache of its own, and a re-parse (a new
theme, a screen's CSS) starts from a fresh ``Stylesheet``: every App a test starts parses the
app's CSS and every widget's ``DEFAULT_CSS`` again, a tenth of a Pilot test's CPU. Parsing is a
pure function of its arguments, so the rules can be shared: ``install()`` puts a process-wide
cache in front of ``textual.css.parse.parse`` where the stylesheet module calls it. The key
holds every argument (the CSS text itself, where it was read from, the theme's variables as
tokens), so a changed file, theme or variable is parsed afresh.

The rule sets are shared as Textual shares them between the parses of one App: read, never
changed. ``tests/tui/test_css_cache.py`` checks that the cached rules are the parsed ones and
that the hook is still where Textual calls it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.css import parse as parse_module
from textual.css import stylesheet as stylesheet_module
from textual.css.model import RuleSet
from textual.css.tokenize import Token
from textual.css.types import CSSLocation

_parse = parse_module.parse
_CACHE: dict[tuple[Any, ...], tuple[RuleSet, ...]] = {}
stats = {"hits": 0, "misses": 0}


def _tokens_key(tokens: dict[str, list[Token]] | None) -> tuple[Any, ...] | None:
    if tokens is None:
        return None
    return tuple((name, tuple(value)) for name, value in tokens.items())


def cached_parse(
    scope: str,
    css: str,
    read_from: CSSLocation,
    variables: dict[str, str] | None = None,
    variable_tokens: dict[str, list[Token]] | None = None,
    is_default_rules: bool = False,
    tie_breaker: int = 0,
) -> Iterable[RuleSet]:
    """``textual.css.parse.parse``, remembered for this process."""
    key = (
        scope,
        css,
        read_from,
        None if variables is None else tuple(variables.items()),
        _tokens_key(variable_tokens),
        is_default_rules,
        tie_breaker,
    )
    rules = _CACHE.get(key)
    if rules is None:
        stats["misses"] += 1
        # A parse error raises here, uncached: the next App meets it again.
        rules = tuple(
            _parse(
                scope,
                css,
                read_from,
                variables=variables,
                variable_tokens=variable_tokens,
                is_default_rules=is_default_rules,
                tie_breaker=tie_breaker,
            )
        )
        _CACHE[key] = rules
    else:
        stats["hits"] += 1
    return list(rules)


def install() -> None:
    """Put the cache where Textual's stylesheet calls the parser (idempotent).

    Fails loudly if a Textual release moved that call: the cache would silently stop working.
    """
    current = getattr(stylesheet_module, "parse", None)
    if current is cached_parse:
        return
    if current is not _parse:
        raise RuntimeError(
            "textual.css.stylesheet no longer calls textual.css.parse.parse: "
            "update tests/support/css_cache.py"
        )
    stylesheet_module.parse = cached_parse  # type: ignore[assignment]
