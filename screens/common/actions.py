"""The one way a screen calls the API.

``screen.call_api(name, call, done)`` runs ``call`` in an async worker and turns every way it
can end into the same behaviour on every screen:

- while it runs, the actions named in ``keys`` (default: ``name``) are disabled and drawn so in
  the Footer, and a second start of the same ``name`` is refused — one press, one request;
- after ``PROGRESS_DELAY`` the status line says it is still working;
- ``ApiError`` shows its message (already in the UI language); an unreachable backend shows one
  shared text; a 401 sends the user back to the login screen, the screens below kept as typed;
- any other exception opens an error panel with a reference number and is logged; the app
  keeps running (the worker never uses Textual's ``exit_on_error``);
- Esc cancels a read (``write=False``); a write is left to finish — its idempotency key makes a
  retry safe, a half-cancelled one would leave the user not knowing.

``Intents`` keeps one ``Action`` (idempotency key) per user intent so that its retries reuse it;
``QueryResult`` ties a result to the query that produced it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from branchdesk.clients.api import Action
from branchdesk.clients.errors import ApiError, BackendUnreachable
from branchdesk.tui.i18n import _

if TYPE_CHECKING:
    from textual.worker import Worker

    from branchdesk.screens.common.base import ApiCalls

T = TypeVar("T")
log = logging.getLogger("branchdesk.screens")

PROGRESS_DELAY = 0.3
UNREACHABLE_KEY = "common.unreachable"


@dataclass(frozen=True)
class Failure:
    """Why a call did not give a result: the server refused it, or it could not be reached."""

    message: str
    error: ApiError | None = None

    @property
    def code(self) -> str | None:
        return self.error.code if self.error else None

    @property
    def status(self) -> int | None:
        return self.error.status if self.error else None

    @property
    def details(self) -> Any:
        return self.error.details if self.error else None

    @property
    def unreachable(self) -> bool:
        return self.error is None


def unreachable_text() -> str:
    return _(UNREACHABLE_KEY)


class Intents:
    """One ``Action`` per user intent: the same intent again (a retry) reuses its key.

    ``fingerprint`` is what the user asked for (member, points, note…); another fingerprint is
    another intent with a new key. ``finished`` closes the intent once it succeeded.
    """

    def __init__(self) -> None:
        self._open: dict[str, tuple[Hashable, Action]] = {}

    def action(self, name: str, fingerprint: Hashable = None) -> Action:
        current = self._open.get(name)
        if current is not None and current[0] == fingerprint:
            return current[1]
        action = Action()
        self._open[name] = (fingerprint, action)
        return action

    def finished(self, name: str) -> None:
        self._open.pop(name, None)

    def forget(self) -> None:
        self._open.clear()


class QueryResult(Generic[T]):
    """A result and the query it answers: a new query clears the old result before it runs."""

    def __init__(self) -> None:
        self.query: Hashable = None
        self.value: T | None = None

    def start(self, query: Hashable) -> None:
        self.query, self.value = query, None

    def finish(self, query: Hashable, value: T) -> bool:
        """Keep ``value`` if it answers the current query (a later one may have started)."""
        if query != self.query:
            return False
        self.value = value
        return True

    def clear(self) -> None:
        self.query, self.value = None, None

    def for_query(self, query: Hashable) -> T | None:
        """The result, only while it answers ``query`` (what is on screen now)."""
        return self.value if query == self.query else None


@dataclass
class Running:
    worker: Worker[None]
    keys: frozenset[str]
    write: bool
    quiet: bool = False


def start(
    screen: ApiCalls,
    name: str,
    call: Callable[[], Awaitable[T]],
    done: Callable[[T], object] | None,
    *,
    failed: Callable[[Failure], str | None] | None,
    keys: Iterable[str] | None,
    write: bool,
    progress: str | None,
    session: bool,
    quiet: bool = False,
) -> Worker[None] | None:
    running = screen._api_calls
    if name in running:
        if running[name].write:
            screen.show_status(_("common.busy"), "error")
            return None
        running.pop(name).worker.cancel()
    key_set = frozenset(() if quiet else (name,) if keys is None else keys)

    async def run() -> None:
        timer = screen.set_timer(
            PROGRESS_DELAY, lambda: None if quiet else _progress(screen, progress)
        )
        try:
            try:
                result = await call()
            finally:
                timer.stop()
                _finished(screen, name, worker)
            if done is not None:
                done(result)
        except ApiError as exc:
            if exc.status == 401 and session:
                screen.bd_app.session_expired(exc.message)
            else:
                _failed(screen, Failure(exc.message, exc), failed, quiet)
        except BackendUnreachable:
            _failed(screen, Failure(unreachable_text()), failed, quiet)
        except Exception:  # noqa: BLE001 - the app keeps running; the panel names the log entry
            reference = uuid.uuid4().hex[:8].upper()
            log.exception("unexpected error %s on %s (%s)", reference, type(screen).__name__, name)
            screen.show_status(_("common.unexpected", ref=reference), "error")
            from branchdesk.screens.common.error_panel import ErrorPanel

            screen.app.push_screen(ErrorPanel(reference))

    worker: Worker[None] = screen.run_worker(
        run, group=f"api.{name}", exclusive=False, exit_on_error=False
    )
    running[name] = Running(worker, key_set, write, quiet)
    screen.refresh_bindings()
    return worker


def _finished(screen: ApiCalls, name: str, worker: Worker[None]) -> None:
    current = screen._api_calls.get(name)
    if current is not None and current.worker is worker:
        del screen._api_calls[name]
        screen.refresh_bindings()


def _progress(screen: ApiCalls, text: str | None) -> None:
    screen.show_status(text or _("common.working"))


def _failed(
    screen: ApiCalls,
    failure: Failure,
    failed: Callable[[Failure], str | None] | None,
    quiet: bool = False,
) -> None:
    message = failure.message
    if failed is not None:
        instead = failed(failure)
        message = message if instead is None else instead
    if message and not quiet:  # "" from ``failed``: it has said all there is to say
        screen.show_status(message, "error")


def cancel_reads(screen: ApiCalls) -> bool | None:
    """Esc while calls run: cancel the reads (True); a write keeps going (False); none: None."""
    shown = {n: r for n, r in screen._api_calls.items() if not r.quiet}
    if not shown:
        return None
    writes = False
    for name, running in shown.items():
        if running.write:
            writes = True
            continue
        running.worker.cancel()
        del screen._api_calls[name]
    screen.refresh_bindings()
    screen.show_status(_("common.wait_write") if writes else _("common.cancelled"), "error")
    return not writes


def unreachable_says(key: str) -> Callable[[Failure], str | None]:
    """A ``failed`` handler: this screen's own text when the backend is unreachable
    (e.g. "no offline copy of this customer"), else the server's message."""

    def failed(failure: Failure) -> str | None:
        return _(key) if failure.unreachable else None

    return failed
