"""Settings every service shares, and the base class each service's own settings extend.

Defaults run the embedded stack (SQLite under `.data/`, the local broker on 9092) with no
configuration at all; production sets URLs through the environment.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SharedSettings(BaseSettings):
    """Settings with the `MEDIAOPS_` prefix, read by every process."""

    model_config = SettingsConfigDict(env_prefix="MEDIAOPS_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".data")
    # The one address the public reaches Mediaops at (the gateway, usually behind a TLS
    # reverse proxy): tracked links (`/l/`), feed links (`/feeds/`) and the links in mail
    # are all built from it.
    public_url: str = "http://127.0.0.1:8000"
    kafka_bootstrap: str = "127.0.0.1:9092"
    # tansu (the embedded broker) cannot do InitProducerId; Apache Kafka can.
    kafka_idempotence: bool = False
    allow_private_urls: bool = False
    jwks_url: str = "http://127.0.0.1:8000/.well-known/jwks.json"
    # A JWKS document given inline wins over jwks_url (tests, air-gapped setups).
    jwks: str | None = None
    jwt_audience: str = "mediaops"
    jwt_issuer: str = "mediaops-gateway"
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_retry_backoff_seconds: float = Field(default=0.2, ge=0)
    # How long the broker may hold a fetch open when no data is there: the floor of an
    # event's latency per hop, paid in idle polling when it is small.
    consumer_fetch_max_wait_ms: int = Field(default=5, ge=1, le=500)
    # /ready fails when the oldest undelivered event is older than this.
    ready_max_outbox_age_seconds: float = Field(default=300, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1, le=5000)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    # When the broker comes back without its log (the embedded broker keeps it in memory),
    # events sent this long before are sent again (consumers skip the ones they applied);
    # 0 turns it off.
    outbox_replay_seconds: float = Field(default=60.0, ge=0)
    # Housekeeping (servicekit.housekeeping): delivered outbox rows are kept this long for
    # investigations (undelivered ones always); applied events' ids, which make a
    # redelivery a no-op, must be kept longer than the broker keeps events (Kafka: 7 days).
    outbox_retention_days: float = Field(default=7, gt=0)
    processed_event_retention_days: float = Field(default=30, gt=0)
    housekeeping_interval_seconds: float = Field(default=3600, gt=0)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError("must be an http:// or https:// URL without a query")
        return value.rstrip("/")


class ServiceSettings(BaseSettings):
    """Base of each app's settings class; subclasses set `env_prefix` and the defaults."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: ClassVar[str] = "service"
    database_name: ClassVar[str] = "service"

    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = ""
    shared: SharedSettings = Field(default_factory=SharedSettings)

    @model_validator(mode="after")
    def _default_database(self) -> ServiceSettings:
        if not self.database_url:
            path = self.shared.data_dir / f"{self.database_name}.db"
            self.database_url = f"sqlite+aiosqlite:///{path}"
        return self
