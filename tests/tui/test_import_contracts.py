"""Import contracts: import-linter's layers and cycles, and screens typed by the App protocol."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is in the test extra"
    out = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_screens_and_widgets_know_the_app_only_by_its_protocol() -> None:
    """Even under TYPE_CHECKING (which import-linter leaves out), nothing imports tui.app."""
    paths = sorted((ROOT / "screens").rglob("*.py")) + [ROOT / "tui" / "widgets.py"]
    offenders = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if "branchdesk.tui.app" in names:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_mypy_sees_the_package_through_the_typecheck_link() -> None:
    link = ROOT / ".typecheck" / "branchdesk"
    assert link.is_symlink() and link.resolve() == ROOT
