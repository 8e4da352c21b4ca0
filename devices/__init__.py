"""Card readers and SIM card writing; no UI and no backend knowledge.

Importing this package is cheap: pyscard is only loaded when a PcscReader first talks to
PC/SC (``branchdesk.devices.pcsc``).
"""

from branchdesk.devices.errors import (
    AdmRejected,
    CardError,
    CardMismatch,
    CardNotBlank,
    CardRemoved,
    NoReaderOrCard,
    ReaderError,
    ServiceUnavailable,
    WriteCancelled,
)
from branchdesk.devices.profile import SimProfile
from branchdesk.devices.reader import ProgressCallback, Reader

__all__ = [
    "AdmRejected",
    "CardError",
    "CardMismatch",
    "CardNotBlank",
    "CardRemoved",
    "NoReaderOrCard",
    "ProgressCallback",
    "Reader",
    "ReaderError",
    "ServiceUnavailable",
    "SimProfile",
    "WriteCancelled",
]
