"""Gateway test helpers: a running gateway app reached through `httpx.ASGITransport`, and a
stand-in content-svc that records what reaches it (served by uvicorn in the fixtures)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from devstack.ports import free_port
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from gateway.identity.mails import signup_token
from gateway.mail.mailbox import message_names, newest_message, text_of
from gateway.settings import Settings
from servicekit.cli import serving_options

PASSWORD = "correct-horse-42"


async def sign_up(
    client: httpx.AsyncClient,
    mail_dir: Path,
    *,
    email: str,
    password: str = PASSWORD,
    workspace_name: str = "Ada's desk",
) -> dict[str, Any]:
    """Sign up, and confirm with the token the gateway mailed to the address (read from its
    mail directory): the confirmation's answer, the new workspace and its owner."""
    names = message_names(mail_dir)
    started = await client.post(
        "/api/v1/auth/signup",
        json={"workspace_name": workspace_name, "email": email, "password": password},
    )
    assert started.status_code == 202, started.text
    message = newest_message(mail_dir, email, after=names[-1] if names else "")
    assert message is not None, f"no mail to {email} in {mail_dir}"
    token = signup_token(message)
    assert token is not None, text_of(message)
    confirmed = await client.post("/api/v1/auth/signup/confirm", json={"token": token})
    assert confirmed.status_code == 201, confirmed.text
    result: dict[str, Any] = confirmed.json()
    return result


@dataclass
class Gateway:
    app: FastAPI
    client: httpx.AsyncClient
    settings: Settings

    @property
    def mail_dir(self) -> Path:
        return self.settings.mail_directory

    async def signup(self, email: str = "ada@example.com", **body: Any) -> dict[str, Any]:
        """Sign up and confirm: the new workspace and its owner."""
        return await sign_up(self.client, self.mail_dir, email=email, **body)

    async def login(self, email: str = "ada@example.com", password: str = PASSWORD) -> str:
        response = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def token(self, email: str = "ada@example.com") -> str:
        await self.signup(email)
        return await self.login(email)

    async def session(self, email: str = "ada@example.com", password: str = PASSWORD) -> Any:
        """The whole login answer: access and refresh tokens."""
        response = await self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def invite(self, owner: str, email: str, role: str) -> dict[str, str]:
        """Invite `email` as `role`, accept, log in: the new operator's auth header."""
        invited = await self.client.post(
            "/api/v1/operators", json={"email": email, "role": role}, headers=bearer(owner)
        )
        assert invited.status_code == 201, invited.text
        accepted = await self.client.post(
            "/api/v1/auth/invitations/accept",
            json={"token": invited.json()["token"], "password": PASSWORD},
        )
        assert accepted.status_code == 201, accepted.text
        return bearer(await self.login(email))

    async def api_key(self, owner: str, *scopes: str) -> dict[str, Any]:
        created = await self.client.post(
            "/api/v1/api-keys",
            json={"name": "importer", "scopes": list(scopes)},
            headers=bearer(owner),
        )
        assert created.status_code == 201, created.text
        result: dict[str, Any] = created.json()
        return result


def without_instance(answer: httpx.Response) -> dict[str, Any]:
    """A problem answer's body but for `instance`, the id of the request it answers: what
    two answers share when they "look the same" to a caller."""
    body: dict[str, Any] = answer.json()
    body.pop("instance", None)
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


GatewayFactory = Callable[..., AbstractAsyncContextManager[Gateway]]


@dataclass
class Seen:
    method: str
    path: str
    raw_path: bytes
    query: bytes
    headers: dict[str, str]
    body: bytes


@dataclass
class Upstream:
    """A stand-in content-svc: records what reached it and answers with an echo."""

    url: str
    seen: list[Seen] = field(default_factory=list)


BIG_CHUNK = b"0123456789abcdef" * 4096  # 64 KiB
BIG_CHUNKS = 80  # 5 MiB


def upstream_app(upstream: Upstream) -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/posts/big")
    async def big() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(BIG_CHUNKS):
                yield BIG_CHUNK

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @app.post("/api/v1/posts/upload")
    async def upload(request: Request) -> dict[str, Any]:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        return {"size": size, "sha256": digest.hexdigest()}

    @app.get("/api/v1/posts/slow")
    async def slow() -> dict[str, str]:
        await asyncio.sleep(3.0)  # past the 2 s the proxy tests wait
        return {"status": "late"}

    @app.api_route("/l/{code}", methods=["GET", "HEAD"])
    async def tracked_link(request: Request, code: str) -> Response:
        # As channel-svc answers a tracked link: a redirect to its target.
        upstream.seen.append(
            Seen(
                method=request.method,
                path=request.url.path,
                raw_path=request.scope["raw_path"],
                query=request.scope["query_string"],
                headers={k.lower(): v for k, v in request.headers.items()},
                body=b"",
            )
        )
        return RedirectResponse(f"https://example.com/{code}", status_code=302)

    @app.api_route("/api/v1/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @app.get("/feeds/{path:path}")
    @app.api_route("/callbacks/{path:path}", methods=["GET", "POST"])
    async def echo(request: Request) -> Response:
        body = await request.body()
        upstream.seen.append(
            Seen(
                method=request.method,
                path=request.url.path,
                raw_path=request.scope["raw_path"],
                query=request.scope["query_string"],
                headers={k.lower(): v for k, v in request.headers.items()},
                body=body,
            )
        )
        return JSONResponse(
            {"echo": body.decode(), "method": request.method},
            status_code=201 if request.method == "POST" else 200,
            headers={
                "X-Upstream": "content",
                "Connection": "X-Upstream-Hop",
                "X-Upstream-Hop": "only for this connection",
                "Proxy-Authenticate": "Basic",
                "Cache-Control": "private, max-age=7",
            },
        )

    return app


@asynccontextmanager
async def served(gw: Gateway) -> AsyncIterator[str]:
    """The running gateway (its lifespan already started) on a real port of 127.0.0.1."""
    options = serving_options(gw.settings.model_copy(update={"port": free_port()}))
    assert options["forwarded_allow_ips"] == "127.0.0.1"
    server = uvicorn.Server(uvicorn.Config(gw.app, **options, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://{options['host']}:{options['port']}"
    finally:
        server.should_exit = True
        await task
