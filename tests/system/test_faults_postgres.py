"""The services on PostgreSQL keep their promises through a PostgreSQL restart, and an
event too large to send stops nothing (see tests/system/faults/postgres.py).

Over the whole history: nothing dead-lettered (the consumers met events while their
database was away and waited), nothing lost, nothing applied twice, every distribution
final; the longest post the API takes went out, the larger ones were refused in the
request, and the 1.2 MB outbox row was parked with the posts after it delivered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from content_svc.models import BODY_MAX
from event_contracts import MAX_EVENT_BYTES

from tests.system.faults.postgres import (
    PostgresHistory,
    PostgresRig,
    postgres_rig,
    run_postgres_scenario,
)
from tests.system.test_faults import (
    SUBSCRIBED,
    test_duplicates_and_an_older_outcome_change_nothing,
    test_every_acknowledged_publication_has_one_outcome_per_channel,
    test_every_point_and_interaction_is_counted_once,
    test_no_outbox_row_is_stuck,
    test_no_platform_received_a_post_twice,
    test_nothing_answered_5xx_outside_the_faults,
)

pytestmark = [pytest.mark.system, pytest.mark.timeout(300)]

# The promises every fault test keeps, over this history (they take the `history` below).
__all__ = [
    "test_duplicates_and_an_older_outcome_change_nothing",
    "test_every_acknowledged_publication_has_one_outcome_per_channel",
    "test_every_point_and_interaction_is_counted_once",
    "test_no_outbox_row_is_stuck",
    "test_no_platform_received_a_post_twice",
    "test_nothing_answered_5xx_outside_the_faults",
]


@pytest.fixture(scope="module")
def pg_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresRig]:
    base = Path(tmp_path_factory.mktemp("faults-postgres"))
    with postgres_rig(base / "data") as running:
        yield running
        (base / "stack.log").write_text(running.rig.log.getvalue())


@pytest.fixture(scope="module")
async def history(pg_rig: PostgresRig) -> PostgresHistory:
    found = await run_postgres_scenario(pg_rig, SUBSCRIBED)
    print("\n".join(found.timeline))  # noqa: T201 - shown with a failure
    return found


def test_the_restart_happened_under_load_and_the_consumers_waited(
    history: PostgresHistory,
) -> None:
    assert [w.name for w in history.windows] == ["postgres"]
    assert history.settled, "the system did not settle:\n" + "\n".join(history.timeline)
    assert len(history.workload.publications) >= 8, history.timeline
    waited = {
        process
        for process in ("content", "channel", "metrics")
        if any(r.get("event") == "event_waits_for_outage" for r in history.rig.log.records(process))
    }
    # Every consumer met events while its database was away (the copies produced then).
    assert waited == {"content", "channel", "metrics"}, waited


def test_nothing_was_dead_lettered(history: PostgresHistory) -> None:
    dead = {
        topic: [json.loads(r.value or b"{}").get("id") for r in records]
        for topic, records in history.dead_letters.items()
        if records
    }
    assert dead == {}, dead
    counted = {k: v for k, v in history.consumed.items() if k[2] == "dead_lettered" and v}
    assert counted == {}, counted


def test_the_longest_post_went_out_and_larger_ones_were_refused(history: PostgresHistory) -> None:
    sizes = history.sizes
    assert sizes.refused == {"too_long": 422, "amplified": 413}
    delivered = [json.loads(d.body) for d in history.rig.webhook.deliveries]
    [largest] = [d for d in delivered if d["post"]["post_id"] == sizes.largest_post]
    assert len(largest["post"]["body_markdown"]) == BODY_MAX
    [item] = [i for i in history.distributions[sizes.largest_post] if i["platform"] == "webhook"]
    assert item["status"] == "succeeded"


def test_a_row_no_broker_takes_is_parked_and_the_next_post_flows(
    history: PostgresHistory,
) -> None:
    checks = {name: ready.get("checks", {}) for name, ready in history.ready.items()}
    assert checks["content"].get("outbox_failed") == 1, checks
    assert {name: c.get("outbox_failed") for name, c in checks.items() if name != "content"} == {
        "channel": 0,
        "user": 0,
        "metrics": 0,
    }
    parked = [
        r for r in history.rig.log.records("content") if r.get("event") == "outbox_event_parked"
    ]
    assert [r.get("event_id") for r in parked] == [history.sizes.parked_event_id]
    assert parked[0]["bytes"] > MAX_EVENT_BYTES
    after = history.sizes.after_parked_post
    assert [i["status"] for i in history.distributions[after]] == ["succeeded"]
    assert any(
        json.loads(d.body)["post"]["post_id"] == after for d in history.rig.webhook.deliveries
    )
