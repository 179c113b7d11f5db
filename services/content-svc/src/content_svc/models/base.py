"""The declarative base of content-svc's tables, the states they store and the sizes they allow."""

from __future__ import annotations

from enum import StrEnum

from servicekit.db import new_metadata
from sqlalchemy.orm import DeclarativeBase

TITLE_MAX = 200
# Characters of a post's Markdown. Above every platform's limit that matters (WeChat
# 20,000; the long-form platforms 50,000) and small enough that the post, with its HTML,
# always fits one post.published event (see posts.snapshot): 50,000 characters of Chinese
# make about 300 KiB, of the 512 KiB an event may have.
BODY_MAX = 50_000
SUMMARY_MAX = 500
URL_MAX = 2000
# The workspace time zone until an owner picks another (most operators work on Beijing time).
DEFAULT_TIME_ZONE = "Asia/Shanghai"


class Base(DeclarativeBase):
    metadata = new_metadata()


# Stored as plain strings (no database enum) so that states can be added without a type
# migration.
class PostStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    # Published, then deleted or banned by the platform (WeChat status 5 or 6).
    TAKEN_DOWN = "taken_down"
