"""``branchdesk web`` in a real headless Chromium, driven over the DevTools protocol.

The terminal is drawn by xterm.js (on a canvas), so the test reads what the app sends to the
page: the websocket frames, captured by the browser's Network domain, with the escape sequences
removed. Typing goes through the browser's input pipeline into xterm, like a trainee's keyboard.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from support.backend import free_port
from support.processes import stop

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,800",
]


def _need_browser() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("BRANCHDESK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"chromium not found at {CHROMIUM} (BRANCHDESK_REQUIRE_BROWSER=1)")
        pytest.skip("chromium not installed (apt-get install chromium)")


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited: {log.read_text(errors='replace')}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer: {log.read_text(errors='replace')}")


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[str]:
    _need_browser()
    port = free_port()
    log = tmp_path / "web.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "branchdesk",
                "web",
                "--port",
                str(port),
                "--lang",
                "en",
                "--data",
                str(tmp_path / "sandbox"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(url, process, log)
        yield url
    finally:
        stop(process)


def start_chromium(tmp_path: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    """Headless Chromium on a blank page, its DevTools on ``port``, a private profile."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                CHROMIUM,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={tmp_path / 'profile'}",
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture
async def page(tmp_path: Path, web_server: str) -> AsyncIterator[CdpPage]:
    _need_browser()
    port = free_port()
    log = tmp_path / "chromium.log"
    browser = start_chromium(tmp_path, port, log)
    try:
        await asyncio.to_thread(_wait_http, f"http://127.0.0.1:{port}/json/version", browser, log)
        async with aiohttp.ClientSession() as session:
            targets = await (await session.get(f"http://127.0.0.1:{port}/json/list")).json()
            ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            async with session.ws_connect(ws_url, max_msg_size=0) as ws:
                cdp = CdpPage(ws)
                reader = asyncio.create_task(cdp.read_forever())
                try:
                    await cdp.call("Network.enable")
                    await cdp.call("Page.enable")
                    await cdp.call("Page.navigate", url=web_server)
                    yield cdp
                finally:
                    reader.cancel()
    finally:
        stop(browser)


class CdpPage:
    """Just enough of the Chromium DevTools protocol: calls, and the page's websocket text."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 0
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.received = b""

    async def call(self, method: str, **params: Any) -> Any:
        self.next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        await self.ws.send_str(json.dumps({"id": self.next_id, "method": method, "params": params}))
        return await asyncio.wait_for(future, 15)

    async def read_forever(self) -> None:
        async for message in self.ws:
            data = json.loads(message.data)
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data.get("result"))
            elif data.get("method") == "Network.webSocketFrameReceived":
                frame = data["params"]["response"]
                payload = frame["payloadData"]
                raw = base64.b64decode(payload) if frame["opcode"] == 2 else payload.encode()
                self.received += raw

    def screen_text(self) -> str:
        return ANSI.sub(b"", self.received).decode("utf-8", errors="replace")

    async def wait_for_text(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen_text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; last: {self.screen_text()[-600:]}")
            await asyncio.sleep(0.2)

    async def type(self, text: str) -> None:
        for char in text:
            if char == "\r":
                for kind in ("keyDown", "keyUp"):
                    await self.call(
                        "Input.dispatchKeyEvent",
                        type=kind,
                        key="Enter",
                        code="Enter",
                        windowsVirtualKeyCode=13,
                        **({"text": "\r"} if kind == "keyDown" else {}),
                    )
            else:
                await self.call("Input.insertText", text=char)
            await asyncio.sleep(0.03)


async def test_web_shows_login_and_a_demo_login_reaches_home(page: CdpPage) -> None:
    await page.wait_for_text("Staff login")
    await page.wait_for_text("Demo accounts")
    await page.wait_for_text("DEMO")
    await page.call(
        "Runtime.evaluate", expression="document.querySelector('.xterm-helper-textarea').focus()"
    )
    await page.type("t001\rdemo-pass-1\r")
    await page.wait_for_text("Workflows (press the number or Enter to open)")
    await page.wait_for_text("Guided demos")
