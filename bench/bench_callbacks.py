"""WeChat's message callback through the gateway, at the rate a busy official account sees.

Followers' messages ("文案", answered by a keyword auto-reply) are pushed to the channel's
public callback (`/callbacks/wechat/{token}`, safe mode: signed and AES-sealed, as WeChat
sends them) at a fixed rate, open loop: a message is sent on its tick whether or not the
earlier ones were answered, as WeChat does. Each answer's latency is measured, and the
passive reply checked as WeChat checks it (signature, seal, addressee). WeChat waits 5 s.

The baseline is a bare request of the same route on the same servers: WeChat's URL check
(`GET` with `echostr`), which the gateway forwards and channel-svc answers after checking
the signature, with no message to store, reply or tell.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

import aiohttp
import httpx

from bench.common import POSTGRES_URL, percentile, postgres_databases, running_stack, sign_up
from tests.fakes import wechat_crypto
from tests.fakes.server import serve_in_thread
from tests.fakes.wechat import WechatFake
from tests.fakes.wechat import create_app as create_wechat
from tests.fakes.wechat_followers import CallbackConfig, read_reply, signed_request

RATE = 200  # messages a second
SECONDS = 10
WECHAT_WAITS = 5.0
CONNECTIONS = 64  # WeChat's servers keep a bounded number open too
APPID = "wx0123456789abcdef"
SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "mediaopsBenchToken"
AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
ORIGINAL_ID = "gh_7f083739789a"
PACK = "素材包在这里：https://pan.example.com/s/spring"


async def _connect(gateway: str, wechat: str, mail_dir: Any) -> str:
    """An owner, a WeChat channel with its callback in safe mode and the 文案 auto-reply:
    the callback's path."""
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as client:
        auth = await sign_up(client, mail_dir)
        channel = await client.post(
            "/api/v1/channels",
            json={
                "platform": "wechat_oa",
                "name": "bench",
                "config": {"base_url": wechat},
                "credentials": {"appid": APPID, "secret": SECRET},
            },
            headers=auth,
        )
        channel.raise_for_status()
        callback = await client.put(
            f"/api/v1/channels/{channel.json()['id']}/callback",
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
                "channel_id": channel.json()["id"],
                "keyword": "文案",
                "reply": {"kind": "text", "text": PACK},
            },
            headers=auth,
        )
        rule.raise_for_status()
        path: str = callback.json()["callback_path"]
        return path


def _messages(config: CallbackConfig, count: int) -> list[tuple[str, dict[str, str], bytes]]:
    """Signed and sealed before the clock starts, so the load generator stays light."""
    prepared = []
    for n in range(count):
        openid = f"oBench{n:022d}"
        fields = {
            "ToUserName": ORIGINAL_ID,
            "FromUserName": openid,
            "CreateTime": int(time.time()),
            "MsgType": "text",
            "Content": "文案",
            "MsgId": str(7_000_000_000_000_000_000 + n),
        }
        params, body = signed_request(config, fields)
        prepared.append((openid, params, body))
    return prepared


def _url_checks(count: int) -> list[dict[str, str]]:
    checks = []
    for _ in range(count):
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
        checks.append(
            {
                "signature": wechat_crypto.sign(TOKEN, timestamp, nonce),
                "timestamp": timestamp,
                "nonce": nonce,
                "echostr": secrets.token_hex(8),
            }
        )
    return checks


async def _open_loop(
    session: aiohttp.ClientSession, url: str, requests: list[Any], send: Any
) -> tuple[list[float], int]:
    """Each request on its tick; the latencies of those answered correctly in time, and
    how many were not."""
    latencies: list[float] = []
    failed = 0
    start = time.perf_counter()

    async def one(n: int, request: Any) -> None:
        nonlocal failed
        delay = start + n / RATE - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent = time.perf_counter()
        try:
            good = await send(session, url, request)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            good = False
        elapsed = time.perf_counter() - sent
        if good and elapsed <= WECHAT_WAITS:
            latencies.append(elapsed)
        else:
            failed += 1

    await asyncio.gather(*(one(n, request) for n, request in enumerate(requests)))
    return latencies, failed


def _message(config: CallbackConfig) -> Any:
    async def send(
        session: aiohttp.ClientSession, url: str, request: tuple[str, dict[str, str], bytes]
    ) -> bool:
        openid, params, body = request
        async with session.post(url, params=params, data=body) as response:
            text = await response.text()
            reply = read_reply(config, openid, text) if response.status == 200 else None
        return reply is not None and reply.get("Content") == PACK

    return send


async def _url_check(session: aiohttp.ClientSession, url: str, params: dict[str, str]) -> bool:
    async with session.get(url, params=params) as response:
        return response.status == 200 and await response.text() == params["echostr"]


def _line(label: str, latencies: list[float], failed: int) -> str:
    ms = [value * 1000 for value in latencies]
    if not ms:
        return f"- {label}: none answered in {WECHAT_WAITS:.0f} s ({failed} failed)"
    return (
        f"- {label}: p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
        f"max {max(ms):.1f} ms; {len(ms)} answered in time, {failed} not"
    )


async def _measure(gateway: str, path: str) -> list[str]:
    config = CallbackConfig(
        appid=APPID,
        url=gateway + path,
        token=TOKEN,
        mode="safe",
        original_id=ORIGINAL_ID,
        encoding_aes_key=AES_KEY,
    )
    count = RATE * SECONDS
    url = gateway + path
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=CONNECTIONS),
        timeout=aiohttp.ClientTimeout(total=WECHAT_WAITS * 2),
        trust_env=False,
    ) as session:
        await _open_loop(session, url, _url_checks(50), _url_check)  # warm-up
        bare, bare_failed = await _open_loop(session, url, _url_checks(count), _url_check)
        messages, failed = await _open_loop(
            session, url, _messages(config, count), _message(config)
        )
    return [
        _line("URL check (the bare request of the same route)", bare, bare_failed),
        _line("follower's message answered by the auto-reply", messages, failed),
    ]


def _measured_on(extra_env: dict[str, str], wechat_url: str) -> list[str]:
    env = {"GATEWAY_CALLBACK_LIMIT_PER_IP": "1000000/minute", **extra_env}
    with running_stack(env) as stack:
        gateway = stack.url("gateway")
        path = asyncio.run(_connect(gateway, wechat_url, stack.mail_dir))
        return asyncio.run(_measure(gateway, path))


def run() -> list[str]:
    fake = WechatFake()
    fake.add_account(APPID, SECRET)
    wechat = serve_in_thread(create_wechat(fake))
    sections: list[str] = []
    try:
        sections += ["### SQLite", "", *_measured_on({}, wechat.url), ""]
        with postgres_databases("bench_callbacks") as urls:
            if urls:
                sections += ["### PostgreSQL", "", *_measured_on(urls, wechat.url), ""]
            else:
                sections += ["### PostgreSQL", "", f"- unavailable at {POSTGRES_URL}", ""]
    finally:
        wechat.stop()
    return [
        f"## WeChat callback: {RATE} messages a second through the gateway (embedded broker)",
        "",
        *sections,
        f"{RATE * SECONDS} signed and sealed (safe mode) messages from distinct followers, sent "
        f"open loop at {RATE}/s for {SECONDS} s over at most {CONNECTIONS} connections from "
        "one aiohttp client on the same machine; "
        f"a message counts when its passive reply passes WeChat's checks within "
        f"{WECHAT_WAITS:.0f} s. The bare request is WeChat's URL check of the same callback, at "
        "the same rate. The services' databases are SQLite files, then (when reachable) "
        "PostgreSQL databases on one server; the gateway keeps its SQLite file.",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
