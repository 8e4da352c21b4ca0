"""Subprocesses the tests start (servers, daemons, browsers): stopped the same way everywhere."""

from __future__ import annotations

import subprocess
import sys


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """Terminate ``process`` if it still runs; kill it when it does not end within ``timeout``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def python_prints(script: str, timeout: float = 30) -> str:
    """What ``script`` prints, run by a fresh interpreter (nothing imported yet); it must exit 0."""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
