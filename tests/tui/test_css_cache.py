"""The harness's shared CSS parse (support/css_cache.py) gives the rules Textual would parse."""

from __future__ import annotations

from textual.css import parse as parse_module
from textual.css import stylesheet as stylesheet_module
from textual.css.tokenize import tokenize_values

from branchdesk.clients.local.backend import Backend
from branchdesk.tui.app import BranchdeskApp
from support import css_cache
from support.tui import SIZE, make_app

APP_CSS = BranchdeskApp.CSS_PATH


def _app_css() -> str:
    from pathlib import Path

    import branchdesk.tui.app as app_module

    return (Path(app_module.__file__).parent / str(APP_CSS)).read_text(encoding="utf-8")


def test_the_cache_sits_where_textual_parses_stylesheets() -> None:
    assert stylesheet_module.parse is css_cache.cached_parse
    css_cache.install()  # idempotent
    assert stylesheet_module.parse is css_cache.cached_parse


def test_cached_rules_are_the_parsed_rules_for_each_set_of_variables(backend: Backend) -> None:
    css = _app_css() + "\n#css-cache-probe { color: $primary; }\n"
    where = ("css-cache-test", "")
    theme = make_app(backend).get_css_variables()
    for primary in ("#112233", "#445566"):
        tokens = tokenize_values({**theme, "primary": primary})
        parsed = list(parse_module.parse("", css, where, variable_tokens=tokens))
        first = css_cache.cached_parse("", css, where, variable_tokens=tokens)
        again = css_cache.cached_parse("", css, where, variable_tokens=dict(tokens))
        assert [r.css for r in first] == [r.css for r in parsed] == [r.css for r in again]
        probe = next(r for r in first if "css-cache-probe" in r.css)
        assert primary.lstrip("#").lower() in probe.css.lower().replace("#", "")


async def test_a_second_app_parses_nothing_again(backend: Backend) -> None:
    for run in range(2):
        before = dict(css_cache.stats)
        async with make_app(backend).run_test(size=SIZE) as pilot:
            await pilot.pause()
        if run == 1:
            assert css_cache.stats["misses"] == before["misses"]
            assert css_cache.stats["hits"] > before["hits"]
