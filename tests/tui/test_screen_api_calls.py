"""Screens call the API one way only: ``BaseScreen.call_api`` (screens/common/actions.py).

An AST scan: outside the mechanism no screen catches ``ApiError``/``BackendUnreachable``/
``ClientError`` and no screen starts an async worker of its own (``@work`` without
``thread=True``, ``run_worker``) — that is how a screen would call the API another way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import branchdesk.screens as screens_pkg

SCREENS = Path(screens_pkg.__file__).parent
MECHANISM = {"common/actions.py"}
CLIENT_ERRORS = {"ApiError", "BackendUnreachable", "ClientError"}


def _names(node: ast.expr | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, ast.Tuple):
        return set().union(*(_names(e) for e in node.elts))
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        return {node.attr}
    return set()


def _is_thread_work(decorator: ast.expr) -> bool:
    return isinstance(decorator, ast.Call) and any(
        k.arg == "thread" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in decorator.keywords
    )


def violations(source: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ExceptHandler) and _names(node.type) & CLIENT_ERRORS:
            found.append(f"line {node.lineno}: except {sorted(_names(node.type))}")
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if _names(target) == {"work"} and not _is_thread_work(decorator):
                    found.append(f"line {node.lineno}: @work {node.name}")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "run_worker"
            and not _is_thread_work(node)
        ):
            found.append(f"line {node.lineno}: run_worker")
    return found


def _modules() -> dict[str, list[str]]:
    return {
        path.relative_to(SCREENS).as_posix(): violations(path.read_text(encoding="utf-8"))
        for path in sorted(SCREENS.rglob("*.py"))
    }


def test_screens_call_the_api_only_through_the_mechanism() -> None:
    offenders = {
        name: found for name, found in _modules().items() if found and name not in MECHANISM
    }
    assert offenders == {}


def test_the_scan_sees_what_it_forbids() -> None:
    source = (
        "from textual import work\n"
        "class S:\n"
        "    @work(exclusive=True)\n"
        "    async def go(self):\n"
        "        try:\n"
        "            await self.client.get('/x')\n"
        "        except (ApiError, errors.BackendUnreachable):\n"
        "            pass\n"
        "    def run(self):\n"
        "        self.run_worker(self.go())\n"
        "    @work(thread=True)\n"
        "    def card(self):\n"
        "        pass\n"
    )
    assert len(violations(source)) == 3


def test_client_error_handlers_in_screens_at_most_three_all_in_the_mechanism() -> None:
    where = [
        path.relative_to(SCREENS).as_posix()
        for path in SCREENS.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ExceptHandler) and _names(node.type) & CLIENT_ERRORS
    ]
    # Issue 13: 95 before; now only the mechanism catches them (ApiError with 401, unreachable).
    assert len(where) <= 3
    assert set(where) <= MECHANISM
