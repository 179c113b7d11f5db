"""What production refuses to start on, and what it must not refuse."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict
from servicekit.settings import ServiceSettings, SharedSettings

URL = "postgresql+asyncpg://mediaops:{password}@db.example.internal:5432/kit"


class KitSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KIT_")

    service_name: ClassVar[str] = "kit-svc"


def problems(database_url: str, public_url: str = "https://mediaops.example.com") -> list[str]:
    shared = SharedSettings(
        environment="production",
        public_url=public_url,
        kafka_bootstrap="kafka-1.example.internal:9093",
        jwks_url="http://gateway:8000/.well-known/jwks.json",
    )
    return KitSettings(database_url=database_url, shared=shared).production_problems()


@pytest.fixture(autouse=True)
def no_password_elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.delenv("PGPASSFILE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.pgpass


def test_a_strong_password_in_the_url_passes() -> None:
    assert problems(URL.format(password="Zr4-long-and-random")) == []


@pytest.mark.parametrize("password", ["mediaops", "postgres", "password", "changeme"])
def test_a_well_known_password_is_refused(password: str) -> None:
    assert problems(URL.format(password=password)) == [
        "KIT_DATABASE_URL uses a well-known password: set a strong one"
    ]


def test_no_password_is_refused_unless_given_another_way(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bare = "postgresql+asyncpg://mediaops@db.example.internal:5432/kit"
    assert "has no password" in problems(bare)[0]
    monkeypatch.setenv("PGPASSWORD", "from-the-environment")
    assert problems(bare) == []
    monkeypatch.delenv("PGPASSWORD")
    (tmp_path / ".pgpass").write_text("db.example.internal:5432:kit:mediaops:secret\n")
    assert problems(bare) == []
    (tmp_path / ".pgpass").unlink()
    assert problems(bare + "?sslcert=/etc/mediaops/client.crt") == []


def test_sqlite_is_refused() -> None:
    assert "is not set: production keeps its data in PostgreSQL" in problems("sqlite:///x.db")[0]


@pytest.mark.parametrize(
    "public_url",
    ["http://127.0.0.1:8000", "http://localhost", "http://[::1]:8000", "http://gateway:8000"],
)
def test_a_public_url_nobody_outside_can_open_is_refused(public_url: str) -> None:
    [problem] = problems(URL.format(password="Zr4-long-and-random"), public_url)
    assert problem.startswith(f"MEDIAOPS_PUBLIC_URL is {public_url}")


@pytest.mark.parametrize("public_url", ["http://10.20.0.5", "https://mediaops.corp.example"])
def test_an_intranet_address_is_a_public_url_for_its_users(public_url: str) -> None:
    assert problems(URL.format(password="Zr4-long-and-random"), public_url) == []
