"""A member's interests: the keywords of what they wrote, weighted.

Each text contributes its top keywords (textkit: jieba TF-IDF for Chinese, word frequency
for English), each weighted in (0, 1]; a member's weight for a keyword is the sum over
their texts. The strongest `KEPT` keywords are stored; reads scale them so the strongest
weighs 1.
"""

from __future__ import annotations

from collections.abc import Mapping

from servicekit.db import delete_rows, insert_rows, update_rows
from sqlalchemy.ext.asyncio import AsyncSession
from textkit import keywords

from user_svc.members.repository import interests_of
from user_svc.models import MemberInterest

KEPT = 30
PER_TEXT = 5


def text_interests(text: str | None) -> list[tuple[str, float]]:
    if not text:
        return []
    return [(word.lower()[:64], weight) for word, weight in keywords(text, top=PER_TEXT)]


def trim_interests(weights: dict[str, float]) -> dict[str, float]:
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:KEPT]
    return dict(ranked)


async def add_interests(
    session: AsyncSession, workspace_id: str, updates: Mapping[str, Mapping[str, float]]
) -> None:
    """Add `updates` ({member id: {keyword: weight}}) to the members' interests, keeping
    each member's strongest `KEPT`: a read, then at most a DELETE, an UPDATE and an INSERT
    (each one executemany) whatever the number of members."""
    updates = {member_id: words for member_id, words in updates.items() if words}
    if not updates:
        return
    current: dict[str, dict[str, float]] = {member_id: {} for member_id in updates}
    for member_id, keyword, weight in await interests_of(session, updates):
        current[member_id][keyword] = weight
    dropped: list[dict[str, str]] = []
    changed: list[dict[str, object]] = []
    added: list[dict[str, object]] = []
    for member_id, words in updates.items():
        stored = current[member_id]
        weights = dict(stored)
        for word, weight in words.items():
            weights[word] = weights.get(word, 0.0) + weight
        kept = trim_interests(weights)
        for keyword, weight in stored.items():
            if keyword not in kept:
                dropped.append({"member_id": member_id, "keyword": keyword})
            elif kept[keyword] != weight:
                changed.append(
                    {"member_id": member_id, "keyword": keyword, "weight": kept[keyword]}
                )
        added.extend(
            {
                "member_id": member_id,
                "keyword": keyword,
                "weight": weight,
                "workspace_id": workspace_id,
            }
            for keyword, weight in kept.items()
            if keyword not in stored
        )
    await delete_rows(session, MemberInterest, dropped)
    await update_rows(session, MemberInterest, changed, key=("member_id", "keyword"))
    await insert_rows(session, MemberInterest, added)
