"""The posting queue under test: a metrics-svc stand-in answering best times."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.content_svc.feeds import serving


@dataclass
class MetricsServiceStandIn:
    """A tiny metrics-svc: `GET /api/v1/reports/best-times` answers `slots` per channel
    ((weekday, hour, median) each), or `status` when it is not 200."""

    slots: dict[str, list[tuple[int, int, float]]] = field(default_factory=dict)
    status: int = 200
    asked: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/api/v1/reports/best-times")
        async def best_times(request: Request) -> JSONResponse:
            self.asked.append(
                {**request.query_params, "authorization": request.headers.get("authorization")}
            )
            if self.status != 200:
                return JSONResponse({"title": "Broken"}, status_code=self.status)
            channel_id = request.query_params["channel_id"]
            judged = self.slots.get(channel_id, [])
            return JSONResponse(
                {
                    "metric": "reads",
                    "age_hours": 48,
                    "timezone": request.query_params.get("timezone"),
                    "min_posts_per_slot": 3,
                    "channels": [
                        {
                            "channel_id": channel_id,
                            "name": None,
                            "platform": None,
                            "posts": 40 if judged else 2,
                            "answer": bool(judged),
                            "reason": "",
                            "best": [],
                            "slots": [
                                {"weekday": w, "hour": h, "posts": 5, "median": m, "mean": m}
                                for w, h, m in judged
                            ],
                            "by_hour": [],
                            "thin_slots": 0,
                        }
                    ],
                }
            )

        return app


@pytest.fixture
async def metrics_service() -> AsyncIterator[MetricsServiceStandIn]:
    async with serving(MetricsServiceStandIn()) as stand_in:
        yield stand_in


@pytest.fixture
def metrics_svc_url(metrics_service: MetricsServiceStandIn) -> str:
    return metrics_service.url
