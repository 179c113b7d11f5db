"""Text tools for operations copy in Chinese and English.

Keywords and tokens (jieba for Chinese, plain words for English), question detection,
sentence splitting, and a scanner that finds listed words with their exact positions.
"""

from textkit.questions import is_question
from textkit.scanner import Match, ScanWord, WordScanner
from textkit.starter_words import STARTER_WORDS, WORD_CATEGORIES
from textkit.tokens import keywords, sentences, tokens

__all__ = [
    "STARTER_WORDS",
    "WORD_CATEGORIES",
    "Match",
    "ScanWord",
    "WordScanner",
    "is_question",
    "keywords",
    "sentences",
    "tokens",
]
