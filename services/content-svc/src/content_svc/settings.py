from __future__ import annotations

from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
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
    # The posting queue ranks free slots by metrics-svc's best times, asked here; when it
    # does not answer within the timeout, slots are taken in time order.
    metrics_svc_url: str = "http://127.0.0.1:8104"
    best_times_timeout_seconds: float = Field(default=1.0, gt=0, le=30)
    # The media library (content_svc.media): what one upload may be.
    media_image_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    media_video_max_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    media_max_pixels: int = Field(default=50_000_000, ge=1)
    media_video_max_seconds: float = Field(default=900.0, gt=0)
    # How long a file's URL (S3 presigned, or our own signed one) works.
    media_url_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    # How long the download URLs in `post.published` work: long enough for a scheduled
    # delivery's retries, at most S3's 7-day presign limit.
    media_delivery_link_seconds: int = Field(default=3 * 24 * 3600, ge=3600, le=7 * 24 * 3600)
    # Files kept on this machine when no S3 bucket is set; `<MEDIAOPS_DATA_DIR>/media` unset.
    media_dir: Path | None = None
    # Signs the local store's file URLs (the signature is the access to the file).
    media_url_secret: SecretStr = SecretStr("development-media-url-secret")
    # An S3-compatible object store (AWS S3, MinIO): the bucket set means files go there.
    media_s3_bucket: str | None = None
    media_s3_endpoint_url: str | None = None
    media_s3_region: str = "us-east-1"
    media_s3_access_key_id: str | None = None
    media_s3_secret_access_key: SecretStr | None = None
    # Where browsers reach the store, when content-svc reaches it at an internal address
    # (http://minio:9000 in compose): presigned URLs are signed for this host instead, and
    # a proxy there must hand `/<bucket>/...` to the store with the Host header unchanged.
    media_s3_public_url: str | None = None
    # A content plan's CSV import: the largest file and the most rows taken at once (the
    # file is a `/api/v1/posts` body, which the app takes up to BULK_BODY_BYTES).
    plan_import_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=BULK_BODY_BYTES)
    plan_import_max_rows: int = Field(default=2000, ge=1, le=100_000)
    # The posts' CSV export: the most posts in one file (more asks for narrower filters).
    posts_export_max_posts: int = Field(default=20_000, ge=1, le=1_000_000)

    @field_validator("channel_svc_url", "metrics_svc_url", "media_s3_public_url")
    @classmethod
    def _http_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @property
    def media_directory(self) -> Path:
        return self.media_dir or self.shared.data_dir / "media"

    def production_problems(self) -> list[str]:
        media_secret = (
            {}
            if self.media_s3_bucket
            else {"media_url_secret": "sign the links to files kept on this machine"}
        )
        return [
            *super().production_problems(),
            *self.unset_setting_problems(
                {
                    "channel_svc_url": "name channel-svc, which content-svc asks about channels",
                    **media_secret,
                    **self._media_public_url_reason(),
                }
            ),
        ]

    def _media_public_url_reason(self) -> dict[str, str]:
        """A store at a bare service name (`minio`) is no address a browser can open: its
        presigned URLs need the public one."""
        endpoint = urlsplit(self.media_s3_endpoint_url or "").hostname
        if not self.media_s3_bucket or not endpoint or "." in endpoint:
            return {}
        return {
            "media_s3_public_url": f"media links signed for {endpoint} do not open in a browser"
        }
