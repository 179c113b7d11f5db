"""The public pages that mailed links open (`/signup/confirm`, `/password/reset`,
`/password/forgot`, `/invitations/accept`): outside `/api/v1` and the OpenAPI document."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from gateway.pages import render

router = APIRouter(include_in_schema=False)

# HEAD too: link checkers and previews ask with it.
METHODS = ["GET", "HEAD"]
# The pages served at `MEDIAOPS_PUBLIC_URL`: the reverse proxy must route each to the gateway.
PATHS = ("/signup/confirm", "/password/reset", "/password/forgot", "/invitations/accept")
HEADERS = {
    "Content-Security-Policy": render.CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
    # The token is in the address: no other site may learn it from a Referer.
    "Referrer-Policy": "no-referrer",
    # Nor may a cache keep a page (its address holds the token).
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Robots-Tag": "noindex",
}

Token = Annotated[str | None, Query()]


def _page(form: render.Form, token: str | None = None) -> HTMLResponse:
    status, page = render.page(form, token=token)
    return HTMLResponse(page, status_code=status, headers=HEADERS)


@router.api_route("/signup/confirm", methods=METHODS)
async def confirm_signup(token: Token = None) -> HTMLResponse:
    return _page(render.CONFIRM_SIGNUP, token)


@router.api_route("/password/reset", methods=METHODS)
async def reset_password(token: Token = None) -> HTMLResponse:
    return _page(render.RESET_PASSWORD, token)


@router.api_route("/password/forgot", methods=METHODS)
async def forgot_password() -> HTMLResponse:
    return _page(render.FORGOT_PASSWORD)


@router.api_route("/invitations/accept", methods=METHODS)
async def accept_invitation(token: Token = None) -> HTMLResponse:
    return _page(render.ACCEPT_INVITATION, token)
