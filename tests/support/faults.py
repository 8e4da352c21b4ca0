"""Injected disk faults at the store's file layer (the one fake the store tests need)."""

from __future__ import annotations

import errno
import os

from branchdesk.clients.local.store import FileLayer


class FlakyDisk(FileLayer):
    """The real system calls, except that writes fail with ENOSPC while ``full`` is set."""

    def __init__(self) -> None:
        self.full = False
        self.fsync_fails = False
        self.truncate_fails = False
        self.fsyncs = 0

    def write(self, fd: int, data: bytes) -> int:
        if self.full:
            # A short write first, as a filling disk does: some bytes reach the file.
            half = bytes(data)[: max(1, len(data) // 2)]
            os.write(fd, half)
            raise OSError(errno.ENOSPC, "No space left on device")
        return os.write(fd, data)

    def fsync(self, fd: int) -> None:
        self.fsyncs += 1
        if self.fsync_fails:
            raise OSError(errno.EIO, "Input/output error")
        os.fsync(fd)

    def ftruncate(self, fd: int, length: int) -> None:
        if self.truncate_fails:
            raise OSError(errno.EIO, "Input/output error")
        os.ftruncate(fd, length)
