"""Telling an outage from a fault of the work itself.

A consumer that dead-letters an event because PostgreSQL was restarting has lost that
event for its service (only an operator replaying the DLQ brings it back), and nothing was
wrong with the event. `is_unavailable` names the errors that say "what this work needs is
away for now" (the database or the network), so that callers wait and try again rather
than give up on the work.
"""

from __future__ import annotations

import asyncpg.exceptions as pg
from sqlalchemy import exc as sa

# The connection broke or could not be made, the server is shutting down or starting up,
# it has no connection slot left, or the transaction lost a serialization race or a
# deadlock: each passes without anyone changing the work.
_ASYNCPG_OUTAGES: tuple[type[BaseException], ...] = (
    pg.PostgresConnectionError,  # class 08, ConnectionDoesNotExistError among them
    pg.CannotConnectNowError,  # 57P03: starting up, shutting down, in recovery
    pg.AdminShutdownError,  # 57P01: terminated by a fast or immediate shutdown
    pg.CrashShutdownError,  # 57P02
    pg.InsufficientResourcesError,  # class 53: too many connections, disk full
    pg.SerializationError,  # 40001
    pg.DeadlockDetectedError,  # 40P01
)

_SQLALCHEMY_OUTAGES: tuple[type[BaseException], ...] = (
    # OperationalError: the DBAPI's "not the statement's fault" (SQLite's "database is
    # locked", a connection refused); InterfaceError: the connection object is unusable.
    sa.OperationalError,
    sa.InterfaceError,
    sa.DisconnectionError,
    sa.TimeoutError,  # no pooled connection came free in time
)

_OTHER_OUTAGES: tuple[type[BaseException], ...] = (
    # Refused, reset, unreachable, name resolution (socket.gaierror), timeouts.
    OSError,
    TimeoutError,
)


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and what it wraps: SQLAlchemy's `.orig` and explicit causes (`raise ... from`).

    Not the implicit context: an error raised while handling an outage is an error of its
    own (a handler that turns a refused connection into a logic error means it)."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        orig = getattr(current, "orig", None)
        pending += [orig if isinstance(orig, BaseException) else None, current.__cause__]
    return seen


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the database or the network is away, not that the work is
    wrong: the same work is expected to succeed once it is back."""
    for error in _chain(exc):
        if isinstance(error, _ASYNCPG_OUTAGES + _SQLALCHEMY_OUTAGES + _OTHER_OUTAGES):
            return True
        if isinstance(error, sa.DBAPIError) and error.connection_invalidated:
            return True
    return False
