"""The public feeds: no token, the unguessable path is the access (`/feeds/{token}.xml`)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from channel_svc.feeds import service

router = APIRouter(prefix="/feeds", tags=["feeds"])


@router.get(
    "/{token}.xml",
    responses={
        **problem_responses(404),
        200: {"content": {"application/rss+xml": {}, "application/atom+xml": {}}},
    },
    response_class=Response,
    summary="A feed channel's posts as RSS 2.0 (or Atom with ?format=atom); public",
)
async def feed(
    token: str, request: Request, session: DbSession, format: Literal["rss", "atom"] = "rss"
) -> Response:
    channel = await service.feed_channel(session, token)
    atom = format == "atom"
    self_url = str(request.url)
    body = await service.render_feed(session, channel, self_url=self_url, atom=atom)
    return Response(
        body,
        media_type="application/atom+xml" if atom else "application/rss+xml",
        headers={"Cache-Control": "public, max-age=60"},
    )
