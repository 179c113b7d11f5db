from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONTENT_", extra="ignore")

    service_name: ClassVar[str] = "content-svc"
    database_name: ClassVar[str] = "content"

    port: int = 8101
    # Asked when a channel id is missing from the local copy that channel.changed keeps.
    channel_svc_url: str = "http://127.0.0.1:8102"
    channel_lookup_timeout_seconds: float = Field(default=2.0, gt=0, le=30)

    @field_validator("channel_svc_url")
    @classmethod
    def _http_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("channel_svc_url must be an http(s) URL")
        return value.rstrip("/")
