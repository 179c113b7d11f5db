"""Text tools for operations copy in Chinese and English.

Keywords and tokens (jieba for Chinese, plain words for English), question detection,
sentence splitting, a scanner that finds listed words with their exact positions, and the
sentiment of followers' comments and messages (positive, neutral, negative).
"""

from textkit.questions import is_question
from textkit.scanner import Match, ScanWord, WordScanner
from textkit.sentiment import SENTIMENTS, Sentiment, sentiment, sentiment_score
from textkit.starter_words import STARTER_WORDS, WORD_CATEGORIES
from textkit.tokens import keywords, sentences, tokens

__all__ = [
    "SENTIMENTS",
    "STARTER_WORDS",
    "WORD_CATEGORIES",
    "Match",
    "ScanWord",
    "Sentiment",
    "WordScanner",
    "is_question",
    "keywords",
    "sentences",
    "sentiment",
    "sentiment_score",
    "tokens",
    "warm_up",
]


def warm_up() -> None:
    """Load the dictionaries now (about a second of CPU) rather than when the first
    follower's message or post arrives: services call it as their app is built."""
    keywords("预热词典：新品上市")
    sentiment("很好")
