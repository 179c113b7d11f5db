"""`GET /openapi.json` (the merged document, `gateway.openapi.service`) and `GET /docs`:
Swagger UI over it, its files served from the `swagger_ui_bundle` package (no CDN), with
"try it out" against this gateway."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from servicekit.problems import NotFound

from gateway.runtime import Runtime

router = APIRouter()

SWAGGER_UI = Path(swagger_ui_bundle.swagger_ui_path)
# Swagger UI's files the page loads (nothing else of the package is served).
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon-32x32.png": "image/png",
}
CACHE_ASSETS = "public, max-age=86400"
# Scripts and styles only from here; requests ("try it out") only to this gateway.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
PAGE_HEADERS = {"Cache-Control": "no-cache", "Content-Security-Policy": CONTENT_SECURITY_POLICY}


def _own(name: str) -> str:
    return resources.files("gateway.openapi").joinpath(name).read_text(encoding="utf-8")


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request, runtime: Runtime) -> JSONResponse:
    document = await runtime.openapi.document(request.app, runtime.http)
    return JSONResponse(document, headers={"Cache-Control": "no-cache"})


@router.get("/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    return HTMLResponse(_own("docs.html"), headers=PAGE_HEADERS)


@router.get("/docs/assets/docs.js", include_in_schema=False)
async def docs_script() -> Response:
    return Response(_own("docs.js"), media_type="text/javascript", headers=PAGE_HEADERS)


@router.get("/docs/assets/{name}", include_in_schema=False)
async def docs_asset(name: str) -> Response:
    if name not in ASSETS:
        raise NotFound(f"The docs page has no file {name}.")
    return FileResponse(
        SWAGGER_UI / name, media_type=ASSETS[name], headers={"Cache-Control": CACHE_ASSETS}
    )
