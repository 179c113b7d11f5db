"""The query parameters the report endpoints share, as query parameter models: a period of
days, and the basis of the age-based reports. An endpoint's model lists its parameters in
the order the API documents them (the shared ones first), so one class says what a period
or a basis is instead of each endpoint spelling it out again."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel

from metrics_svc.ingestion.rollups.gains import CHECKPOINTS
from metrics_svc.kit.downloads import Format
from metrics_svc.reports import charts, service
from metrics_svc.reports.benchmark import AgeBasis

From = Annotated[date | None, Query(alias="from", description="First day (UTC), inclusive")]
To = Annotated[date | None, Query(alias="to", description="Last day (UTC), inclusive")]
Metric = Annotated[str, Query(max_length=32)]
ChannelId = Annotated[str | None, Query(max_length=64)]
Interval = Literal["day", "week"]


class Period(BaseModel):
    """Days (UTC), both ends inclusive; the report's default where an end is not given."""

    start: From = None
    end: To = None


class OverviewQuery(Period):
    interval: Interval = "day"
    channel_id: ChannelId = None
    format: Format = "json"


class ChannelsQuery(Period):
    format: Format = "json"


class OverviewChartQuery(Period):
    interval: Interval = "day"
    metric: Annotated[str, Query(pattern="^(" + "|".join(charts.CHART_METRICS) + ")$")] = "reads"


class ReportBasis(BaseModel):
    """What the age-based reports judge posts by: a metric at an age, counted in a time
    zone, over the posts of the last `days` days."""

    metric: Metric = "reads"
    age_hours: Annotated[int, Query(description=f"One of {list(CHECKPOINTS)}")] = 48
    timezone: Annotated[str, Query(max_length=64)] = "Asia/Shanghai"
    days: Annotated[int, Query(ge=7, le=730)] = 180

    def age_basis(self) -> AgeBasis:
        """The basis, checked (a 422 naming the parameter that is off)."""
        return service.age_basis(self.metric, self.age_hours, self.timezone, self.days)


class BestTimesQuery(ReportBasis):
    channel_id: ChannelId = None
    format: Format = "json"


class ContentInsightsQuery(ReportBasis):
    min_posts: Annotated[int, Query(ge=2, le=100, description="Smallest sample judged")] = 3
    format: Format = "json"
