"""content-svc's own Prometheus figures (the pipeline's are in servicekit.metrics)."""

from __future__ import annotations

from prometheus_client import Counter

FEED_FETCHES = Counter(
    "mediaops_feed_fetches_total",
    "Source feed fetches by outcome (ok, not_modified, failed).",
    ["outcome"],
)
