"""Debian's headless Chromium for the tests of what the gateway shows people: the DOM a page
ends with (`dump_dom`), or a tab driven over the DevTools protocol (`open_tab`) that types
into fields and clicks buttons as a person would, and records what the page's console and
security checks complain of.

Without Chromium a test skips with the reason, except with `CI=true`, where it fails:
CI installs it (.ci/run)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest

from tests.conftest import IN_CI

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is not installed (apt-get install -y chromium)"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true: the browser test must run")
        pytest.skip(reason)


async def dump_dom(url: str, profile: Path) -> subprocess.CompletedProcess[str]:
    """Load `url`, let its scripts run for up to 10 s of virtual time, print the DOM."""
    require_chromium()
    return await asyncio.to_thread(
        subprocess.run,
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )


class Tab:
    """One page of the browser, over the DevTools protocol."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        # Console errors, uncaught exceptions and refusals (a Content-Security-Policy's).
        self.complaints: list[str] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            if "id" in data:
                future = self._waiting.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
                continue
            params = data.get("params", {})
            if data.get("method") == "Log.entryAdded":
                entry = params["entry"]
                # A 4xx answer is logged too; a page that shows it is not at fault.
                if entry["level"] == "error" and entry["source"] != "network":
                    self.complaints.append(f"{entry['source']}: {entry['text']}")
            elif data.get("method") == "Runtime.exceptionThrown":
                self.complaints.append(f"exception: {params['exceptionDetails']}")
            elif data.get("method") == "Runtime.consoleAPICalled" and params["type"] == "error":
                self.complaints.append(f"console: {params['args']}")

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[number] = future
        await self.socket.send_json({"id": number, "method": method, "params": params})
        answer = await asyncio.wait_for(future, timeout=30)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        result: dict[str, Any] = answer["result"]
        return result

    async def evaluate(self, expression: str) -> Any:
        answer = await self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 15.0) -> Any:
        """The value of `expression` once it is truthy."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await self.evaluate(expression)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(
                    f"still false after {timeout} s: {expression}; the page's complaints: "
                    f"{self.complaints or 'none'}"
                )
            await asyncio.sleep(0.05)

    async def goto(self, url: str) -> None:
        # A mark on the page being left: the same address loaded again is a new page only
        # once the mark is gone.
        await self.evaluate("window.__leaving = true")
        await self.call("Page.navigate", url=url)
        await self.wait_for("!window.__leaving && document.readyState === 'complete'")

    async def type(self, selector: str, text: str) -> None:
        """Focus the field and type into it, as a keyboard would."""
        await self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        await self.call("Input.insertText", text=text)

    async def click(self, selector: str) -> None:
        """A left click in the middle of the element, as a mouse would."""
        box = await self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
            "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); "
            "return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            await self.call(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box[0],
                y=box[1],
                button="left",
                clickCount=1,
            )

    async def text(self, selector: str) -> str:
        value = await self.evaluate(
            f"(document.querySelector({json.dumps(selector)}) || {{}}).innerText || ''"
        )
        return str(value)

    async def close(self) -> None:
        await self.socket.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


@asynccontextmanager
async def open_tab(profile: Path) -> AsyncIterator[Tab]:
    """A headless Chromium of its own with one blank tab, ended afterwards."""
    require_chromium()
    profile.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        CHROMIUM,
        *FLAGS,
        f"--user-data-dir={profile}",
        "--remote-debugging-port=0",  # it picks one and writes it into the profile
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        port = await _devtools_port(profile / "DevToolsActivePort", process)
        async with httpx.AsyncClient(trust_env=False) as client:
            targets = (await client.get(f"http://127.0.0.1:{port}/json/list")).json()
        page = next(t for t in targets if t["type"] == "page")
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as socket,
        ):
            tab = Tab(socket)
            try:
                for domain in ("Page", "Runtime", "Log"):
                    await tab.call(f"{domain}.enable")
                yield tab
            finally:
                await tab.close()
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _devtools_port(path: Path, process: asyncio.subprocess.Process) -> int:
    for _ in range(600):
        if process.returncode is not None:
            raise RuntimeError(f"Chromium stopped while starting (exit {process.returncode})")
        if path.exists():
            first = path.read_text().partition("\n")[0].strip()
            if first.isdigit():
                return int(first)
        await asyncio.sleep(0.05)
    raise RuntimeError("Chromium did not open its DevTools port within 30 s")
