"""Tokens and keywords for mixed Chinese and English text."""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from functools import cache

import jieba
import jieba.analyse

jieba.setLogLevel(logging.WARNING)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'+#-]*[A-Za-z0-9+#]|[A-Za-z]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.])\s+|\n+")

ENGLISH_STOPWORDS = frozenset(
    """a about above after again against
all am an and any are as at be
because been before being below
between both but by can could did do
does doing down during each few for
from further had has have having he
her here hers herself him himself
his how i if in into is it its
itself just me more most my myself
no nor not now of off on once only
or other our ours ourselves out over
own same she should so some such
than that the their theirs them
themselves then there these they
this those through to too under
until up very was we were what when
where which while who whom why will
with would you your yours yourself
yourselves get got new also via per
like one two amp quot nbsp http
https www com""".split()
)

CHINESE_STOPWORDS = frozenset(
    """的 了 和 是 就 都 而 及 与 着 或 一个 没有 我们 你们 他们
她们 它们 这个 那个 这些 那些 自己 什么 怎么 如何 为什么 吗
呢 吧 啊 哦 呀 嘛 在 也 有 被 把 让 给 对 从 向 到 于
以 之 其 这 那 你 我 他 她 它 会 能 要 可以 还 又 很 更
最 已经 因为 所以 但是 如果 然后 以及 并且 不是 就是 还是
一些 今天 明天 昨天 现在 大家 请问 一下 知道 觉得 可能 应该
这样 那样 怎样 多少 哪里 哪个 时候""".split()
)


def _is_han(text: str) -> bool:
    return bool(_HAN.search(text))


@cache
def _jieba_ready() -> bool:
    jieba.initialize()
    return True


def tokens(text: str) -> list[str]:
    """Meaningful tokens in reading order: Chinese words (two characters or more) and
    English words (lower-cased), stopwords and punctuation removed."""
    _jieba_ready()
    result: list[str] = []
    for piece in jieba.lcut(text):
        piece = piece.strip()
        if not piece:
            continue
        if _is_han(piece):
            if len(piece) >= 2 and piece not in CHINESE_STOPWORDS:
                result.append(piece)
            continue
        for word in _LATIN_WORD.findall(piece):
            lowered = word.lower()
            if len(lowered) >= 2 and lowered not in ENGLISH_STOPWORDS and not lowered.isdigit():
                result.append(lowered)
    return result


def keywords(text: str, top: int = 10) -> list[tuple[str, float]]:
    """The `top` keywords of `text` with weights in (0, 1], highest first.

    Chinese terms are weighted by jieba's TF-IDF; English words by frequency; both are
    scaled so the strongest keyword weighs 1.
    """
    _jieba_ready()
    weights: defaultdict[str, float] = defaultdict(float)
    if _is_han(text):
        for word, weight in jieba.analyse.extract_tags(text, topK=top * 2, withWeight=True):
            if len(word) >= 2 and word not in CHINESE_STOPWORDS and _is_han(word):
                weights[word] += float(weight)
    english = [t for t in tokens(text) if not _is_han(t)]
    if english:
        counts = Counter(english)
        scale = max(weights.values(), default=1.0)
        most = counts.most_common(1)[0][1]
        for word, count in counts.items():
            weights[word] += scale * count / most
    if not weights:
        return []
    strongest = max(weights.values())
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [(word, round(weight / strongest, 4)) for word, weight in ranked]


def sentences(text: str) -> list[str]:
    """Sentences of Chinese or English prose (split after 。！？!?；; and '. ')."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]
