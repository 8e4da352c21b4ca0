"""`branchdesk web` serves a whole training room from one sandbox backend."""

from __future__ import annotations

import asyncio
from argparse import Namespace
from pathlib import Path

import pytest

from branchdesk.clients.api import ApiClient
from branchdesk.tui.web import start_sandbox_server, tab_command
from support.backend import DEMO_PASSWORD
from support.processes import stop

pytestmark = pytest.mark.slow


def test_each_tab_runs_the_tui_against_the_shared_backend() -> None:
    command = tab_command(Namespace(lang="zh-CN", theme=None, ascii=True), "http://127.0.0.1:9")
    assert "--api-url http://127.0.0.1:9" in command
    assert "--lang zh-CN" in command and "--ascii" in command
    assert " demo" not in command  # no tab owns the sandbox store


async def test_several_trainees_use_the_sandbox_at_once(tmp_path: Path) -> None:
    process, url = start_sandbox_server(tmp_path / "sandbox")
    try:
        clients = [ApiClient(url, lang="en") for _ in range(3)]
        staff = await asyncio.gather(
            *(
                c.login(sid, DEMO_PASSWORD)
                for c, sid in zip(clients, ["t001", "m001", "k001"], strict=True)
            )
        )
        assert [s.id for s in staff] == ["t001", "m001", "k001"]
        metas = [await c.meta() for c in clients]
        assert all(meta["demo"] for meta in metas)
        for c in clients:
            await c.aclose()
    finally:
        stop(process)


def test_the_demo_virtual_card_is_writable_by_the_demo_clerk() -> None:
    from branchdesk.tui.demo_reader import DEMO_BLANK_ICCID
    from support.backend import make_backend

    store = make_backend().store
    card = store.get("sim_cards", DEMO_BLANK_ICCID)
    assert card is not None
    assert (card["state"], card["loc_kind"], card["loc_id"]) == ("picked_up", "agent", "A00101")
    assert store.get("cw_card_data", DEMO_BLANK_ICCID) is not None
