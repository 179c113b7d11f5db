"""Request and response models of the word-lists API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator
from servicekit.schemas import RequestModel, ResponseModel

# textkit.WORD_CATEGORIES, spelled out so that the OpenAPI document lists them; a test
# keeps the two equal.
Category = Literal[
    "political",
    "vulgar",
    "advertising_law",
    "medical_claim",
    "platform_taboo",
    "competitor",
    "custom",
]
MAX_WORDS = 5000
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ListedWordCreate(RequestModel):
    word: Word
    category: Category


# A whole word list: to create one (POST), or to replace one's name and words (PUT).
class WordlistCreate(RequestModel):
    name: Name
    words: list[ListedWordCreate] = Field(max_length=MAX_WORDS)

    @field_validator("words")
    @classmethod
    def _dedupe(cls, words: list[ListedWordCreate]) -> list[ListedWordCreate]:
        seen: set[tuple[str, str]] = set()
        kept: list[ListedWordCreate] = []
        for entry in words:
            key = (entry.word.casefold(), entry.category)
            if key not in seen:
                seen.add(key)
                kept.append(entry)
        return kept


class ListedWordRead(ResponseModel):
    word: str
    category: str


class WordlistRead(ResponseModel):
    id: str
    name: str
    words: list[ListedWordRead]
    version: int
    created_at: datetime
    updated_at: datetime
