"""What endpoints get from the app: the request's transaction, the settings, the keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from servicekit.db import Database
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.keys import KeyRing
from gateway.settings import Settings


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    db: Database = request.app.state.db
    async with db.transaction() as session:
        yield session


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _keys(request: Request) -> KeyRing:
    keys: KeyRing = request.app.state.keys
    return keys


# scope="function": commit before the response is sent, so a 2xx means "stored".
DbSession = Annotated[AsyncSession, Depends(_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
Keys = Annotated[KeyRing, Depends(_keys)]
