"""Whether a caller's credential is still good, asked of the database and remembered.

A signature alone does not make a token good: its operator may have been disabled, its
role changed, its session logged out, its API key revoked since it was issued. `AccessGate`
asks the database, and remembers the answer for `status_cache_seconds` (1 s by default),
so that a disabled operator is locked out at once without a query per request. Changes made
through this gateway instance forget the cached answer immediately. Concurrent requests that
find no fresh answer share one query (on SQLite every transaction takes the write lock, so a
query per waiting request queued them behind each other for seconds under load).

A token whose signature was verified is remembered (until it expires, and as long as the key
files are unchanged), so that the signature is checked once, not on every request.

API keys (`X-API-Key: mok_...` or `Authorization: Bearer mok_...`) are checked here too and
become a caller with the key's scopes and no roles. Whoever the caller, what the services
receive is not its credential but a short token the proxy mints once these checks have
passed (gateway.proxy.tokens).
"""

from __future__ import annotations

import asyncio
import hmac
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import jwt
import structlog
from servicekit.auth import Caller
from servicekit.db import Database
from servicekit.problems import Unauthorized

from gateway.apikeys import repository as api_keys
from gateway.identity import repository as identity
from gateway.kit.tokens import digest
from gateway.models import Operator
from gateway.settings import Settings

log = structlog.get_logger(__name__)
K = TypeVar("K")
V = TypeVar("V")

API_KEY_PREFIX = "mok_"
LAST_USED_EVERY_SECONDS = 60.0
REVOKED = "This access token is no longer valid (operator disabled, role changed or logged out)."
BAD_KEY = "The API key is invalid or revoked."
ORPHANED_KEY = (
    "This API key stopped working: the operator who created it is disabled. "
    "An owner can create a new key."
)


@dataclass(frozen=True)
class KeyGrant:
    """What a valid API key turns into: a caller with the key's scopes and no roles."""

    caller: Caller
    created_by: str  # the operator it works for: a key stops while they are disabled


