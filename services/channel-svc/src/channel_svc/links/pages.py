"""The small pages a reader gets instead of a redirect: the link does not exist, its
campaign was removed, or it cannot be followed right now."""

from __future__ import annotations

from fastapi.responses import HTMLResponse

NO_STORE = {"Cache-Control": "no-store"}  # every click must reach us to be counted

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32em;margin:4em auto;padding:0 1em;
color:#333;line-height:1.6}}h1{{font-size:1.4em}}</style></head>
<body><h1>{title}</h1><p>{zh}</p><p>{en}</p></body></html>
"""


def _page(status: int, title: str, zh: str, en: str) -> HTMLResponse:
    return HTMLResponse(
        _PAGE.format(title=title, zh=zh, en=en), status_code=status, headers=NO_STORE
    )


def not_found() -> HTMLResponse:
    return _page(
        404,
        "链接不存在 · Link not found",
        "这个链接不存在或已失效。",
        "This link does not exist. Check that it was copied completely.",
    )


def gone() -> HTMLResponse:
    return _page(
        410,
        "活动已结束 · Campaign ended",
        "这个链接所属的活动已被删除，链接不再可用。",
        "The campaign this link belonged to was removed; the link no longer leads anywhere.",
    )


def unavailable() -> HTMLResponse:
    return _page(
        503,
        "请稍后再试 · Try again shortly",
        "服务暂时不可用，请稍后再试。",
        "The link cannot be followed right now; please try again in a moment.",
    )
