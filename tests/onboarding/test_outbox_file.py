"""The outbox file: a failed write keeps the old file whole; reads are fresh copies."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from branchdesk.clients import outbox_storage
from branchdesk.clients.outbox import FILE_NAME, Outbox


def _add(outbox: Outbox, summary: str) -> None:
    outbox.add(
        staff_id="m001",
        backend="local",
        method="POST",
        path="/v1/customers",
        body={"name": summary},
        key=f"key-{summary}",
        kind="customer",
        summary=summary,
    )


def test_a_write_that_fails_half_way_leaves_the_queued_changes_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / FILE_NAME
    outbox = Outbox(path)
    _add(outbox, "kept before")

    def disk_fails(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", disk_fails)
    with pytest.raises(OSError):
        _add(outbox, "never saved")
    monkeypatch.undo()
    outbox.close()

    json.loads(path.read_text(encoding="utf-8"))  # still a whole JSON file
    again = Outbox(path)
    assert [e["summary"] for e in again.entries("m001", "local")] == ["kept before"]
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]  # no temporary file left


def test_the_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    _add(Outbox(path), "a customer's name")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_reads_hand_out_copies_so_a_callers_edit_never_reaches_the_file(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / FILE_NAME)
    outbox.remember("m001", "local", "customers", {"C1": {"name": "王芳"}})
    outbox.recall("m001", "local", "customers")["C1"]["name"] = "changed by a screen"
    assert outbox.recall("m001", "local", "customers") == {"C1": {"name": "王芳"}}
    assert Outbox(tmp_path / FILE_NAME).recall("m001", "local", "customers") == {
        "C1": {"name": "王芳"}
    }


def test_the_file_is_parsed_again_only_when_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / FILE_NAME
    mine, other = Outbox(path), Outbox(path)
    mine.remember("m001", "local", "customers", {"C1": {"name": "王芳"}})
    parses: list[int] = []
    real_loads = json.loads

    def counting_loads(text: str) -> object:
        parses.append(1)
        return real_loads(text)

    monkeypatch.setattr(outbox_storage.json, "loads", counting_loads)
    for _ in range(5):
        assert mine.recall("m001", "local", "customers") == {"C1": {"name": "王芳"}}
    assert parses == []  # what this process wrote is what it reads
    # Another process (a second terminal of the same marketer) writes the file: it is read again.
    other.remember("m001", "local", "customers", {"C2": {"name": "李雷"}})
    parses.clear()
    assert mine.recall("m001", "local", "customers") == {"C2": {"name": "李雷"}}
    assert parses == [1]
