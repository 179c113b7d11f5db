"""The public feeds: no token, the unguessable path is the access.

Served at `/feeds/{token}.xml` (the address readers subscribe to, through the gateway) and,
as before, at `/api/v1/feeds/{token}.xml`. The feed names itself by the public address
(`MEDIAOPS_PUBLIC_URL`), never by the host the request reached.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from channel_svc.feeds import service
from channel_svc.runtime import Runtime

router = APIRouter(prefix="/feeds", tags=["feeds"])
# The same feed at the root, where the public address points (not in the API document).
public_router = APIRouter(prefix="/feeds", include_in_schema=False)


@router.get(
    "/{token}.xml",
    responses={
        **problem_responses(404),
        200: {"content": {"application/rss+xml": {}, "application/atom+xml": {}}},
    },
    response_class=Response,
    summary="A feed channel's posts as RSS 2.0 (or Atom with ?format=atom); public",
    operation_id="feeds-get",
)
@public_router.get("/{token}.xml", response_class=Response)
async def feed(
    token: str, session: DbSession, runtime: Runtime, format: Literal["rss", "atom"] = "rss"
) -> Response:
    channel = await service.feed_channel(session, token)
    atom = format == "atom"
    self_url = service.public_feed_url(runtime.settings.shared.public_url, token, atom=atom)
    body = await service.render_feed(session, channel, self_url=self_url, atom=atom)
    return Response(
        body,
        media_type="application/atom+xml" if atom else "application/rss+xml",
        headers={"Cache-Control": "public, max-age=60"},
    )
