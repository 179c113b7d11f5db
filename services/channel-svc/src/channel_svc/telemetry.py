"""channel-svc's own Prometheus figures (the pipeline's are in servicekit.metrics)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter
from urllib.parse import urlsplit

from prometheus_client import Counter, Histogram
from servicekit.db import call_after_commit
from sqlalchemy.ext.asyncio import AsyncSession

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


def count_outcome(
    session: AsyncSession, platform: str, outcome: str, reason_class: str = "none"
) -> None:
    """Count a distribution outcome once its transaction has committed."""
    call_after_commit(session, lambda: DISTRIBUTIONS.labels(platform, outcome, reason_class).inc())


@contextmanager
def platform_call(platform: str, url: str) -> Iterator[None]:
    """Time one platform API call (by its path: a bounded set) and count its failures;
    adapters raise errors carrying the platform's own `code`."""
    operation = urlsplit(url).path or "/"
    started = perf_counter()
    try:
        yield
    except Exception as exc:
        code = getattr(exc, "code", None)
        PLATFORM_ERRORS.labels(platform, str(code) if code else type(exc).__name__).inc()
        raise
    finally:
        PLATFORM_REQUEST_DURATION.labels(platform, operation).observe(perf_counter() - started)
