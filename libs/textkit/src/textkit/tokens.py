"""Tokens and keywords for mixed Chinese and English text."""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from functools import cache, lru_cache
from operator import itemgetter

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
    return _meaningful(jieba.lcut(text))


def _meaningful(pieces: list[str]) -> list[str]:
    result: list[str] = []
    for piece in pieces:
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


def _tfidf(pieces: list[str], top: int) -> list[tuple[str, float]]:
    """`jieba.analyse.extract_tags(text, topK=top, withWeight=True)` of the text's jieba
    words (the same cut, so the same tags and weights), without cutting it again."""
    model = jieba.analyse.default_tfidf
    freq: dict[str, float] = {}
    for word in pieces:
        if len(word.strip()) < 2 or word.lower() in model.stop_words:
            continue
        freq[word] = freq.get(word, 0.0) + 1.0
    total = sum(freq.values())
    for word in freq:
        freq[word] *= model.idf_freq.get(word, model.median_idf) / total
    return sorted(freq.items(), key=itemgetter(1), reverse=True)[:top]


def keywords(text: str, top: int = 10) -> list[tuple[str, float]]:
    """The `top` keywords of `text` with weights in (0, 1], highest first.

    Chinese terms are weighted by jieba's TF-IDF; English words by frequency; both are
    scaled so the strongest keyword weighs 1. The same short texts come again and again
    (comments such as "转发" or "期待"): the latest `CACHED_TEXTS` answers are kept.
    """
    return list(_keywords(text, top))


# How many texts' keywords (and, in `sentiment`, scores) are kept: a few MB at most.
CACHED_TEXTS = 4096


@lru_cache(maxsize=CACHED_TEXTS)
def _keywords(text: str, top: int) -> tuple[tuple[str, float], ...]:
    _jieba_ready()
    pieces = jieba.lcut(text)  # one cut for both the TF-IDF and the English words
    weights: defaultdict[str, float] = defaultdict(float)
    if _is_han(text):
        for word, weight in _tfidf(pieces, top * 2):
            if len(word) >= 2 and word not in CHINESE_STOPWORDS and _is_han(word):
                weights[word] += float(weight)
    english = [t for t in _meaningful(pieces) if not _is_han(t)]
    if english:
        counts = Counter(english)
        scale = max(weights.values(), default=1.0)
        most = counts.most_common(1)[0][1]
        for word, count in counts.items():
            weights[word] += scale * count / most
    if not weights:
        return ()
    strongest = max(weights.values())
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:top]
    return tuple((word, round(weight / strongest, 4)) for word, weight in ranked)


def sentences(text: str) -> list[str]:
    """Sentences of Chinese or English prose (split after 。！？!?；; and '. ')."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]
