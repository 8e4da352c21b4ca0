"""The outbox file's TinyDB storage: replaced whole and atomically, parsed again only on change.

TinyDB's own JSON storage rewrites the file in place and truncates it afterwards, so a laptop that
loses power mid-write can lose every change a marketer queued at the customer's shop; and it parses
the whole file again on every query. This storage writes a private temporary file, fsyncs it and
renames it over the old one (``write_atomic``: the old copy stays whole until the new one is
complete), and keeps the
last parsed copy for as long as the file's identity (inode, size, modification time) is unchanged —
another process that writes the file changes its identity, so its changes are read.
The parsed copy is TinyDB's working copy: the ``Outbox`` hands its callers copies of what they
read (``copy_json``), so a caller's edit never reaches it; a failed write forgets it.
"""

from __future__ import annotations

import json
import marshal
import os
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from branchdesk.clients.atomic_file import write_atomic

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
        try:
            write_atomic(self.path, text.encode("utf-8"))
        except BaseException:
            self._identity = self._data = None
            raise
        self._identity, self._data = self._stat(), data

    def close(self) -> None:
        self._identity = self._data = None
