from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict
from servicekit.bodylimit import BULK_BODY_BYTES
from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTENT_")

    service_name: ClassVar[str] = "content-svc"
    database_name: ClassVar[str] = "content"

    port: int = 8101
    # Asked when a channel id is missing from the local copy that channel.changed keeps.
    channel_svc_url: str = "http://127.0.0.1:8102"
    channel_lookup_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # The scheduled-publication worker and the feed fetcher: how often they look for work.
    publish_poll_seconds: float = Field(default=5.0, gt=0, le=300)
    source_poll_seconds: float = Field(default=30.0, gt=0, le=3600)
    # Feeds: how long one fetch may take, how large a feed may be, how many run at once.
    feed_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    feed_max_bytes: int = Field(default=5_000_000, ge=10_000, le=100_000_000)
    feed_concurrency: int = Field(default=4, ge=1, le=32)
    # A failing source waits interval * 2^failures, at most this long.
    source_max_backoff_minutes: int = Field(default=24 * 60, ge=1)
    # User needs: how many distinct members must ask about one thing before it is an idea.
    user_need_min_askers: int = Field(default=3, ge=1, le=1000)
    # A content plan's CSV import: the largest file and the most rows taken at once (the
    # file is a `/api/v1/posts` body, which the app takes up to BULK_BODY_BYTES).
    plan_import_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=BULK_BODY_BYTES)
    plan_import_max_rows: int = Field(default=2000, ge=1, le=100_000)
    # The posts' CSV export: the most posts in one file (more asks for narrower filters).
    posts_export_max_posts: int = Field(default=20_000, ge=1, le=1_000_000)

    @field_validator("channel_svc_url")
    @classmethod
    def _http_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("channel_svc_url must be an http(s) URL")
        return value.rstrip("/")

    def production_problems(self) -> list[str]:
        return [
            *super().production_problems(),
            *self.unset_setting_problems(
                {"channel_svc_url": "name channel-svc, which content-svc asks about channels"}
            ),
        ]
