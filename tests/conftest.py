"""Fixtures every test tree shares: databases (SQLite and PostgreSQL), the broker, tokens.

Database tests take `database_url`, which runs each test twice: on a fresh SQLite file and
on a fresh PostgreSQL database. PostgreSQL comes from `MEDIAOPS_TEST_POSTGRES_URL`
(default `postgresql://postgres@127.0.0.1:5432/postgres`); when it cannot be reached those
runs are skipped with the reason, except with `CI=true`, where they fail.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from devstack.broker import Broker
from devstack.ports import free_port
from servicekit.settings import SharedSettings
from sqlalchemy.engine import make_url

from tests.postgres_databases import PostgresDatabases

POSTGRES_URL = os.environ.get(
    "MEDIAOPS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"

_postgres_problem: str | None = None
_postgres_checked = False


async def _postgres_unreachable() -> str | None:
    global _postgres_checked, _postgres_problem
    if not _postgres_checked:
        _postgres_checked = True
        try:
            conn = await asyncpg.connect(_asyncpg_dsn(POSTGRES_URL), timeout=3)
            await conn.close()
        except Exception as exc:
            _postgres_problem = f"PostgreSQL at {POSTGRES_URL} is unreachable: {exc!r}"
    return _postgres_problem


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def require_postgres() -> None:
    problem = await _postgres_unreachable()
    if problem:
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: PostgreSQL tests must run)")
        pytest.skip(problem)


_postgres_databases = PostgresDatabases(_asyncpg_dsn(POSTGRES_URL))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[str]:
    """A fresh, empty database per test: SQLite file, then an empty PostgreSQL database
    (tests.postgres_databases: made once per process, emptied between tests)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/test.db"
        return
    await require_postgres()
    name = await _postgres_databases.take()
    yield (
        make_url(POSTGRES_URL)
        .set(drivername="postgresql+asyncpg", database=name)
        .render_as_string(hide_password=False)
    )
    await _postgres_databases.give_back(name)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _postgres_databases.made:
        asyncio.run(_postgres_databases.drop_all())


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    """One embedded broker for the whole run (tests that restart it make their own)."""
    instance = Broker(port=free_port())
    instance.start()
    yield instance
    instance.stop()


class Signer:
    """Mints the tokens services accept, as the gateway's proxy does on each request
    (gateway.proxy.tokens): its audience is the services' own, never the one the gateway
    gives callers, with a key the services trust."""

    def __init__(self) -> None:
        self.kid = "test-key"
        self.private_key = Ed25519PrivateKey.generate()
        public = jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        self.jwks: dict[str, Any] = {
            "keys": [{**public, "kid": self.kid, "alg": "EdDSA", "use": "sig"}]
        }

    def token(
        self,
        *,
        workspace_id: str | None = None,
        user_id: str | None = None,
        roles: tuple[str, ...] = ("owner",),
        expires_in: timedelta = timedelta(minutes=15),
        **claims: Any,
    ) -> str:
        now = datetime.now(UTC)
        payload = {
            "sub": user_id or str(uuid.uuid4()),
            "wid": workspace_id or str(uuid.uuid4()),
            "roles": list(roles),
            "aud": "mediaops-upstream",
            "iss": "mediaops-gateway",
            "iat": now,
            "exp": now + expires_in,
            "jti": uuid.uuid4().hex,
            **claims,
        }
        return jwt.encode(payload, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})

    def headers(self, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**kwargs)}"}


@pytest.fixture(scope="session")
def signer() -> Signer:
    return Signer()


@pytest.fixture
def shared_settings(broker: Broker, signer: Signer, tmp_path: Any) -> SharedSettings:
    """Settings for an in-process service under test: the test broker, the test key."""
    return SharedSettings(
        environment="test",
        data_dir=tmp_path,
        kafka_bootstrap=broker.bootstrap,
        jwks=json.dumps(signer.jwks),
        allow_private_urls=True,
        outbox_poll_seconds=0.2,
        # Work falling due by time (retries, leases) is found at the tests' pace.
        idle_poll_max_seconds=0.2,
        consumer_retry_backoff_seconds=0.01,
    )


TokenFactory = Callable[..., str]
