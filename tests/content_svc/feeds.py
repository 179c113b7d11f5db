"""A feed server on a real port for the collection tests: RSS and Atom, Chinese and English,
malformed, oversized and redirecting feeds, with ETag and Last-Modified support."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Protocol, TypeVar

import uvicorn
from devstack.ports import free_port
from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse


def rss(entries: list[tuple[str, str, str]], *, title: str = "行业快讯") -> str:
    """An RSS 2.0 document; entries are (guid, title, link), published an hour apart."""
    now = datetime.now(UTC)
    items = "".join(
        f"<item><guid>{guid}</guid><title>{name}</title><link>{link}</link>"
        f"<description>&lt;p&gt;{name}&lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=10 + i))}</pubDate></item>"
        for i, (guid, name, link) in enumerate(entries)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://news.example.cn/</link>{items}</channel></rss>"
    )


def atom(entries: list[tuple[str, str, str]], *, title: str = "Industry notes") -> str:
    now = datetime.now(UTC)
    items = "".join(
        f"<entry><id>{entry_id}</id><title>{name}</title><link href='{link}'/>"
        f"<updated>{(now - timedelta(minutes=5 + i)).isoformat()}</updated>"
        f"<summary>{name}</summary></entry>"
        for i, (entry_id, name, link) in enumerate(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:feed</id><updated>{now.isoformat()}</updated>{items}</feed>"
    )


@dataclass
class FeedServer:
    """Serves `documents` by path; counts requests and conditional requests by path."""

    documents: dict[str, str] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    oversized: set[str] = field(default_factory=set)
    hits: dict[str, int] = field(default_factory=dict)
    conditional_hits: dict[str, int] = field(default_factory=dict)
    url: str = ""

    def link(self, path: str) -> str:
        return f"{self.url}{path}"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/{path:path}")
        async def serve(path: str, request: Request) -> Response:
            path = "/" + path
            self.hits[path] = self.hits.get(path, 0) + 1
            if path in self.redirects:
                return RedirectResponse(self.redirects[path], status_code=302)
            if path in self.oversized:
                return Response(
                    b"<rss>" + b" " * 3_000_000 + b"</rss>", media_type="application/rss+xml"
                )
            document = self.documents.get(path)
            if document is None:
                return Response("not here", status_code=404)
            etag = f'"{abs(hash(document))}"'
            if request.headers.get("if-none-match") == etag:
                self.conditional_hits[path] = self.conditional_hits.get(path, 0) + 1
                return Response(status_code=304, headers={"ETag": etag})
            return Response(
                document,
                media_type="application/xml",
                headers={"ETag": etag, "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"},
            )

        return app


class StandIn(Protocol):
    """A little server under test: its app, and where it ends up served."""

    url: str

    def app(self) -> FastAPI: ...


S = TypeVar("S", bound=StandIn)


@asynccontextmanager
async def serving(feeds: S) -> AsyncIterator[S]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(feeds.app(), host="127.0.0.1", port=port, log_config=None, lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the stand-in server did not start"
        await asyncio.sleep(0.01)
    feeds.url = f"http://127.0.0.1:{port}"
    try:
        yield feeds
    finally:
        server.should_exit = True
        await task
