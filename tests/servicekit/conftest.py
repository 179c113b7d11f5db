"""The kit's tiny service schema on a fresh database (both kinds, as `database_url` gives)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from devstack.broker import Broker
from devstack.ports import free_port
from servicekit.db import Database

from tests.servicekit.kit_models import Base


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
async def own_broker() -> AsyncIterator[Broker]:
    """A broker of this test's own, so that restarting it disturbs nobody else."""
    broker = Broker(port=free_port())
    await broker.astart()
    yield broker
    await broker.astop()
