"""Find listed words in a text with their exact positions (Aho-Corasick, one pass)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick


@dataclass(frozen=True)
class ScanWord:
    word: str
    category: str


@dataclass(frozen=True)
class Match:
    word: str
    category: str
    start: int  # index of the first character in the scanned text
    end: int  # index after the last character

    @property
    def length(self) -> int:
        return self.end - self.start


class WordScanner:
    """Matches are case-insensitive for Latin letters; overlapping matches are all kept,
    except that a match inside a longer match of the same category is dropped."""

    def __init__(self, words: Iterable[ScanWord]) -> None:
        self._automaton = ahocorasick.Automaton()
        count = 0
        for entry in words:
            key = entry.word.strip().lower()
            if not key:
                continue
            existing = self._automaton.get(key, None)
            if existing is None:
                self._automaton.add_word(key, (entry.word.strip(), entry.category))
                count += 1
        self.size = count
        if count:
            self._automaton.make_automaton()

    def scan(self, text: str) -> list[Match]:
        if not self.size or not text:
            return []
        found: list[Match] = []
        for end_index, (word, category) in self._automaton.iter(text.lower()):
            start = end_index - len(word) + 1
            found.append(Match(word=word, category=category, start=start, end=end_index + 1))
        found.sort(key=lambda m: (m.start, -m.length))
        kept: list[Match] = []
        for match in found:
            if any(
                k.category == match.category
                and k.start <= match.start
                and match.end <= k.end
                and k.length > match.length
                for k in kept
            ):
                continue
            kept.append(match)
        return kept
