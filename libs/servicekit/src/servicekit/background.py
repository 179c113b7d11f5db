"""Background tasks a service runs beside its requests, stopped the one way, and the loop
of a worker that takes rounds of due work from the database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)

# How long a Kafka client's stop may take before it is left behind (`within`).
STOP_SECONDS = 10.0
# How long a cancelled task may run on before it is cancelled again (`stop_task`).
RECANCEL_SECONDS = 1.0


async def within(job: Awaitable[object], seconds: float, *, what: str) -> None:
    """Wait at most `seconds` for `job` (a client's stop), then go on without it: it is
    cancelled and left, never awaited. `asyncio.wait_for` would wait for the cancellation
    to be honoured, and aiokafka's stop swallows it (its fetcher suppresses the
    CancelledError it awaits, then the group leave waits up to its request timeout): a
    40 s hang under a 10 s bound, seen failing a test. Errors of `job` are raised."""
    task = asyncio.ensure_future(job)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if task in done:
        task.result()
        return
    task.cancel()
    log.warning("stop_abandoned", what=what, seconds=seconds)


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel `task` (if any) and wait until it has finished.

    The cancellation is repeated while the task runs on: one swallowed inside a library
    (aiokafka's fetcher does it) must not keep a service from stopping.
    """
    if task is None:
        return
    while not task.done():
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=RECANCEL_SECONDS)
        if not done:
            log.warning("cancellation_swallowed", task=task.get_name())
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def run_rounds(
    one_round: Callable[[], Awaitable[bool]],
    wake: asyncio.Event,
    poll_seconds: float,
    *,
    failed: str,
    idle_max_seconds: float | None = None,
) -> None:
    """Run `one_round` until cancelled: again at once while it answers that more is due,
    otherwise when `wake` is set or the poll interval has passed (work falls due by time
    too).

    The interval starts at `poll_seconds` and, while rounds find nothing more due and
    nothing wakes the loop, doubles after each such round up to `idle_max_seconds` (when
    given and larger): an idle worker stops querying its table every second, the event that
    creates work (`wake`) still runs a round at once, and work that falls due by time is
    late by at most the longer interval. A wake-up or a round with more due starts the
    interval over.

    A round that raises (the database unreachable or busy) is logged as `failed` and tried
    again after a pause that doubles from 0.1 s up to 5 s, and starts over once a round
    succeeds: a worker outlives an outage instead of dying in it.
    """
    backoff = 0.1
    interval = poll_seconds
    ceiling = max(poll_seconds, idle_max_seconds or poll_seconds)
    while True:
        wake.clear()
        try:
            more_due = await one_round()
            backoff = 0.1
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(failed, error=repr(exc), retry_in_s=backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 5.0)
            continue
        if more_due:
            interval = poll_seconds
            continue
        interval = await idle_wait(wake, interval, poll_seconds, ceiling)


async def idle_wait(wake: asyncio.Event, interval: float, base: float, ceiling: float) -> float:
    """Wait for `wake` at most `interval` seconds; the interval of the next wait: `base`
    again when woken, doubled up to `ceiling` when the wait ran out (nothing happened)."""
    try:
        # Not `asyncio.wait_for`: on Python 3.11 it swallows a cancellation that arrives
        # with the wake-up, and the loop's stop then waits for ever.
        async with asyncio.timeout(interval):
            await wake.wait()
    except TimeoutError:
        return min(interval * 2, ceiling)
    return base
