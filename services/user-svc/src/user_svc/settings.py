from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="USER_")

    service_name: ClassVar[str] = "user-svc"
    database_name: ClassVar[str] = "users"

    port: int = 8103
