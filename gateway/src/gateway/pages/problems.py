"""The pages the problem `type` URIs open: `/problems` lists every type, `/problems/<slug>`
describes one (its status, what it means and what to do, in Chinese and English). Both
are made from servicekit's catalogue, so every type an answer can carry has its page."""

from __future__ import annotations

import html

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from servicekit.problem_types import CATALOGUE, PROBLEM_BASE, ProblemType

from gateway.pages import render
from gateway.pages.router import HEADERS, METHODS

router = APIRouter(include_in_schema=False)

INDEX = PROBLEM_BASE.rstrip("/")
_CACHED = {**HEADERS, "Cache-Control": "public, max-age=3600"}


def _describe(kind: ProblemType) -> str:
    return (
        f"<p><code>HTTP {kind.status}</code> · <code>type: {html.escape(kind.uri)}</code></p>\n"
        + render.paragraphs((kind.summary_zh, kind.summary))
        + f'<p><a href="{INDEX}">所有问题类型 <span lang="en">All problem types</span></a></p>\n'
    )


def _index() -> str:
    rows = "\n".join(
        f'<li><a href="{html.escape(kind.uri)}">{html.escape(kind.slug)}</a> '
        f"({kind.status}) {html.escape(kind.title_zh)} "
        f'<span lang="en">{html.escape(kind.title)}</span></li>'
        for kind in sorted(CATALOGUE.values(), key=lambda k: (k.status, k.slug))
    )
    intro = render.paragraphs(
        (
            "Mediaops 的错误响应是 RFC 9457 problem+json：type 指向下列页面之一，title 和 "
            "detail 使用 Accept-Language 指定的语言（中文或英文），instance 是请求 ID。",
            "Mediaops answers errors as RFC 9457 problem+json: `type` is one of these "
            "pages, `title` and `detail` speak the Accept-Language (Chinese or English), "
            "`instance` is the request id.",
        )
    )
    return intro + f"<ul>\n{rows}\n</ul>\n"


@router.api_route(INDEX, methods=METHODS)
async def problem_types() -> HTMLResponse:
    page = render.document(("问题类型", "Problem types"), _index())
    return HTMLResponse(page, headers=_CACHED)


@router.api_route(PROBLEM_BASE + "{slug}", methods=METHODS)
async def problem_type(slug: str) -> HTMLResponse:
    kind = CATALOGUE.get(slug)
    if kind is None:
        page = render.document(("没有这个问题类型", "No such problem type"), _index())
        return HTMLResponse(page, status_code=404, headers=HEADERS)
    page = render.document((kind.title_zh, kind.title), _describe(kind))
    return HTMLResponse(page, headers=_CACHED)
