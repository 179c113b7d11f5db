"""The gateway's own Prometheus figures."""

from __future__ import annotations

from prometheus_client import Counter

RATE_LIMITED = Counter(
    "mediaops_gateway_rate_limited_total",
    "Requests refused with 429, by the limit that refused them.",
    ["limit"],
)
