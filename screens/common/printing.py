"""Printing from a screen: the PDF is made and sent in a thread worker, the outcome shown.

A receipt screen mixes in ``Printing`` and calls ``print_document(title, text, pdf_path)``. In a
terminal the PDF goes to CUPS (``options.printer`` or the system default); in the browser view
(``App.is_web``) it is delivered to the browser, since the printer of the server is not the
trainee's. Either way the PDF stays at ``pdf_path``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from branchdesk.tui import printing
from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from branchdesk.tui.app_protocol import AppProtocol

log = logging.getLogger(__name__)


class Printing:
    """Mixin for a screen with ``show_status`` (``ApiCalls``)."""

    printed_pdf: Path | None = None
    """The last PDF this screen made (tests and the status line point at it)."""

    def print_document(self, title: str, text: str, pdf_path: Path) -> None:
        screen = cast("Any", self)
        if screen.is_printing:
            return
        screen.is_printing = True
        screen.show_status(_("print.printing"), "info")
        options = cast("AppProtocol", screen.app).options
        web = bool(screen.app.is_web)

        def work() -> tuple[str, str]:
            try:
                font = printing.find_cjk_font(options.print_font)
                printing.render_pdf(title, text, pdf_path, font=font)
            except printing.PrintError as exc:
                return "error", _(f"print.error.{exc.kind}", reason=exc.reason, path=pdf_path)
            except OSError as exc:
                return "error", _("print.error.save_failed", reason=exc.strerror or str(exc))
            self.printed_pdf = pdf_path
            if web:
                return "web", ""
            try:
                job = printing.print_pdf(
                    pdf_path,
                    printer=options.printer,
                    server=options.print_server,
                    title=pdf_path.stem,
                )
            except printing.PrintError as exc:
                return "error", _(f"print.error.{exc.kind}", reason=exc.reason, path=pdf_path)
            printer = options.printer or _("print.default_printer")
            return "ok", _("print.printed", printer=printer, job=job, path=pdf_path)

        def finished(outcome: tuple[str, str]) -> None:
            screen.is_printing = False
            kind, message = outcome
            if kind == "web":
                screen.app.deliver_binary(
                    pdf_path, save_filename=pdf_path.name, mime_type="application/pdf"
                )
                message = _("print.delivered", name=pdf_path.name, path=pdf_path)
                kind = "ok"
            screen.show_status(message, kind)

        def in_thread() -> None:
            try:
                outcome = work()
            except Exception as exc:  # noqa: BLE001 - a broken font or PDF must not kill the app
                log.exception("printing %s failed", pdf_path)
                outcome = ("error", _("print.error.lp_failed", reason=str(exc), path=pdf_path))
            screen.app.call_from_thread(finished, outcome)

        screen.run_worker(in_thread, thread=True, group="print", exit_on_error=False)

    is_printing: bool = False
