"""Dependencies point one way, and the first frame does not pay for the server or pyscard."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("screens", ("branchdesk.clients.local", "fastapi", "uvicorn", "starlette")),
        (
            "clients/local",
            ("textual", "branchdesk.tui", "branchdesk.screens", "branchdesk.devices", "smartcard"),
        ),
        (
            "devices",
            (
                "textual",
                "httpx",
                "branchdesk.clients",
                "branchdesk.tui",
                "branchdesk.screens",
                "fastapi",
            ),
        ),
        ("clients", ("textual", "branchdesk.tui", "branchdesk.screens", "branchdesk.devices")),
    ],
)
def test_dependencies_point_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    for path in _files(folder):
        if folder == "clients" and "local" in path.relative_to(ROOT / "clients").parts[:1]:
            continue
        for name in _imports(path):
            assert not any(name == f or name.startswith(f + ".") for f in forbidden), (
                f"{path.relative_to(ROOT)} imports {name}"
            )


def test_client_code_outside_local_does_not_import_the_local_backend() -> None:
    for path in _files("clients"):
        if path.relative_to(ROOT / "clients").parts[0] == "local":
            continue
        for name in _imports(path):
            assert not name.startswith("branchdesk.clients.local"), path


def test_the_first_frame_path_imports_no_server_framework_or_pyscard() -> None:
    code = (
        "import sys, json\n"
        "import branchdesk.__main__\n"
        "import branchdesk.tui.app\n"
        "import branchdesk.screens.common.login\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    for heavy in (
        "fastapi",
        "uvicorn",
        "starlette",
        "pydantic",
        "smartcard",
        "tinydb",
        "branchdesk.clients.local",
        "segno",
        "keyring.backends.SecretService",
    ):
        assert heavy not in loaded, f"{heavy} is imported on the way to the first frame"
