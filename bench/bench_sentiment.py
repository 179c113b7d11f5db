"""Sentiment of interactions' text (textkit): accuracy on the labelled sample shipped with
the tests, and the cost of one text against `is_question`, the other text check that every
ingested interaction already pays (both in the same run, on the same texts).

`python bench/bench_sentiment.py` prints the section alone.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textkit import SENTIMENTS, is_question, sentiment

from bench.common import ROOT

SAMPLE = ROOT / "tests" / "textkit" / "data" / "sentiment_sample.csv"
ROUNDS = 20


def _rows() -> list[tuple[str, str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        return [(row["label"], row["text"]) for row in csv.DictReader(handle)]


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _accuracy(rows: list[tuple[str, str]]) -> float:
    return sum(sentiment(text) == label for label, text in rows) / len(rows)


def _per_text_us(check: Callable[[str], object], texts: list[str]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for text in texts:
            check(text)
        best = min(best, time.perf_counter() - started)
    return best / len(texts) * 1e6


def run() -> list[str]:
    rows = _rows()
    texts = [text for _, text in rows]
    started = time.perf_counter()
    sentiment("预热")  # loads the lexicon, jieba's dictionary and VADER's
    warm_ms = (time.perf_counter() - started) * 1000
    chinese = [row for row in rows if _is_chinese(row[1])]
    english = [row for row in rows if not _is_chinese(row[1])]
    recalls = []
    for cls in SENTIMENTS:
        of_class = [text for label, text in rows if label == cls]
        right = sum(sentiment(text) == cls for text in of_class)
        recalls.append(f"{cls} {right / len(of_class):.2f}")
    cost = _per_text_us(sentiment, texts)
    question_cost = _per_text_us(is_question, texts)
    return [
        "## Sentiment of interactions' text (textkit, in-process)",
        "",
        f"- accuracy on the labelled sample ({len(rows)} texts): {_accuracy(rows):.3f}; "
        f"Chinese ({len(chinese)}) {_accuracy(chinese):.3f}, "
        f"English ({len(english)}) {_accuracy(english):.3f}; recall {', '.join(recalls)}",
        f"- one text: {cost:.0f} µs (is_question on the same texts: {question_cost:.1f} µs, "
        f"ratio {cost / question_cost:.0f}x); first call loads the dictionaries: "
        f"{warm_ms:.0f} ms",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(run()))  # noqa: T201
