"""Where `POST /api/v1/stats` spends its time: the ingestion of `bench_metrics` (8 batches
of 10,000 points, PostgreSQL, in process) under cProfile, with every SQL statement counted
and timed by kind (its verb and first table), those sent through SQLAlchemy and those sent
to the asyncpg connection directly (COPY, the rollups' array upserts).

    .venv/bin/python -m bench.profile_ingestion [cumulative-lines, 0: no cProfile]

Prints the statements' table, then the profile's top functions by cumulative time (the
whole profile is left in the temporary directory's `ingestion.prof`).
"""

from __future__ import annotations

import asyncio
import cProfile
import importlib
import pstats
import re
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import event

from bench.bench_metrics import BATCHES, ingestion, service

TIMES: dict[str, list[float]] = defaultdict(list)
ACTIVE = [False]  # counting only inside the API's requests
_WORDS = re.compile(r"\b(?:FROM|INTO|UPDATE|TABLE)\s+\"?(\w+)", re.IGNORECASE)


def kind(sql: str) -> str:
    """'SELECT series', 'INSERT rollup_hourly', ...: the verb and the first table named."""
    text = " ".join(sql.split())
    verb = text.split(" ", 1)[0].upper()
    if verb == "WITH":
        verb = "WITH"
    table = _WORDS.search(text)
    return f"{verb} {table.group(1) if table else '?'}"


def _wrap(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """An asyncpg connection method, timed under its statement's kind."""

    async def timed(self: Any, first: Any, *args: Any, **kwargs: Any) -> Any:
        label = f"COPY {first}" if method.__name__.startswith("copy") else kind(str(first))
        began = time.perf_counter()
        try:
            return await method(self, first, *args, **kwargs)
        finally:
            if ACTIVE[0]:
                TIMES[label + " (asyncpg)"].append(time.perf_counter() - began)

    return timed


PHASES: dict[str, list[float]] = defaultdict(list)
# The request's steps, timed by wall clock: (module, function).
STEPS = (
    ("metrics_svc.ingestion.service", "resolve"),
    ("metrics_svc.ingestion.batches", "store"),
    ("metrics_svc.ingestion.batches", "post_totals"),
)


def _phase(module: Any, name: str) -> None:
    function = getattr(module, name)

    async def timed(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return await function(*args, **kwargs)
        finally:
            PHASES[name].append(time.perf_counter() - began)

    setattr(module, name, timed)


def instrument(engine: Any) -> None:
    for module, name in STEPS:
        _phase(importlib.import_module(module), name)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        conn.info.setdefault("began", []).append(time.perf_counter())

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        began = conn.info["began"].pop()
        if ACTIVE[0]:
            TIMES[kind(statement)].append(time.perf_counter() - began)

    # The rollup writer talks to asyncpg directly; SQLAlchemy's own calls go through
    # prepared statements, which these do not wrap, so nothing is counted twice.
    for name in ("execute", "copy_records_to_table"):
        setattr(asyncpg.Connection, name, _wrap(getattr(asyncpg.Connection, name)))


async def main(lines: int) -> None:
    async with service("profile_ingestion", lambda runtime: instrument(runtime.db.engine)) as (
        runtime,
        client,
        keys,
        dsn,
    ):
        profile = cProfile.Profile()
        post = client.post

        async def profiled(*args: Any, **kwargs: Any) -> httpx.Response:
            if args and args[0] == "/api/v1/stats":
                ACTIVE[0] = True
                if lines:
                    profile.enable()
                began = time.perf_counter()
                try:
                    return await post(*args, **kwargs)
                finally:
                    PHASES["request"].append(time.perf_counter() - began)
                    profile.disable()
                    ACTIVE[0] = False
            return await post(*args, **kwargs)

        client.post = profiled  # type: ignore[method-assign]
        figures = await ingestion(runtime, client, keys, dsn)
    print("\n".join(figures))  # noqa: T201
    print(f"SQL per batch (of {BATCHES}), by kind, slowest first:")  # noqa: T201
    rows = sorted(TIMES.items(), key=lambda item: -sum(item[1]))
    for label, times in rows:
        print(  # noqa: T201
            f"  {label:<48} {len(times) / BATCHES:8.1f} stmts {sum(times) / BATCHES * 1000:8.1f} ms"
        )
    total = sum(sum(t) for t in TIMES.values())
    count = sum(len(t) for t in TIMES.values())
    print(f"  {'all':<48} {count / BATCHES:8.1f} stmts {total / BATCHES * 1000:8.1f} ms")  # noqa: T201
    print("Steps per batch (wall clock):")  # noqa: T201
    for label, times in PHASES.items():
        print(f"  {label:<48} {sum(times) / BATCHES * 1000:8.1f} ms")  # noqa: T201
    if not lines:
        return
    path = Path(tempfile.gettempdir()) / "ingestion.prof"
    profile.dump_stats(path)  # for pstats or snakeviz
    print(f"whole profile: {path}")  # noqa: T201
    stats = pstats.Stats(profile)
    stats.sort_stats("cumulative").print_stats(lines)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 60))
