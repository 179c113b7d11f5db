"""Assembles metrics-svc: the runtime (database, outbox, consumers) and the routers."""

from __future__ import annotations

from fastapi import FastAPI
from servicekit.bodylimit import BULK_BODY_BYTES
from servicekit.db import Database
from servicekit.runtime import build_app

from metrics_svc.alerts.router import router as alerts_router
from metrics_svc.campaigns.router import router as campaigns_router
from metrics_svc.conversions.router import router as conversions_router
from metrics_svc.ingestion.router import router as stats_router
from metrics_svc.reports.router import router as reports_router
from metrics_svc.runtime import MetricsRuntime
from metrics_svc.settings import Settings


def create_runtime(
    settings: Settings | None = None, database: Database | None = None
) -> MetricsRuntime:
    return MetricsRuntime(settings or Settings(), database=database)


def create_app(runtime: MetricsRuntime | None = None) -> FastAPI:
    runtime = runtime or create_runtime()
    return build_app(
        runtime,
        [
            stats_router,
            conversions_router,
            campaigns_router,
            reports_router,
            alerts_router,
        ],
        title="Mediaops metrics-svc",
        body_allowances={
            # A batch holds up to 10,000 figures; an import is a whole CSV file, which is
            # spooled to disk as it streams (never held whole), with its own limit.
            "/api/v1/stats": BULK_BODY_BYTES,
            "/api/v1/stats/import": runtime.settings.import_max_bytes,
        },
        description="Data operation: platform figures, benchmarks, reports and alerts.",
    )
