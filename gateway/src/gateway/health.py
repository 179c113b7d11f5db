"""`/health` (the process answers; each service reported) and `/ready` (its database
answers; upstreams reported)."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway.proxy.routes import Upstream
from gateway.runtime import Runtime

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_SECONDS = 2.0
HEALTH_TIMEOUT_SECONDS = 1.0


@router.get("/health", include_in_schema=False)
async def health(runtime: Runtime) -> dict[str, object]:
    """Always 200 while the gateway runs (a down service makes only its routes fail);
    `status` is `degraded` when a service does not answer its own `/health`."""
    client, upstreams = runtime.http, runtime.upstreams
    states = await asyncio.gather(
        *(_upstream_state(client, u, timeout=HEALTH_TIMEOUT_SECONDS) for u in upstreams.values())
    )
    services = {u.name: state for u, state in zip(upstreams.values(), states, strict=True)}
    ok = all(state == "ok" for state in states)
    return {"status": "ok" if ok else "degraded", "services": services}


async def _upstream_state(
    client: httpx.AsyncClient, upstream: Upstream, *, timeout: float = CHECK_TIMEOUT_SECONDS
) -> str:
    try:
        response = await client.get(f"{upstream.url}/health", timeout=timeout)
    except httpx.HTTPError as exc:
        return f"unreachable: {type(exc).__name__}"
    return "ok" if response.status_code == 200 else f"unhealthy: HTTP {response.status_code}"


@router.get("/ready", include_in_schema=False)
async def ready(runtime: Runtime) -> JSONResponse:
    client, upstreams = runtime.http, runtime.upstreams
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await runtime.db.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    # An upstream that is down makes its routes answer 503, not the gateway unready.
    states = await asyncio.gather(*(_upstream_state(client, u) for u in upstreams.values()))
    checks.update({u.name: state for u, state in zip(upstreams.values(), states, strict=True)})
    ok = checks["database"] == "ok"
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks},
        status_code=200 if ok else 503,
    )
