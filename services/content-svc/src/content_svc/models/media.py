"""The media library, and the media a post lists."""

from __future__ import annotations

from servicekit.columns import RowId, Timestamp
from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from content_svc.models.base import Base


class MediaItem(Base):
    """An image or a video of the workspace's media library; its files are in the media
    store under `file_key` and `thumbnail_key`. One item per content per workspace."""

    __tablename__ = "media_items"
    __table_args__ = (
        UniqueConstraint("workspace_id", "sha256"),
        Index("ix_media_items_workspace_id_created_at_id", "workspace_id", "created_at", "id"),
    )

    id: Mapped[RowId]
    workspace_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))  # image, video
    format: Mapped[str] = mapped_column(String(10))  # jpeg, png, gif, webp, mp4
    content_type: Mapped[str] = mapped_column(String(50))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    sha256: Mapped[str] = mapped_column(String(64))  # of the upload: one item per content
    # Of the file as stored (None: stored before it was kept; the upload's stands in).
    file_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    file_key: Mapped[str] = mapped_column(String(300))
    thumbnail_key: Mapped[str] = mapped_column(String(300))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[Timestamp]


class PostMedia(Base):
    """A media item's place in a post's ordered list."""

    __tablename__ = "post_media"

    post_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("media_items.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[str] = mapped_column(String(36))
