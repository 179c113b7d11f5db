"""An idle consumer polls the broker slowly; a busy one quickly."""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer
from devstack.broker import Broker
from servicekit.fetch_wait import FetchWait


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_wait_stays_short_while_events_flow_and_for_the_first_idle_seconds() -> None:
    clock = _Clock()
    wait = FetchWait(5, 200, idle_after=2.0, clock=clock)
    for _ in range(50):
        clock.now += 0.1
        assert wait.after_fetch(got_records=True) == 5
    clock.now += 1.9
    assert wait.after_fetch(got_records=False) == 5


def test_an_idle_consumer_backs_off_to_the_ceiling_and_an_event_brings_it_back() -> None:
    clock = _Clock()
    wait = FetchWait(5, 200, idle_after=2.0, clock=clock)
    clock.now += 2.0
    waits = [wait.after_fetch(got_records=False) for _ in range(8)]
    assert waits == [10, 20, 40, 80, 160, 200, 200, 200]
    assert wait.after_fetch(got_records=True) == 5


def test_a_ceiling_below_the_busy_wait_leaves_the_busy_wait() -> None:
    clock = _Clock()
    wait = FetchWait(50, 10, clock=clock)
    clock.now += 10
    assert wait.after_fetch(got_records=False) == 50


def test_an_idle_consumer_polls_as_rarely_as_it_fetches_and_never_below_200_ms() -> None:
    clock = _Clock()
    wait = FetchWait(5, 1000, idle_after=2.0, clock=clock)
    assert wait.poll_ms() == 200
    clock.now += 2.0
    for _ in range(10):
        wait.after_fetch(got_records=False)
    assert wait.poll_ms() == 1000
    wait.after_fetch(got_records=True)
    assert wait.poll_ms() == 200


async def test_the_wait_reaches_the_fetch_requests_of_a_real_consumer(broker: Broker) -> None:
    """aiokafka has no public setter: this fails if the private fields move. Its fetcher
    routine wakes as rarely as it fetches once idle."""
    consumer = AIOKafkaConsumer("kit-fetch-wait", bootstrap_servers=broker.bootstrap)
    await consumer.start()
    try:
        clock = _Clock()
        wait = FetchWait(5, 1000, idle_after=2.0, clock=clock)
        clock.now += 3
        wait.apply(consumer, got_records=False)
        assert consumer._fetcher._fetch_max_wait_ms == 10
        assert consumer._fetcher._fetcher_timeout == 0.2
        for _ in range(10):
            wait.apply(consumer, got_records=False)
        assert consumer._fetcher._fetch_max_wait_ms == 1000
        assert consumer._fetcher._fetcher_timeout == 1.0
        wait.apply(consumer, got_records=True)
        assert consumer._fetcher._fetch_max_wait_ms == 5
        assert consumer._fetcher._fetcher_timeout == 0.2
    finally:
        await consumer.stop()
