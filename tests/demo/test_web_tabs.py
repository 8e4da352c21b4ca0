"""A training room in a real headless Chromium: three tabs on one ``branchdesk web``.

Each tab types from its first key (nobody clicks into the terminal first); the trainer applies
a preset in one tab and the two trainees' tabs are told.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from demo import test_web
from demo.test_web import (
    CdpPage,
    _need_browser,
    _wait_http,
    start_chromium,
)

from support.backend import free_port
from support.processes import stop

pytestmark = pytest.mark.slow
web_server = test_web.web_server  # the same `branchdesk web` fixture
PASSWORD = "demo-pass-1"
PRESETS_LIST = "Press a digit or Enter to reset the sandbox"


@contextlib.asynccontextmanager
async def tabs(tmp_path: Path, url: str, count: int) -> AsyncIterator[list[CdpPage]]:
    port = free_port()
    browser = start_chromium(tmp_path, port, tmp_path / "chromium.log")
    readers: list[asyncio.Task[None]] = []
    try:
        debug = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(
            _wait_http, f"{debug}/json/version", browser, tmp_path / "chromium.log"
        )
        async with aiohttp.ClientSession() as session:
            targets = [t for t in await (await session.get(f"{debug}/json/list")).json()]
            pages = [t for t in targets if t["type"] == "page"][:1]
            for _ in range(count - 1):
                pages.append(await (await session.put(f"{debug}/json/new?about:blank")).json())
            async with contextlib.AsyncExitStack() as stack:
                cdps = []
                for target in pages:
                    ws = await stack.enter_async_context(
                        session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
                    )
                    cdp = CdpPage(ws)
                    readers.append(asyncio.create_task(cdp.read_forever()))
                    await cdp.call("Network.enable")
                    await cdp.call("Page.enable")
                    # Each tab behaves as a focused window (as on its trainee's own machine);
                    # focus *inside* the page is the page's own doing.
                    await cdp.call("Emulation.setFocusEmulationEnabled", enabled=True)
                    await cdp.call("Page.navigate", url=url)
                    cdps.append(cdp)
                yield cdps
    finally:
        for reader in readers:
            reader.cancel()
        stop(browser)


async def press_f6(page: CdpPage) -> None:
    for kind in ("rawKeyDown", "keyUp"):  # a key without text, as a keyboard sends it
        await page.call(
            "Input.dispatchKeyEvent",
            type=kind,
            key="F6",
            code="F6",
            windowsVirtualKeyCode=117,
            nativeVirtualKeyCode=117,
        )


async def test_three_tabs_type_at_once_and_hear_of_the_trainers_reset(
    tmp_path: Path, web_server: str
) -> None:
    _need_browser()
    async with tabs(tmp_path, web_server, 3) as (trainer, marketer, cashier):
        for page in (trainer, marketer, cashier):
            await page.wait_for_text("Staff login", timeout=60)
            await page.wait_for_text("Demo accounts", timeout=60)  # the backend has answered
        # No click and no focus() call: the first keys reach the terminal.
        for page, staff_id in ((trainer, "t001"), (marketer, "m001"), (cashier, "k001")):
            await page.call("Page.bringToFront")  # as a trainee's own window would be
            await page.type(f"{staff_id}\r{PASSWORD}\r")
            await page.wait_for_text("Workflows (press the number or Enter to open)", timeout=60)
        await trainer.call("Page.bringToFront")
        await trainer.type("\r")  # the trainer's first workflow: guided demos
        await trainer.wait_for_text("Auto-play speed", timeout=60)  # the tour picker
        await press_f6(trainer)
        await trainer.wait_for_text(PRESETS_LIST)
        await trainer.type("4")
        await trainer.wait_for_text("every trainee using it")
        await trainer.type("\r")
        await trainer.wait_for_text("Reset to", timeout=30)
        # The trainees' next health poll (every 15 s) announces it.
        for page in (marketer, cashier):
            await page.wait_for_text("reset the sandbox at", timeout=60)
        assert "reset the sandbox at" not in trainer.screen_text()  # not told of its own
