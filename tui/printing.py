"""Receipts on paper: a PDF with a CJK font, sent to a CUPS printer with ``lp``.

The PDF is written with fpdf2 in a font fontconfig finds for Chinese (``fonts-noto-cjk`` on
Debian; a ``print_font`` path in the config overrides it), so the same file prints, is saved
beside the receipt and can be handed to a browser. ``lp`` prints to the configured ``printer``,
or the system default when none is set; ``print_server`` (``host:port``) picks a CUPS server other
than the one ``CUPS_SERVER``/``client.conf`` names. Nothing here touches the event loop: callers
run it in a thread worker.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from branchdesk.clients.atomic_file import write_atomic

# Monospace first: receipts align columns with spaces.
_FONT_QUERIES = ("Noto Sans Mono CJK SC", "Noto Sans CJK SC", ":lang=zh-cn")
_FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")
_LP_TIMEOUT = 30.0


class PrintError(Exception):
    """Printing failed; ``reason`` is what CUPS or the system said, for the staff message."""

    def __init__(self, kind: str, reason: str = "") -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        """``no_font``, ``no_lp``, ``no_printer``, ``lp_failed``, ``timeout`` or ``save_failed``."""
        self.reason = reason


@dataclass(frozen=True)
class Font:
    path: Path
    index: int = 0
    """Face number inside a font collection (.ttc)."""


def _fc_match(query: str) -> Font | None:
    if shutil.which("fc-match") is None:
        return None
    try:
        done = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}\n%{lang}", query],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = done.stdout.split("\n")
    if done.returncode != 0 or len(parts) < 3:
        return None
    path = Path(parts[0])
    # fc-match always answers; a font without Chinese in its languages is no answer.
    if path.suffix.lower() not in _FONT_SUFFIXES or "zh-cn" not in parts[2].split("|"):
        return None
    return Font(path, int(parts[1] or 0)) if path.is_file() else None


@functools.cache
def find_cjk_font(configured: str | None = None) -> Font:
    """The font for printed documents; ``PrintError('no_font')`` when there is none."""
    if configured:
        path = Path(configured).expanduser()
        if path.is_file():
            return Font(path)
        raise PrintError("no_font", str(path))
    for query in _FONT_QUERIES:
        font = _fc_match(query)
        if font is not None:
            return font
    raise PrintError("no_font", "fonts-noto-cjk")


def render_pdf(title: str, text: str, path: Path, *, font: Font | None = None) -> Path:
    """Write ``text`` (the receipt as shown on screen) as an A4 PDF at ``path``, atomically."""
    from fpdf import FPDF

    font = font or find_cjk_font()
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("branchdesk")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_font("cjk", "", str(font.path), collection_font_number=font.index)
    pdf.add_page()
    pdf.set_font("cjk", size=11)
    for line in text.splitlines() or [""]:
        pdf.multi_cell(0, 6, line or " ", new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    return write_atomic(path, data)


def print_pdf(
    path: Path,
    *,
    printer: str | None = None,
    server: str | None = None,
    title: str | None = None,
    timeout: float = _LP_TIMEOUT,
) -> str:
    """Send ``path`` to CUPS with ``lp``; returns the request id (``printer-42``)."""
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError("no_lp", "cups-client")
    command = [lp]
    if server:
        command += ["-h", server]
    if printer:
        command += ["-d", printer]
    if title:
        command += ["-t", title]
    command += ["--", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise PrintError("timeout", f"{timeout:.0f} s") from None
    except OSError as exc:
        raise PrintError("lp_failed", exc.strerror or str(exc)) from None
    said = (done.stderr or done.stdout).strip().removeprefix("lp: ")
    if done.returncode != 0:
        lowered = said.lower()
        kind = "no_printer" if "destination" in lowered or "printer" in lowered else "lp_failed"
        raise PrintError(kind, said)
    # "request id is PDF-3 (1 file(s))"
    words = done.stdout.split()
    return words[3] if len(words) > 3 and words[:3] == ["request", "id", "is"] else said
