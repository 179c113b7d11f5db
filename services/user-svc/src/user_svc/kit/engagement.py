"""The engagement score: recency-weighted interactions with a half-life of 30 days.

Each interaction adds its kind's weight (a share counts more than a like), and every
contribution halves every `HALF_LIFE_DAYS`: a comment from today weighs 3, one from a month
ago 1.5, one from two months ago 0.75. Unfollows add nothing.

Stored as `members.engagement_raw`, the sum of each weight scaled to a fixed epoch,
`weight * 2 ** ((occurred_at - EPOCH) / half_life)`. The score at time `t` is
`raw * 2 ** (-(t - EPOCH) / half_life)`: one factor for all members at a given moment, so
ordering by `raw` orders by score, and a score range is a range of `raw` that an index
answers. Doubles hold the scaled values for centuries (2 ** 1000 half-lives after 2025).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

HALF_LIFE_DAYS = 30.0
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
_HALF_LIFE_SECONDS = HALF_LIFE_DAYS * 86400.0

KIND_WEIGHTS: dict[str, float] = {
    "comment": 3.0,
    "reply": 3.0,
    "direct_message": 4.0,
    "mention": 2.0,
    "like": 1.0,
    "share": 5.0,
    "follow": 2.0,
    "unfollow": 0.0,
    "menu_click": 1.0,
}


def _halvings(at: datetime) -> float:
    return (at - EPOCH).total_seconds() / _HALF_LIFE_SECONDS


def contribution(kind: str, occurred_at: datetime) -> float:
    """What one interaction adds to `engagement_raw`."""
    return KIND_WEIGHTS.get(kind, 0.0) * math.pow(2.0, _halvings(occurred_at))


def score_at(raw: float, at: datetime) -> float:
    """The engagement score at `at` of a member whose stored value is `raw`."""
    return round(raw * math.pow(2.0, -_halvings(at)), 4)


def raw_for(score: float, at: datetime) -> float:
    """The stored value a member with `score` at `at` has (for range filters)."""
    return score * math.pow(2.0, _halvings(at))
