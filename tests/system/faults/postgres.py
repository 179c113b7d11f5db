"""The services on PostgreSQL, restarted under load; and events too large to send.

The four services keep their data in a private PostgreSQL cluster (the gateway keeps its
SQLite file, so that signing in works throughout). While the workload runs:

- sizes: the longest post the API takes is published; a 200,000-character post (1.2 MB
  as an event, as the old limit allowed) and a post whose HTML would make its event too
  large are refused; a 1.2 MB outbox row, as the old code wrote, is put in content-svc's
  outbox; the next post is published after it;
- PostgreSQL is stopped (`pg_ctl stop -m fast`: every session ends, as in a restart for
  an upgrade), copies of events the services applied are put on the topics, so that every
  consumer meets events while its database is away, and PostgreSQL starts again.

Then the system settles and the history is checked.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx
from content_svc.models import BODY_MAX
from event_contracts import CloudEvent, PostPublishedV1
from event_contracts.registry import TOPICS, dlq_topic

from tests.system.compose_stack import PrivatePostgres
from tests.system.faults.kafka import Record, read_topic
from tests.system.faults.scenario import (
    Api,
    Duplicates,
    History,
    duplicate_and_reorder,
    settle,
    start_workload,
)
from tests.system.faults.stack import FaultRig, fault_rig
from tests.system.faults.workload import Window

# Longer than every retry the old consumer made (three attempts within a second) and than
# a delivery lease (2 s in the fault settings): each of them meets the outage.
DOWN_SECONDS = 8.0
DATABASES = {"CONTENT": "content", "CHANNEL": "channel", "USER": "users", "METRICS": "metrics"}
TOO_LONG = 200_000  # characters: the old limit, 1.2 MB as an event
# Markdown far smaller than its HTML: 300 reference links to one 1,900-character URL.
AMPLIFIED = f"[r]: https://example.com/{'a' * 1900}\n\n" + " ".join("[看][r]" for _ in range(300))


def database_url(postgres: PrivatePostgres, database: str) -> str:
    """An app's database in the cluster, as its role (made by deploy/postgres/init.sh)."""
    return f"postgresql://mediaops:{postgres.password}@127.0.0.1:{postgres.port}/{database}"


@dataclass
class PostgresRig:
    rig: FaultRig
    postgres: PrivatePostgres


@contextmanager
def postgres_rig(data_dir: Path) -> Iterator[PostgresRig]:
    postgres = PrivatePostgres(secrets.token_urlsafe(24))
    postgres.start()
    try:
        env = {
            f"{prefix}_DATABASE_URL": database_url(postgres, name)
            for prefix, name in DATABASES.items()
        }
        with fault_rig(data_dir, env) as rig:
            yield PostgresRig(rig, postgres)
    finally:
        postgres.stop()


@dataclass
class Sizes:
    """What happened to the large posts and the row no broker takes."""

    largest_post: str = ""
    refused: dict[str, int] = field(default_factory=dict)  # what -> HTTP status
    parked_event_id: str = ""
    after_parked_post: str = ""


@dataclass
class PostgresHistory(History):
    sizes: Sizes = field(default_factory=Sizes)
    dead_letters: dict[str, list[Record]] = field(default_factory=dict)  # every DLQ


async def too_large_row(pg: PostgresRig, workspace_id: str, channel_id: str) -> str:
    """A 1.2 MB post.published put straight into content-svc's outbox (as a post of the old
    200,000-character limit made it): no producer sends it. Returns its event id."""
    post_id = str(uuid.uuid4())
    body = "长" * TOO_LONG
    event = CloudEvent.create(
        "post.published",
        "/content-svc",
        post_id,
        workspace_id,
        PostPublishedV1(
            post_id=post_id,
            workspace_id=workspace_id,
            version=1,
            title="旧规则下的超长稿件",
            body_markdown=body,
            body_html=f"<p>{body}</p>",
            tags=[],
            keywords=[],
            channel_ids=[channel_id],
            author_id=str(uuid.uuid4()),
            published_at=datetime.now(UTC),
        ),
    )
    connection = await asyncpg.connect(database_url(pg.postgres, "content"))
    try:
        await connection.execute(
            "INSERT INTO outbox_messages (event_id, topic, key, value, created_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            event.id,
            event.type,
            post_id.encode(),
            event.to_bytes(),
            datetime.now(UTC),
        )
    finally:
        await connection.close()
    return event.id


async def publish(api: Api, history: History, title: str, body: str, channels: list[str]) -> str:
    post = await api.create("/api/v1/posts", {"title": title, "body_markdown": body})
    answer = await api.call(
        "POST", f"/api/v1/posts/{post['id']}/publish", json={"channel_ids": channels}
    )
    assert answer.status_code == 200, answer.text
    history.workload.publications[str(post["id"])] = channels
    return str(post["id"])


async def sizes(api: Api, pg: PostgresRig, history: PostgresHistory) -> None:
    channels = history.channels
    found = history.sizes
    found.largest_post = await publish(
        api, history, "最长的稿件", "长" * BODY_MAX, [channels.webhook, channels.feed]
    )
    for what, body in (("too_long", "长" * TOO_LONG), ("amplified", AMPLIFIED)):
        answer = await api.call(
            "POST", "/api/v1/posts", json={"title": "发不出去的稿件", "body_markdown": body}
        )
        found.refused[what] = answer.status_code
    found.parked_event_id = await too_large_row(pg, history.workspace_id, channels.webhook)
    found.after_parked_post = await publish(
        api, history, "超长事件之后的稿件", "照常送达。", [channels.webhook]
    )


async def run_postgres_scenario(
    pg: PostgresRig, subscribed: dict[str, set[str]]
) -> PostgresHistory:
    rig = pg.rig
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=rig.stack.url("gateway"), timeout=20) as client:
        api = Api(client)
        workspace_id, channels, workload = await start_workload(api, rig)
        history = PostgresHistory(rig, workload, workspace_id, channels, [], Duplicates())

        def note(text: str) -> None:
            history.timeline.append(f"{time.monotonic() - started:6.1f}s {text}")

        running = asyncio.create_task(workload.run())
        await asyncio.sleep(3)
        note("the largest post, two refused ones, a 1.2 MB outbox row, the next post")
        await sizes(api, pg, history)
        await asyncio.sleep(3)

        window = Window("postgres", time.monotonic())
        history.windows.append(window)
        note("postgres stopping (fast: every session ends)")
        await asyncio.to_thread(pg.postgres.stop_server, "fast")
        note("copies of applied events produced while postgres is down")
        await duplicate_and_reorder(history)
        await asyncio.sleep(DOWN_SECONDS)
        await asyncio.to_thread(pg.postgres.start_server)
        window.end = time.monotonic()
        note("postgres back")
        await asyncio.sleep(4)

        note("workload stopping")
        workload.stop.set()
        await asyncio.wait_for(running, 90)
        note("settling")
        await settle(api, history, subscribed, timeout=90)
        note(f"settled={history.settled}")
        bootstrap = rig.stack.bootstrap
        for topic in TOPICS:
            history.dead_letters[topic.name] = await read_topic(bootstrap, dlq_topic(topic.name))
    return history
