"""Is this comment a question? Operators answer questions first."""

from __future__ import annotations

import re

_CHINESE_MARKERS = (
    "怎么",
    "如何",
    "为什么",
    "为啥",
    "什么",
    "哪里",
    "哪儿",
    "哪个",
    "哪些",
    "多少",
    "几时",
    "能不能",
    "可不可以",
    "是不是",
    "有没有",
    "请问",
    "求问",
    "求助",
)
_CHINESE_ENDINGS = ("吗", "呢", "么", "嘛")
_ENGLISH = re.compile(
    r"^\s*(what|how|why|when|where|which|who|whom|whose|can|could|would|will|should|is|are|"
    r"do|does|did|any(one|body)?)\b",
    re.IGNORECASE,
)


def is_question(text: str | None) -> bool:
    if not text:
        return False
    stripped = text.strip()
    if "?" in stripped or "？" in stripped:
        return True
    if any(marker in stripped for marker in _CHINESE_MARKERS):
        return True
    bare = stripped.rstrip("。.!！~～ ")
    if bare.endswith(_CHINESE_ENDINGS):
        return True
    return any(_ENGLISH.match(part) for part in re.split(r"[.!。！\n]", stripped) if part.strip())
