"""Empty PostgreSQL databases for tests, made once per test process and emptied between
tests instead of created and dropped for each.

Creating a database copies a template and dropping one waits for its files to go; on the
machines CI runs on the pair cost a second or more per test, more than most tests take.
Emptying a database is dropping its `public` schema (every table, sequence and type the
test made lives there) and creating it again, after ending any connection the test left
open. A database that cannot be emptied is dropped, never handed out again.

Test databases do not wait for the disk at commit (`synchronous_commit = off`): a crash of
the server could lose their last fraction of a second, which no test survives anyway, and
their commits cost what an application's do on a battery-backed disk.
"""

from __future__ import annotations

import uuid

import asyncpg

PREFIX = "mediaops_test_"


class PostgresDatabases:
    """The databases of one test process: `take` one empty, `give_back` it after the test,
    `drop_all` at the end of the session."""

    def __init__(self, admin_dsn: str) -> None:
        self.admin_dsn = admin_dsn
        self.idle: list[str] = []
        self.made: set[str] = set()

    async def take(self) -> str:
        if self.idle:
            return self.idle.pop()
        name = f"{PREFIX}{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            await admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        finally:
            await admin.close()
        self.made.add(name)
        return name

    async def give_back(self, name: str) -> None:
        try:
            await self._empty(name)
        except Exception:
            await self._drop(name)
            return
        self.idle.append(name)

    async def drop_all(self) -> None:
        for name in sorted(self.made):
            await self._drop(name)
        self.idle.clear()

    async def _empty(self, name: str) -> None:
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
        finally:
            await admin.close()
        database = await asyncpg.connect(self.admin_dsn, database=name)
        try:
            await database.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await database.close()

    async def _drop(self, name: str) -> None:
        self.made.discard(name)
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
