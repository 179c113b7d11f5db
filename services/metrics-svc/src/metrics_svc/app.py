"""Assembles metrics-svc: the runtime (database, outbox, consumers) and the routers."""

from __future__ import annotations

from fastapi import FastAPI
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
    return build_app(
        runtime or create_runtime(),
        [
            stats_router,
            conversions_router,
            campaigns_router,
            reports_router,
            alerts_router,
        ],
        title="Mediaops metrics-svc",
        description="Data operation: platform figures, benchmarks, reports and alerts.",
    )
