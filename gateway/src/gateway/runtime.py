"""What endpoints get from the app: the request's transaction, the settings, the keys, the
access gate, the rate limiter and the mailer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from servicekit.db import Database
from servicekit.runtime import SAFE_METHODS
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.access import AccessGate
from gateway.identity.keys import KeyRing, KeyStore
from gateway.mail import Mailer
from gateway.ratelimit import RateLimiter
from gateway.settings import Settings


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    db: Database = request.app.state.db
    async with db.transaction(read_only=request.method in SAFE_METHODS) as session:
        yield session


# `async def` throughout: FastAPI runs a plain `def` dependency in a worker thread, a thread
# hop per dependency per request for what is an attribute read.
async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _keys(request: Request) -> KeyRing:
    store: KeyStore = request.app.state.keystore
    return store.ring()


async def _gate(request: Request) -> AccessGate:
    gate: AccessGate = request.app.state.gate
    return gate


async def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


async def _mailer(request: Request) -> Mailer:
    mailer: Mailer = request.app.state.mailer
    return mailer


# scope="function": commit before the response is sent, so a 2xx means "stored".
DbSession = Annotated[AsyncSession, Depends(_session, scope="function")]
AppSettings = Annotated[Settings, Depends(_settings)]
Keys = Annotated[KeyRing, Depends(_keys)]
Gate = Annotated[AccessGate, Depends(_gate)]
Limiter = Annotated[RateLimiter, Depends(_limiter)]
Mail = Annotated[Mailer, Depends(_mailer)]
