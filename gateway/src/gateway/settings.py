"""The gateway's settings (`GATEWAY_` prefix); the shared ones come from `MEDIAOPS_`."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: ClassVar[str] = "gateway"
    database_name: ClassVar[str] = "gateway"

    port: int = 8000
    content_url: str = "http://127.0.0.1:8101"
    channel_url: str = "http://127.0.0.1:8102"
    user_url: str = "http://127.0.0.1:8103"
    metrics_url: str = "http://127.0.0.1:8104"
    # Where the Ed25519 signing keys live; `<MEDIAOPS_DATA_DIR>/keys` when unset.
    jwt_key_dir: Path | None = None
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86_400)
    upstream_timeout_seconds: float = Field(default=30.0, gt=0)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=0)

    @property
    def key_dir(self) -> Path:
        return self.jwt_key_dir or self.shared.data_dir / "keys"
