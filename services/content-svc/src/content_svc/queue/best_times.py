"""Asking metrics-svc which hours of the week do best on a channel, to rank free slots.

metrics-svc computes the report from every post's figures at a fixed age; keeping a copy
here would mean a new event and recomputing it from rows content-svc does not have, for
an answer that only orders slots. So the queue asks over HTTP, as the caller (their token
forwarded, like the channel lookup), with a short timeout
(`CONTENT_BEST_TIMES_TIMEOUT_SECONDS`) at `CONTENT_METRICS_SVC_URL`. The answer is advice:
when metrics-svc cannot be reached, refuses, or answers nonsense, the queue takes slots in
time order and the publish goes on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import structlog

from content_svc.kit.upstream import CallerClient

log = structlog.get_logger(__name__)

# (weekday 0 Monday ... 6 Sunday, hour) -> how well that hour does, 1.0 for the best.
HourScores = dict[tuple[int, int], float]


class BestTimesClient(CallerClient):
    async def scores(self, channel_ids: Sequence[str], time_zone: str) -> Mapping[str, HourScores]:
        """Each channel's hour scores in `time_zone`; a channel without enough history, or
        any failure to ask, leaves the channel out."""
        try:
            async with self.client() as client:
                answers = await asyncio.gather(
                    *(self._one(client, channel_id, time_zone) for channel_id in channel_ids)
                )
        except httpx.HTTPError as exc:
            log.warning("best_times_unavailable", error=repr(exc))
            return {}
        return {
            channel_id: scores
            for channel_id, scores in zip(channel_ids, answers, strict=True)
            if scores
        }

    async def _one(self, client: httpx.AsyncClient, channel_id: str, time_zone: str) -> HourScores:
        response = await client.get(
            "/api/v1/reports/best-times", params={"channel_id": channel_id, "timezone": time_zone}
        )
        if response.status_code != 200:
            log.warning("best_times_refused", channel_id=channel_id, status=response.status_code)
            return {}
        try:
            return _hour_scores(response.json(), channel_id)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("best_times_unreadable", channel_id=channel_id, error=repr(exc))
            return {}


def _hour_scores(body: Any, channel_id: str) -> HourScores:
    """The channel's judged hours of the week, each median over the best one's."""
    for channel in body["channels"]:
        if channel["channel_id"] != channel_id or channel["answer"] is not True:
            continue
        medians = {
            (int(slot["weekday"]), int(slot["hour"])): float(slot["median"])
            for slot in channel["slots"]
        }
        top = max(medians.values(), default=0.0)
        if top <= 0:
            return {}
        return {hour: median / top for hour, median in medians.items()}
    return {}
