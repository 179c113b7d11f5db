"""`GET /openapi.json` (the merged document, `gateway.openapi.service`) and `GET /docs` (a
page that lists it)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from gateway.runtime import Runtime

router = APIRouter()


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request, runtime: Runtime) -> JSONResponse:
    document = await runtime.openapi.document(request.app, runtime.http)
    return JSONResponse(document, headers={"Cache-Control": "no-cache"})


@router.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    page = resources.files("gateway.openapi").joinpath("docs.html").read_text(encoding="utf-8")
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})
