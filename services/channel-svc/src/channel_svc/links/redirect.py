"""The public short links: `GET /l/{code}` (no token; mounted at the root, not under
/api/v1). The redirect answers first; the click is queued and written afterwards."""

from __future__ import annotations

import re

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from channel_svc.links import service
from channel_svc.runtime import Runtime

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/l", tags=["links"])

_CODE = re.compile(service.CODE_PATTERN)
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


@router.get(
    "/{code}",
    response_class=Response,
    responses={
        302: {"description": "To the link's target, with UTM parameters added."},
        404: {"description": "No such link (an HTML page).", "content": {"text/html": {}}},
        410: {
            "description": "The link's campaign was deleted (an HTML page).",
            "content": {"text/html": {}},
        },
    },
    status_code=302,
    summary="Follow a tracked link (public): redirect and count the click",
)
async def follow(code: str, request: Request, runtime: Runtime) -> Response:
    if not _CODE.match(code):
        return not_found()
    found, destination = runtime.link_cache.get(code)
    if not found:
        try:
            async with runtime.db.transaction() as session:
                destination = await service.resolve(session, code)
        except Exception:
            log.exception("resolving a tracked link failed", code=code)
            return unavailable()
        runtime.link_cache.put(code, destination)
    if destination is None:
        return not_found()
    if destination.gone:
        return gone()
    if request.method == "GET":  # a HEAD (link preview, checker) is not a click
        runtime.clicks.record(destination)
    return RedirectResponse(destination.location, status_code=302, headers=NO_STORE)


# Link previews ask with HEAD: the same answer, kept out of the document (one operation).
router.add_api_route(
    "/{code}", follow, methods=["HEAD"], response_class=Response, include_in_schema=False
)
