"""A news site and a peer's blog, served locally: an RSS 2.0 and an Atom feed in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from fastapi import FastAPI, Response

NEWS = [
    ("燕麦拿铁成为今年秋天最受关注的咖啡饮品", "多家连锁品牌推出燕麦拿铁新品，消费者排队尝鲜。"),
    ("咖啡行业报告：燕麦拿铁销量同比增长三成", "植物基饮品持续升温，燕麦拿铁领跑。"),
    ("精品咖啡店如何应对秋季客流变化", "门店延长营业时间，推出季节限定。"),
]
PEER = [
    ("我们的燕麦拿铁配方升级了", "同行品牌公布燕麦拿铁新配方，强调顺滑口感。"),
    ("秋季限定：桂花燕麦拿铁上市", "桂花香气搭配燕麦拿铁，限时供应。"),
]


def rss(items: list[tuple[str, str]], now: datetime) -> str:
    entries = "".join(
        f"<item><title>{escape(title)}</title>"
        f"<link>https://news.example.com/a/{n}</link>"
        f"<guid>https://news.example.com/a/{n}</guid>"
        f"<description>{escape(text)}</description>"
        f"<pubDate>{format_datetime(now - timedelta(hours=n + 1))}</pubDate></item>"
        for n, (title, text) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        "<title>咖啡新闻</title><link>https://news.example.com/</link>"
        f"<description>行业新闻</description>{entries}</channel></rss>"
    )


def atom(items: list[tuple[str, str]], now: datetime) -> str:
    entries = "".join(
        f"<entry><title>{escape(title)}</title>"
        f'<link href="https://peer.example.com/p/{n}"/>'
        f"<id>https://peer.example.com/p/{n}</id>"
        f"<updated>{(now - timedelta(hours=n + 1)).isoformat()}</updated>"
        f"<summary>{escape(text)}</summary></entry>"
        for n, (title, text) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>同行咖啡的博客</title><id>https://peer.example.com/</id>"
        f"<updated>{now.isoformat()}</updated>{entries}</feed>"
    )


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/news.xml")
    async def news() -> Response:
        return Response(rss(NEWS, datetime.now(UTC)), media_type="application/rss+xml")

    @app.get("/peer.xml")
    async def peer() -> Response:
        return Response(atom(PEER, datetime.now(UTC)), media_type="application/atom+xml")

    return app
