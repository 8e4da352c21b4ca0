"""Wires a card reader into the screens that need one.

Production always uses the PC/SC reader (pyscard -> pcscd); in demos and CI pcscd serves the
virtual SIM through the vpcd driver, so the very same code path runs. Which PC/SC reader to
use can be narrowed by a name prefix: ``reader_name`` in the config file's ``[extra]`` table
or ``BRANCHDESK_READER_NAME``; by default the first reader holding a card is used.

pyscard is the optional ``reader`` extra (it builds from source with swig and the PC/SC
headers), so a machine may run the app without it: the card steps then report the missing
reader driver, and ``reader_support_missing`` tells the screen to say how to add it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from branchdesk.devices.reader import Reader

ReaderFactory = Callable[[], "Reader"]
ENV_READER_NAME = "BRANCHDESK_READER_NAME"
ENV_READER_TIMEOUT = "BRANCHDESK_READER_TIMEOUT"
DEFAULT_READER_TIMEOUT = 10.0


def reader_timeout(options: Any) -> float:
    """Seconds a reader may stay silent before the card step gives up: ``reader_timeout``
    in the config's ``[extra]`` table or ``BRANCHDESK_READER_TIMEOUT``; default 10."""
    extra = getattr(options, "extra", None) or {}
    value = os.environ.get(ENV_READER_TIMEOUT) or extra.get("reader_timeout")
    try:
        seconds = float(value) if value is not None else DEFAULT_READER_TIMEOUT
    except (TypeError, ValueError):
        return DEFAULT_READER_TIMEOUT
    return seconds if 0 < seconds <= 600 else DEFAULT_READER_TIMEOUT


def reader_name(options: Any) -> str | None:
    extra = getattr(options, "extra", None) or {}
    name = os.environ.get(ENV_READER_NAME) or extra.get("reader_name")
    return str(name) if name else None


def reader_support_missing() -> bool:
    """True when pyscard (``pip install 'branchdesk[reader]'``) or libpcsclite cannot load.

    Asked only after a card step failed for want of the PC/SC service, so loading pyscard
    here costs nothing more than the failed step already did.
    """
    try:
        from smartcard import scard  # noqa: F401
    except ImportError:
        return True
    return False


def pcsc_reader_factory(app: Any) -> ReaderFactory:
    """A factory of PcscReaders for ``app``; pyscard loads only when a card step runs."""
    name = reader_name(getattr(app, "options", None))

    def make() -> Reader:
        from branchdesk.devices.pcsc import PcscReader

        return PcscReader(name)

    return make
