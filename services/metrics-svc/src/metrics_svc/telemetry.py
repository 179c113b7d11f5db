"""metrics-svc's own Prometheus figures (the pipeline's are in servicekit.metrics)."""

from __future__ import annotations

from prometheus_client import Counter

STATS_POINTS_INGESTED = Counter(
    "mediaops_stats_points_ingested_total",
    "Platform figures stored (duplicates of stored points not counted), by way in.",
    ["source"],
)
