"""A member's interests: the keywords of what they wrote, weighted.

Each text contributes its top keywords (textkit: jieba TF-IDF for Chinese, word frequency
for English), each weighted in (0, 1]; a member's weight for a keyword is the sum over
their texts. The strongest `KEPT` keywords are stored; reads scale them so the strongest
weighs 1.
"""

from __future__ import annotations

from textkit import keywords

KEPT = 30
PER_TEXT = 5


def text_interests(text: str | None) -> list[tuple[str, float]]:
    if not text:
        return []
    return [(word.lower()[:64], weight) for word, weight in keywords(text, top=PER_TEXT)]


def trim_interests(weights: dict[str, float]) -> dict[str, float]:
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:KEPT]
    return dict(ranked)
