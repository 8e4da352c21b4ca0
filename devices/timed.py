"""A Reader that gives up on a reader or card that stops answering.

PC/SC has no time limit of its own: a reader (or a card) that stops answering leaves
``SCardTransmit`` blocked for ever, and with it the screen's "writing" light. ``TimedReader``
runs every operation of an inner reader on its own daemon thread and waits at most
``timeout`` seconds for a sign of life (the answer, or a progress report during a write).
Past that it raises ReaderTimeout and leaves the stuck reader behind: the next operation
gets a fresh one from the factory, and the stuck one is closed by its own thread once PC/SC
lets go (when the card is pulled out or the reader unplugged). A write that times out is
also told to stop before its next command, so a card that comes back to life is not
written further behind the clerk's back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from branchdesk.devices.card_session import CardIdentity, ProgressCallback, ReadBack
from branchdesk.devices.errors import ReaderError, ReaderTimeout
from branchdesk.devices.profile import SimProfile
from branchdesk.devices.reader import CardReads, Reader

__all__ = ["DEFAULT_TIMEOUT", "TimedReader"]

DEFAULT_TIMEOUT = 10.0

T = TypeVar("T")


class _Call:
    """One operation on its thread: its result, and when it last showed a sign of life."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.finished = threading.Event()
        self.result: object = None
        self.error: BaseException | None = None
        self.alive_at = time.monotonic()
        self.abandoned = False

    def touch(self) -> None:
        self.alive_at = time.monotonic()


class TimedReader(CardReads):
    """Wraps the readers made by ``factory``; every operation answers within ``timeout`` s."""

    def __init__(self, factory: Callable[[], Reader], timeout: float = DEFAULT_TIMEOUT) -> None:
        self._factory = factory
        self.timeout = timeout
        self._inner: Reader | None = None
        self._current: _Call | None = None
        self._lock = threading.Lock()
        self._apdus_of_abandoned = 0
        self.abandoned = 0  # readers left behind by a timeout, for tests and the log

    @property
    def apdu_count(self) -> int:
        inner = self._inner
        return self._apdus_of_abandoned + (inner.apdu_count if inner is not None else 0)

    def _reader(self) -> Reader:
        with self._lock:
            if self._inner is None:
                self._inner = self._factory()
            return self._inner

    def _run(
        self,
        what: str,
        operation: Callable[[Reader, _Call], T],
        cancel: threading.Event | None = None,
        extra_seconds: float = 0.0,
    ) -> T:
        reader = self._reader()
        call = _Call(reader)
        self._current = call

        def body() -> None:
            try:
                call.result = operation(reader, call)
            except BaseException as exc:  # handed to the waiting caller
                call.error = exc
            finally:
                with self._lock:
                    call.finished.set()
                    close = call.abandoned
                if close:
                    with contextlib.suppress(ReaderError):
                        reader.close()

        threading.Thread(target=body, name=f"reader-{what}", daemon=True).start()
        while not call.finished.wait(0.05):
            if time.monotonic() - call.alive_at > self.timeout + extra_seconds:
                self._abandon(reader, call, cancel)
                raise ReaderTimeout(what, self.timeout)
        if call.error is not None:
            raise call.error
        return call.result  # type: ignore[return-value]  # what operation returned

    def _abandon(self, reader: Reader, call: _Call, cancel: threading.Event | None) -> None:
        if cancel is not None:
            cancel.set()
        with self._lock:
            finished = call.finished.is_set()
            call.abandoned = True
            if self._inner is reader:
                self._inner = None
                self._apdus_of_abandoned += reader.apdu_count
                self.abandoned += 1
        if finished:  # it finished just now: its thread did not close it
            with contextlib.suppress(ReaderError):
                reader.close()

    # -- the Reader protocol ----------------------------------------------------------------
    def list_readers(self) -> list[str]:
        return self._run("list readers", lambda reader, _call: reader.list_readers())

    def wait_for_card(self, timeout: float) -> str:
        # Waiting for a card is not a reader that stopped answering: allow the wait itself.
        return self._run(
            "wait for a card",
            lambda reader, _call: reader.wait_for_card(timeout),
            extra_seconds=timeout,
        )

    def read_card(self) -> CardIdentity:
        return self._run("read the card", lambda reader, _call: reader.read_card())

    def write_profile(
        self,
        profile: SimProfile,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        stop = cancel if cancel is not None else threading.Event()

        def write(reader: Reader, call: _Call) -> int:
            def alive(done: int, total: int) -> None:
                call.touch()
                if progress is not None and not call.abandoned:
                    progress(done, total)

            return reader.write_profile(profile, alive, stop)

        return self._run("write the card", write, cancel=stop)

    def verify(self, profile: SimProfile) -> ReadBack:
        return self._run("read the card back", lambda reader, _call: reader.verify(profile))

    def close(self) -> None:
        """Release the reader without waiting: one still busy is released by its own thread."""
        with self._lock:
            inner, self._inner = self._inner, None
            call = self._current
            busy = call is not None and call.reader is inner and not call.finished.is_set()
            if busy and call is not None:
                call.abandoned = True
        if inner is not None and not busy:
            with contextlib.suppress(ReaderError):
                inner.close()
