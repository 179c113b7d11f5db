"""Two small Chinese feeds for `mediaops seed-demo`, served from a thread on 127.0.0.1.

A news feed (RSS 2.0) and a peer's feed (Atom), dated relative to now so that the ideas made
from them look fresh. The server lives only while the demo's sources are fetched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

NEWS_ENTRIES = [
    ("云南咖啡豆今年产量预计增长两成", "普洱、保山产区新季咖啡豆陆续上市，精品豆比例继续提高。"),
    ("冷萃咖啡成为夏季饮品销量冠军", "多家连锁品牌数据显示，冷萃和气泡咖啡的销量同比翻倍。"),
    ("年轻人开始在家手冲咖啡", "手冲器具线上销量增长明显，入门教程成为热门内容。"),
    ("秋季限定饮品上新潮：桂花与栗子", "各品牌秋季新品集中在桂花、栗子和南瓜口味。"),
]
PEER_ENTRIES = [
    ("同行：我们如何把门店活动搬到小红书", "一家独立咖啡馆分享了门店活动在小红书的传播做法。"),
    ("同行：会员社群的三条运营经验", "社群不是广告位：答疑、福利和线下活动各占一份。"),
    ("同行：拉花课程报名火爆的原因", "把课程拆成小班，并在公众号公开报名进度。"),
]


def news_rss(base: str, now: datetime) -> bytes:
    items = []
    for n, (title, summary) in enumerate(NEWS_ENTRIES):
        published = format_datetime(now - timedelta(hours=6 * n + 1))
        items.append(
            "<item>"
            f"<title>{escape(title)}</title>"
            f"<link>{escape(base)}/news/{n + 1}.html</link>"
            f"<guid>{escape(base)}/news/{n + 1}</guid>"
            f"<description>{escape(summary)}</description>"
            f"<pubDate>{published}</pubDate>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0"><channel>'
        "<title>咖啡行业快讯（演示）</title>"
        f"<link>{escape(base)}/news</link>"
        "<description>演示用的行业新闻源</description>"
        "<language>zh-CN</language>" + "".join(items) + "</channel></rss>"
    ).encode()


def peer_atom(base: str, now: datetime) -> bytes:
    entries = []
    for n, (title, summary) in enumerate(PEER_ENTRIES):
        updated = (now - timedelta(hours=10 * n + 2)).isoformat()
        entries.append(
            "<entry>"
            f"<title>{escape(title)}</title>"
            f'<link href="{escape(base)}/peer/{n + 1}.html"/>'
            f"<id>{escape(base)}/peer/{n + 1}</id>"
            f"<updated>{updated}</updated>"
            f"<summary>{escape(summary)}</summary>"
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>同行咖啡馆的博客（演示）</title>"
        f'<link href="{escape(base)}/peer"/>'
        f"<id>{escape(base)}/peer</id>"
        f"<updated>{now.isoformat()}</updated>" + "".join(entries) + "</feed>"
    ).encode()


@contextmanager
def serve_feeds() -> Iterator[dict[str, str]]:
    """Serve the two feeds; yields their URLs by name (`news`, `peer`). Stops on exit."""
    now = datetime.now(UTC).replace(microsecond=0)
    documents: dict[str, tuple[bytes, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = documents.get(self.path)
            if found is None:
                self.send_error(404)
                return
            body, media_type = found
            self.send_response(200)
            self.send_header("Content-Type", f"{media_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: the command prints its own progress

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    documents["/news.xml"] = (news_rss(base, now), "application/rss+xml")
    documents["/peer.atom"] = (peer_atom(base, now), "application/atom+xml")
    thread = threading.Thread(target=server.serve_forever, name="demo-feeds", daemon=True)
    thread.start()
    try:
        yield {"news": f"{base}/news.xml", "peer": f"{base}/peer.atom"}
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
