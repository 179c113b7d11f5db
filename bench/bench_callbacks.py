"""WeChat's callback under WeChat's load: the passive reply to a follower's keyword, through
the gateway, at 200 messages a second (open loop: each message leaves on schedule whether
or not earlier ones were answered), against a bare endpoint answering a fixed reply of the
same size on its own uvicorn process at the same rate.

The stack is real (gateway, channel-svc on SQLite, the others idle); each message is a
new safe-mode message (its own MsgId, signed and encrypted as WeChat does it, by the
fake's own crypto), and each answer is decrypted and checked to be the keyword's reply.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from devstack.ports import free_port
from fastapi import FastAPI, Request, Response

from bench.common import machine, percentile, running_stack, sign_up
from tests.fakes.wechat_followers import CallbackConfig, read_reply, signed_request

RATE = 200  # messages per second, as the issue asks
SECONDS = 10
APPID = "wx0123456789abcdef"
TOKEN = "benchToken2025"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
ORIGINAL_ID = "gh_7f083739789a"
PACK = "素材包在这里：https://pan.example.com/s/spring"
WECHAT_WAIT_SECONDS = 5.0

bare_app = FastAPI()
BARE_REPLY = "<xml>" + "x" * 600 + "</xml>"


@bare_app.post("/callbacks/wechat/{token}")
async def bare(token: str, request: Request) -> Response:
    await request.body()
    return Response(BARE_REPLY, media_type="application/xml")


@contextmanager
def bare_server() -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(bare_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(5)


def message(i: int) -> dict[str, Any]:
    return {
        "ToUserName": ORIGINAL_ID,
        "FromUserName": f"oBench{i % 500:06d}",
        "CreateTime": int(time.time()),
        "MsgType": "text",
        "Content": "文案",
        "MsgId": 7_000_000_000 + i,
    }


async def paced(url: str, config: CallbackConfig, *, check: bool) -> tuple[list[float], int]:
    """Latencies of RATE × SECONDS messages sent on schedule, and how many got the pack."""
    total = RATE * SECONDS
    latencies: list[float] = []
    right = 0
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(limits=limits, timeout=30, trust_env=False) as client:

        async def one(i: int, due: float) -> None:
            nonlocal right
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            fields = message(i)
            params, body = signed_request(config, fields)
            started = time.perf_counter()
            response = await client.post(url, params=params, content=body)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code} {response.text[:200]}")
            if check:
                reply = read_reply(config, str(fields["FromUserName"]), response.text)
                right += int(reply is not None and reply.get("Content") == PACK)

        for i in range(20):  # warm-up, not counted
            await one(10_000_000 + i, 0.0)
        latencies.clear()
        right = 0
        start = time.perf_counter() + 0.1
        await asyncio.gather(*(one(i, start + i / RATE) for i in range(total)))
    return latencies, right


async def _setup(gateway: str, mail_dir: Any) -> str:
    async with httpx.AsyncClient(base_url=gateway, trust_env=False, timeout=30) as client:
        auth = await sign_up(client, mail_dir)
        channel = await client.post(
            "/api/v1/channels",
            json={
                "platform": "wechat_oa",
                "name": "bench",
                "config": {"base_url": "http://127.0.0.1:9"},
                "credentials": {"appid": APPID, "secret": "0123456789abcdef0123456789abcdef"},
            },
            headers=auth,
        )
        channel.raise_for_status()
        channel_id = channel.json()["id"]
        callback = await client.put(
            f"/api/v1/channels/{channel_id}/callback",
            json={
                "token": TOKEN,
                "encoding_aes_key": AES_KEY,
                "mode": "safe",
                "original_id": ORIGINAL_ID,
            },
            headers=auth,
        )
        callback.raise_for_status()
        rule = await client.post(
            "/api/v1/autoreplies",
            json={
                "channel_id": channel_id,
                "keyword": "文案",
                "reply": {"kind": "text", "text": PACK},
            },
            headers=auth,
        )
        rule.raise_for_status()
        return str(callback.json()["callback_path"])


def _line(label: str, latencies: list[float]) -> str:
    return (
        f"- {label}: p50 {percentile(latencies, 50) * 1000:.1f} ms, p99 "
        f"{percentile(latencies, 99) * 1000:.1f} ms, max {max(latencies) * 1000:.0f} ms, "
        f"mean {statistics.fmean(latencies) * 1000:.1f} ms (n={len(latencies)})"
    )


def run() -> list[str]:
    config = CallbackConfig(
        appid=APPID,
        url="",
        token=TOKEN,
        mode="safe",
        original_id=ORIGINAL_ID,
        encoding_aes_key=AES_KEY,
    )
    with running_stack({"GATEWAY_CALLBACK_LIMIT_PER_IP": "100000000/minute"}) as stack:
        path = asyncio.run(_setup(stack.url("gateway"), stack.mail_dir))
        real, right = asyncio.run(paced(stack.url("gateway") + path, config, check=True))
    with bare_server() as url:
        baseline, _ = asyncio.run(paced(url + path, config, check=False))
    late = sum(1 for value in real if value > WECHAT_WAIT_SECONDS)
    return [
        "## WeChat callback: passive replies at 200 messages/s (through the gateway)",
        "",
        _line("gateway → channel-svc (safe mode, keyword reply, SQLite)", real),
        _line("bare endpoint, fixed reply (uvicorn, one process)", baseline),
        f"- p99 ratio {percentile(real, 99) / percentile(baseline, 99):.1f}×; answers later "
        f"than WeChat's 5 s: {late}; replies that decrypted to the keyword's text: {right} of "
        f"{len(real)}",
        f"- {RATE} messages/s for {SECONDS} s, open loop (each sent on schedule), every one a "
        f"new MsgId, signed and encrypted as WeChat does; httpx client, gateway and services "
        f"on one machine ({machine()})",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
