from __future__ import annotations

from typing import ClassVar

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
