"""The wheel installs `branchdesk` and nothing generic at the top level of site-packages."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from branchdesk import __version__

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_wheel_installs_into_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheels = list(dist.glob("branchdesk-*.whl"))
    assert len(wheels) == 1
    venv = tmp_path / "venv"
    # No pip of its own (ensurepip takes most of this test's time): this environment's pip
    # installs into it with --python.
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    py = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The dependencies come from this environment (no network in tests); the project itself
    # comes only from the wheel: a plain path entry does not activate the editable install.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(py), "install"),
            *("--no-deps", "--no-index", "--quiet", "--disable-pip-version-check", str(wheels[0])),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    top_level = {p.name for p in site.iterdir()}
    assert "branchdesk" in top_level
    for generic in ("tui", "screens", "clients", "devices", "tests", "bench"):
        assert generic not in top_level, f"{generic} was installed at the top level"
    installed = site / "branchdesk"
    assert (installed / "clients" / "openapi.json").exists()
    assert (installed / "tui" / "app.tcss").exists()
    assert list((installed / "tui" / "locales").glob("*.toml"))
    out = subprocess.run(
        [str(venv / "bin" / "branchdesk"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"branchdesk {__version__}"
    where = subprocess.run(
        [str(py), "-c", "import branchdesk; print(branchdesk.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(site)), where


def test_every_sub_package_is_listed_in_pyproject() -> None:
    """setuptools cannot find packages under a renamed root, so the list is checked here."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {"branchdesk"} | {
        "branchdesk." + ".".join(init.parent.relative_to(ROOT).parts)
        for init in ROOT.rglob("__init__.py")
        if init.parent != ROOT
        and not {".venv", ".git", "tests", "bench", "build"} & set(init.relative_to(ROOT).parts)
    }
    assert listed == found
