"""Interactions in (one, or a batch from a collector) and out, and the list's filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from event_contracts import InteractionKind as Kind
from fastapi import Query
from pydantic import AwareDatetime, Field
from servicekit.schemas import RequestModel, ResponseModel

from user_svc.members.schemas import Platform
from user_svc.models import InteractionKind, InteractionSentiment

MAX_BATCH = 1000
MAX_TEXT = 5000

# The kinds `interaction.received` carries are the ones stored.
assert set(Kind.__args__) == {k.value for k in InteractionKind}  # type: ignore[attr-defined]
Sentiment = Literal["positive", "neutral", "negative"]
assert set(Sentiment.__args__) == {s.value for s in InteractionSentiment}  # type: ignore[attr-defined]


class Author(RequestModel):
    """The member's identity on the interaction's platform."""

    external_id: str = Field(
        min_length=1, max_length=200, description="The platform's user id (openid, uid ...)"
    )
    handle: str | None = Field(default=None, max_length=200, examples=["小鱼爱读书"])
    display_name: str | None = Field(
        default=None, max_length=200, description="Used when the member is new"
    )


class InteractionCreate(RequestModel):
    platform: Platform
    kind: Kind
    author: Author
    external_id: str = Field(
        min_length=1,
        max_length=200,
        description="The platform's id of this interaction; a second push of it is a no-op",
    )
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    post_id: str | None = Field(
        default=None, max_length=64, description="Our post id, when the post is ours"
    )
    channel_id: str | None = Field(
        default=None,
        max_length=36,
        description="The channel it came through (answering it from the inbox needs it)",
    )
    platform_status_id: str | None = Field(
        default=None,
        max_length=64,
        description="Weibo comments: the id of the status commented on (a reply needs it)",
    )
    occurred_at: AwareDatetime | None = Field(
        default=None, description="When it happened on the platform (default: now)"
    )


class InteractionBatch(RequestModel):
    items: list[InteractionCreate] = Field(min_length=1, max_length=MAX_BATCH)


class InteractionRead(ResponseModel):
    id: str
    member_id: str
    platform: str
    kind: str
    external_id: str
    text: str | None
    post_id: str | None
    channel_id: str | None
    is_question: bool
    sentiment: Sentiment | None = Field(
        description="Of the text (textkit: Chinese lexicon, VADER for English); null: no text"
    )
    occurred_at: datetime
    created_at: datetime


@dataclass
class InteractionFilter:
    """What a list of interactions is narrowed to (None: any): the list's query parameters."""

    member_id: Annotated[str | None, Query(max_length=64)] = None
    kind: Kind | None = None
    platform: Platform | None = None
    post_id: Annotated[str | None, Query(max_length=64)] = None
    question: bool | None = None
    sentiment: Sentiment | None = None


class BatchItemResult(ResponseModel):
    index: int
    interaction_id: str
    member_id: str
    status: Literal["stored", "duplicate"]


class BatchResult(ResponseModel):
    received: int
    stored: int
    duplicates: int
    members_created: int
    items: list[BatchItemResult]
