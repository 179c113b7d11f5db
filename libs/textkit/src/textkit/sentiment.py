"""Is a follower's comment or message positive, neutral or negative?

Chinese: a lexicon of the words followers use in comments (`data/sentiment_zh.txt`),
matched on jieba words, with negators that flip and degree adverbs that scale the word
they precede, within its clause. English (and the Latin part of mixed text): VADER
(Hutto & Gilbert 2014, the `vaderSentiment` package, MIT), a lexicon and rules made for
short social-media text. Both are deterministic and cost tens of microseconds a text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from typing import Literal

import jieba
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from textkit.tokens import CACHED_TEXTS

jieba.setLogLevel(logging.WARNING)

Sentiment = Literal["positive", "neutral", "negative"]
SENTIMENTS: tuple[Sentiment, ...] = ("positive", "neutral", "negative")

# A text scoring above THRESHOLD is positive, below -THRESHOLD negative.
THRESHOLD = 0.1
# VADER's compound score is in [-1, 1]; a strong Chinese word weighs 2.
ENGLISH_WEIGHT = 2.0
# How many words before a sentiment word a negator or degree adverb may stand.
REACH = 3
NEGATED_NEGATIVE = 0.5  # "不差" is mildly positive, not as positive as "好"

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]{2,}")
_CLAUSE_END = frozenset("，,。.！!？?；;：:～~\n 、")


@dataclass(frozen=True)
class _Lexicon:
    words: dict[str, float]
    negators: frozenset[str]
    degrees: dict[str, float]


def _parse(text: str) -> _Lexicon:
    words: dict[str, float] = {}
    negators: set[str] = set()
    degrees: dict[str, float] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        word, _, value = line.partition("\t")
        if section == "words":
            words[word.lower()] = float(value)
        elif section == "negators":
            negators.add(word)
        elif section == "degree":
            degrees[word] = float(value)
    return _Lexicon(words=words, negators=frozenset(negators), degrees=degrees)


@cache
def _lexicon() -> _Lexicon:
    source = files("textkit").joinpath("data/sentiment_zh.txt").read_text(encoding="utf-8")
    return _parse(source)


@cache
def _tokenizer() -> jieba.Tokenizer:
    """A jieba of its own, that knows the lexicon's words (the shared one is left as is,
    so keywords and tokens do not change)."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    lexicon = _lexicon()
    for word in [*lexicon.words, *lexicon.negators, *lexicon.degrees]:
        if len(word) >= 2 and _HAN.search(word):
            tokenizer.add_word(word)
    return tokenizer


def _split(word: str, lexicon: _Lexicon) -> list[str]:
    """jieba keeps some adverb + word pairs whole ("很赞", "不好"): split those so the
    adverb scales or flips the word."""
    if word in lexicon.words or len(word) < 2:
        return [word]
    for cut in (2, 1):
        head, rest = word[:cut], word[cut:]
        if rest in lexicon.words and (head in lexicon.negators or head in lexicon.degrees):
            return [head, rest]
    return [word]


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def _clauses(words: list[str], lexicon: _Lexicon) -> list[list[str]]:
    clauses: list[list[str]] = [[]]
    for word in words:
        if word.strip() == "" or all(ch in _CLAUSE_END for ch in word):
            if clauses[-1]:
                clauses.append([])
            continue
        clauses[-1].extend(_split(word.lower(), lexicon))
    return [clause for clause in clauses if clause]


def _clause_score(clause: list[str], lexicon: _Lexicon) -> float:
    score = 0.0
    for index, word in enumerate(clause):
        weight = lexicon.words.get(word)
        if weight is None:
            continue
        following = clause[index + 1] if index + 1 < len(clause) else None
        if word in lexicon.degrees and following in lexicon.words:
            continue  # "好" in "好烦" scales 烦; it is not praise
        factor = 1.0
        negated = False
        for before in clause[max(0, index - REACH) : index]:
            if before in lexicon.negators:
                negated = not negated
            elif before in lexicon.degrees:
                factor *= lexicon.degrees[before]
        if negated:
            weight = -weight * (NEGATED_NEGATIVE if weight < 0 else 1.0)
        score += weight * factor
    return score


def chinese_score(text: str) -> float:
    """The lexicon's score of `text`: the sum of its sentiment words' weights (a strong
    word weighs 2), each flipped by a negator and scaled by a degree adverb before it."""
    lexicon = _lexicon()
    words = _tokenizer().lcut(text)
    return sum(_clause_score(clause, lexicon) for clause in _clauses(words, lexicon))


def english_score(text: str) -> float:
    """VADER's compound score of the text's non-Chinese part, in [-1, 1]."""
    latin = _HAN.sub(" ", text)
    if not _LATIN.search(latin):
        return 0.0
    return float(_vader().polarity_scores(latin)["compound"])


def sentiment_score(text: str) -> float:
    """Positive above 0, negative below: the Chinese lexicon's score plus VADER's
    (weighted ENGLISH_WEIGHT) for the Latin words. The latest `CACHED_TEXTS` texts' scores
    are kept (the same short comments come again and again)."""
    return _score(text)


@lru_cache(maxsize=CACHED_TEXTS)
def _score(text: str) -> float:
    score = english_score(text) * ENGLISH_WEIGHT
    if _HAN.search(text) or not _LATIN.search(text):
        score += chinese_score(text)
    return score


def sentiment(text: str | None) -> Sentiment | None:
    """positive, neutral or negative; None for no text (a like, a follow)."""
    if text is None or not text.strip():
        return None
    score = sentiment_score(text)
    if score > THRESHOLD:
        return "positive"
    if score < -THRESHOLD:
        return "negative"
    return "neutral"
