"""The kit's tiny service schema on a fresh database (both kinds, as `database_url` gives)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from servicekit.db import Database

from tests.servicekit.kit_models import Base


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()
