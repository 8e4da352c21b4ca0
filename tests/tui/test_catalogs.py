"""Every user-visible string comes from a catalog, complete in both languages."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from textual.binding import Binding

import branchdesk.screens
from branchdesk.clients.local import errors as server_errors
from branchdesk.clients.local.app import create_app
from branchdesk.tui import i18n
from branchdesk.tui.app import BranchdeskApp
from branchdesk.tui.workflows import WORKFLOWS
from support.backend import make_backend

ROOT = Path(__file__).resolve().parents[2]
_PLACEHOLDER = re.compile(r"\{(\w+)")


def test_every_tui_key_has_both_languages() -> None:
    missing = [
        (key, lang)
        for key, texts in i18n.load_catalog().items()
        for lang in i18n.LANGUAGES
        if not texts.get(lang, "").strip()
    ]
    assert missing == []


def test_both_languages_use_the_same_placeholders() -> None:
    for key, texts in i18n.load_catalog().items():
        names = {lang: set(_PLACEHOLDER.findall(texts[lang])) for lang in i18n.LANGUAGES}
        assert names["zh-CN"] == names["en"], key


def test_every_server_message_has_both_languages() -> None:
    create_app(make_backend())  # imports every workflow module, which registers its messages
    for code, texts in server_errors.MESSAGES.items():
        for lang in server_errors.LANGS:
            assert texts.get(lang, "").strip(), (code, lang)
        assert set(_PLACEHOLDER.findall(texts["zh-CN"])) == set(
            _PLACEHOLDER.findall(texts["en"])
        ), code


def _screen_modules() -> list[str]:
    return [
        f"branchdesk.screens.{m.name}" for m in pkgutil.iter_modules(branchdesk.screens.__path__)
    ]


def _bindings() -> list[tuple[str, Binding]]:
    found: list[tuple[str, Binding]] = [("app", b) for b in BranchdeskApp.BINDINGS]
    for name in _screen_modules():
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if isinstance(obj, type) and obj.__module__ == name:
                for b in vars(obj).get("BINDINGS", []):
                    if isinstance(b, Binding):
                        found.append((f"{name}.{obj.__name__}", b))
    return found


def test_every_binding_has_an_id_and_a_catalog_description() -> None:
    for owner, binding in _bindings():
        assert binding.id, f"{owner}: binding {binding.key} has no id"
        if binding.show:
            assert i18n.has(binding.description), (
                f"{owner}: binding {binding.key} description {binding.description!r} "
                "is not a catalog key"
            )


def test_binding_ids_are_unique_per_class() -> None:
    seen: dict[str, set[str]] = {}
    for owner, binding in _bindings():
        ids = seen.setdefault(owner, set())
        assert binding.id not in ids, (owner, binding.id)
        ids.add(binding.id)


def test_workflow_titles_are_catalog_keys() -> None:
    for workflow in WORKFLOWS:
        assert i18n.has(workflow.title_key), workflow.id
        assert i18n.has(workflow.help_key), workflow.id


_CALL = re.compile(r"""\b_\(\s*f?["']([^"'{]+)["']""")


@pytest.mark.parametrize(
    "path",
    sorted(p for d in ("screens", "tui") for p in (ROOT / d).rglob("*.py")),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_literal_keys_used_in_code_exist(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    catalog = i18n.load_catalog()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "_"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            key = node.args[0].value
            assert key in catalog, f"{path.name}:{node.lineno}: {key!r} is not in the catalog"