class AccessGate:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.ttl = settings.status_cache_seconds
        self._tokens: dict[tuple[str, str, str], tuple[float, str | None]] = {}
        self._lookups: dict[tuple[str, str, str], asyncio.Future[str | None]] = {}
        self._generation = 0  # bumped by forget(): answers looked up before are not kept
        # token -> (expiry as a Unix time, caller, session id): signatures already checked.
        self._verified: dict[str, tuple[float, Caller, str | None]] = {}
        # hashed key -> (until, its grant or why it is refused)
        self._keys: dict[str, tuple[float, KeyGrant | str]] = {}
        self._last_used: dict[str, float] = {}
        self._background: set[asyncio.Task[None]] = set()

    # -- forgetting ----------------------------------------------------------------------

    def forget(self, subject: str | None = None) -> None:
        """Drop cached answers (about one operator or key id, or all)."""
        self._generation += 1
        self._lookups.clear()
        if subject is None:
            self._tokens.clear()
            self._keys.clear()
            return
        for cache_key in [k for k in self._tokens if k[0] == subject]:
            del self._tokens[cache_key]
        # A key goes with its creator; refusals name nobody, so they all go (a key whose
        # creator is enabled again must work at once).
        for hashed in [
            h
            for h, (_, g) in self._keys.items()
            if not isinstance(g, KeyGrant) or subject in (g.caller.user_id, g.created_by)
        ]:
            del self._keys[hashed]

    # -- operator tokens -----------------------------------------------------------------

    async def check(self, caller: Caller, session_id: str | None) -> None:
        """Raise 401 unless the token's operator (or key) is still as the token says."""
        role = ",".join(sorted(caller.roles))
        cache_key = (caller.user_id, session_id or "", role)
        now = time.monotonic()
        cached = self._tokens.get(cache_key)
        if cached is not None and cached[0] > now:
            problem = cached[1]
        else:
            lookup = self._lookups.get(cache_key)
            if lookup is None:
                lookup = asyncio.ensure_future(self._look_up(cache_key, caller, session_id))
                self._lookups[cache_key] = lookup
                # Its error is read even when every waiter has gone.
                lookup.add_done_callback(_read_outcome)
            # shield: one waiter cancelled (client gone) must not cancel the others' query.
            problem = await asyncio.shield(lookup)
        if problem is not None:
            raise Unauthorized(problem, headers={"WWW-Authenticate": "Bearer"})

    async def _look_up(
        self, cache_key: tuple[str, str, str], caller: Caller, session_id: str | None
    ) -> str | None:
        generation = self._generation
        try:
            problem = await self._problem(caller, session_id)
        finally:
            if generation == self._generation:
                self._lookups.pop(cache_key, None)
        if generation == self._generation:
            now = time.monotonic()
            self._tokens[cache_key] = (now + self.ttl, problem)
            if len(self._tokens) > 50_000:
                self._evict(self._tokens, now)
        return problem

    # -- verified signatures -------------------------------------------------------------

    def verified(self, token: str) -> tuple[Caller, str | None] | None:
        """The caller and session of a token whose signature was checked, if not expired."""
        known = self._verified.get(token)
        if known is None:
            return None
        if known[0] <= time.time():
            del self._verified[token]
            return None
        return known[1], known[2]

    def remember_verified(self, token: str, caller: Caller) -> str | None:
        """Remember a freshly verified token; its session id."""
        claims = jwt.decode(token, options={"verify_signature": False})
        sid = str(claims["sid"]) if claims.get("sid") else None
        if len(self._verified) >= 50_000:
            now = time.time()
            for stale in [t for t, (until, _, _) in self._verified.items() if until <= now]:
                del self._verified[stale]
            if len(self._verified) >= 50_000:
                self._verified.clear()
        self._verified[token] = (float(claims["exp"]), caller, sid)
        return sid

    def forget_signatures(self) -> None:
        """The keys changed: check every token's signature again."""
        self._verified.clear()

    async def _problem(self, caller: Caller, session_id: str | None) -> str | None:
        # Only operators hold tokens for the gateway: an API key is checked by `exchange`,
        # and the tokens minted for services carry an audience the gateway refuses.
        async with self.db.transaction() as session:
            operator = await session.get(Operator, caller.user_id)
            if (
                operator is None
                or operator.disabled
                or operator.workspace_id != caller.workspace_id
                or caller.roles != frozenset({operator.role})
            ):
                return REVOKED
            if session_id is not None and await identity.family_revoked(session, session_id):
                return REVOKED
        return None

    # -- API keys ------------------------------------------------------------------------

    async def exchange(self, key: str) -> KeyGrant:
        """The grant of a valid API key (cached for `status_cache_seconds`), or 401."""
        hashed = digest(key)
        now = time.monotonic()
        cached = self._keys.get(hashed)
        if cached is not None and cached[0] > now:
            grant = cached[1]
        else:
            generation = self._generation
            grant = await self._grant(key, hashed)
            if generation == self._generation:  # not forgotten meanwhile (creator disabled)
                self._keys[hashed] = (now + self.ttl, grant)
                if len(self._keys) > 50_000:
                    self._evict(self._keys, now)
        if isinstance(grant, str):
            raise Unauthorized(grant, headers={"WWW-Authenticate": "Bearer"})
        self._touch(grant.caller.user_id)
        return grant

    async def _grant(self, key: str, hashed: str) -> KeyGrant | str:
        """The grant of a valid key, or why it is refused.

        A key works only while the operator who created it is an active member of its
        workspace. The key is shown once, to its creator: when they are disabled (they left,
        or their account is suspected), the key must be assumed to have left with them. Any
        owner sees every key of the workspace (`created_by`) and can make a new one.
        """
        prefix = key.removeprefix(API_KEY_PREFIX).partition("_")[0]
        async with self.db.transaction() as session:
            stored = await api_keys.key_by_prefix(session, prefix)
            if stored is None or stored.revoked_at is not None:
                return BAD_KEY
            if not hmac.compare_digest(stored.key_hash, hashed):
                return BAD_KEY
            creator = await session.get(Operator, stored.created_by)
        if creator is None or creator.disabled or creator.workspace_id != stored.workspace_id:
            return ORPHANED_KEY
        caller = Caller(
            user_id=stored.id,
            workspace_id=stored.workspace_id,
            roles=frozenset(),
            scopes=frozenset(stored.scopes),
        )
        return KeyGrant(caller=caller, created_by=stored.created_by)

    def _touch(self, key_id: str) -> None:
        """Record the key's last use, at most once a minute, off the request's path."""
        now = time.monotonic()
        if now - self._last_used.get(key_id, -LAST_USED_EVERY_SECONDS) < LAST_USED_EVERY_SECONDS:
            return
        self._last_used[key_id] = now
        task = asyncio.create_task(self._write_last_used(key_id))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _write_last_used(self, key_id: str) -> None:
        try:
            async with self.db.transaction() as session:
                await api_keys.mark_used(session, key_id, datetime.now(UTC))
        except Exception as exc:  # a missed "last used" must never fail a request
            log.warning("api_key_last_used_failed", key_id=key_id, error=repr(exc))

    async def drain(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    @staticmethod
    def _evict(cache: dict[K, tuple[float, V]], now: float) -> None:
        for key in [k for k, (until, _) in cache.items() if until <= now]:
            del cache[key]


def _read_outcome(future: asyncio.Future[str | None]) -> None:
    if not future.cancelled():
        future.exception()
