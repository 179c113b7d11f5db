"""Repeats: how much of a post the workspace's earlier posts already say (shingles of five
characters, compared by Jaccard similarity)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from content_svc.analysis.findings import Draft, EarlierPost, Finding, Report

DUPLICATE_WARNING = 0.5
DUPLICATE_ERROR = 0.8
SHINGLE = 5

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def shingles(text: str) -> set[int]:
    normal = _NOT_WORD.sub("", text.lower())
    if len(normal) < SHINGLE:
        return {_hash(normal)} if normal else set()
    return {_hash(normal[i : i + SHINGLE]) for i in range(len(normal) - SHINGLE + 1)}


def _hash(piece: str) -> int:
    return int.from_bytes(hashlib.blake2b(piece.encode(), digest_size=8).digest(), "big")


def check_duplicates(report: Report, draft: Draft, earlier: Sequence[EarlierPost]) -> None:
    mine = shingles(f"{draft.title}\n{draft.body_markdown}")
    if not mine:
        return
    found = []
    for other in earlier:
        theirs = shingles(f"{other.title}\n{other.body_markdown}")
        if not theirs:
            continue
        similarity = len(mine & theirs) / len(mine | theirs)
        if similarity >= DUPLICATE_WARNING:
            found.append((similarity, other))
    found.sort(key=lambda item: -item[0])
    for similarity, other in found[:5]:
        percent = round(similarity * 100)
        report.near_duplicates.append(
            {"post_id": other.post_id, "title": other.title, "similarity": round(similarity, 3)}
        )
        report.add(
            Finding(
                "near_duplicate",
                "error" if similarity >= DUPLICATE_ERROR else "warning",
                f"{percent}% of this post repeats “{other.title}”; platforms demote "
                "repeated content.",
            )
        )
