"""channel-svc's own Prometheus figures (the pipeline's are in servicekit.metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

DISTRIBUTIONS = Counter(
    "mediaops_distributions_total",
    "Distribution outcomes by platform: succeeded, failed (with a reason class), deferred "
    "for quota, awaiting manual.",
    ["platform", "outcome", "reason_class"],
)
PLATFORM_REQUEST_DURATION = Histogram(
    "mediaops_platform_request_duration_seconds",
    "Time a platform API (or webhook) took to answer, by platform and operation.",
    ["platform", "operation"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PLATFORM_ERRORS = Counter(
    "mediaops_platform_errors_total",
    "Errors platforms answered, by platform and the platform's own code.",
    ["platform", "code"],
)
