from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="METRICS_")

    service_name: ClassVar[str] = "metrics-svc"
    database_name: ClassVar[str] = "metrics"

    port: int = 8104
    # CSV imports: the largest upload and the most rows one import may hold.
    import_max_bytes: int = 200 * 1024 * 1024
    import_max_rows: int = 1_000_000
    # Alerts are checked after figures come in, with at least this long between one pass of
    # checks and the next (the batches stored meanwhile are checked together), and every
    # `alert_check_poll_seconds` anyway, for the marks a failed check or a restart left.
    alert_check_interval_seconds: float = Field(default=2.0, ge=0)
    alert_check_poll_seconds: float = Field(default=30.0, gt=0)
