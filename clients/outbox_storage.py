"""The outbox file's TinyDB storage: replaced whole and atomically, parsed again only on change.

TinyDB's own JSON storage rewrites the file in place and truncates it afterwards, so a laptop that
loses power mid-write can lose every change a marketer queued at the customer's shop; and it parses
the whole file again on every query. This storage writes a private temporary file, fsyncs it and
renames it over the old one (the old copy stays whole until the new one is complete), and keeps the
last parsed copy for as long as the file's identity (inode, size, modification time) is unchanged —
another process that writes the file changes its identity, so its changes are read.
The parsed copy is TinyDB's working copy: the ``Outbox`` hands its callers copies of what they
read (``copy_json``), so a caller's edit never reaches it; a failed write forgets it.
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
import tempfile
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

FILE_MODE = 0o600

Tables = dict[str, dict[str, Any]]


def copy_json(data: Any) -> Any:
    """A deep copy of JSON data (marshal is C, many times faster than copy.deepcopy)."""
    return marshal.loads(marshal.dumps(data))


class AtomicJSONStorage(Storage):
    def __init__(self, path: Path, **json_options: Any) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._json_options = json_options
        self._identity: tuple[int, int, int] | None = None
        self._data: Tables | None = None

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (info.st_ino, info.st_size, info.st_mtime_ns)

    def read(self) -> Tables | None:
        identity = self._stat()
        if identity is None or identity[1] == 0:
            return None
        if identity != self._identity or self._data is None:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self._identity, self._data = identity, data
        return self._data

    def write(self, data: Tables) -> None:
        text = json.dumps(data, **self._json_options)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            self._identity = self._data = None
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_directory(self.path.parent)
        self._identity, self._data = self._stat(), data

    def close(self) -> None:
        self._identity = self._data = None


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (a power loss must not bring the old file back)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
