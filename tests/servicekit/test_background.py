"""A worker's loop of rounds: it survives a failing round, runs again at once while work
is due, and otherwise sleeps until woken."""

from __future__ import annotations

import asyncio

import pytest
from servicekit.background import idle_wait, run_rounds, stop_task, within


async def test_a_failing_round_is_tried_again_and_a_full_one_runs_again_at_once() -> None:
    answers: list[bool | Exception] = [RuntimeError("database away"), True, True, False]
    rounds: list[int] = []
    idle = asyncio.Event()

    async def one_round() -> bool:
        rounds.append(len(rounds))
        answer = answers.pop(0) if answers else False
        if not answers:
            idle.set()
        if isinstance(answer, Exception):
            raise answer
        return answer

    # An hour between polls: every round after the first comes from the failure's short
    # pause or from "more is due", never from the poll.
    task = asyncio.create_task(run_rounds(one_round, asyncio.Event(), 3600, failed="failed"))
    await asyncio.wait_for(idle.wait(), 10)
    await asyncio.sleep(0)
    await stop_task(task)
    assert len(rounds) == 4


async def test_an_idle_loop_waits_for_a_wake_up() -> None:
    wake = asyncio.Event()
    rounds: list[int] = []
    ran = asyncio.Condition()

    async def one_round() -> bool:
        async with ran:
            rounds.append(len(rounds))
            ran.notify_all()
        return False

    task = asyncio.create_task(run_rounds(one_round, wake, 3600, failed="failed"))
    async with ran:
        await asyncio.wait_for(ran.wait_for(lambda: len(rounds) == 1), 10)
    wake.set()
    async with ran:
        await asyncio.wait_for(ran.wait_for(lambda: len(rounds) == 2), 10)
    await stop_task(task)
    assert len(rounds) == 2


async def test_a_stop_that_swallows_its_cancellation_is_left_behind() -> None:
    """As aiokafka's consumer stop does: a bounded stop returns, it does not wait for it."""
    finished = asyncio.Event()
    release = asyncio.Event()

    async def stubborn_stop() -> None:
        try:
            await release.wait()
        except asyncio.CancelledError:
            await release.wait()  # goes on as if nothing happened
        finished.set()

    await within(stubborn_stop(), 0.2, what="stubborn")
    assert not finished.is_set()
    release.set()


async def test_a_bounded_stop_raises_what_the_stop_raised() -> None:
    async def failing_stop() -> None:
        raise ConnectionError("broker gone")

    with pytest.raises(ConnectionError, match="broker gone"):
        await within(failing_stop(), 5, what="failing")


async def test_an_idle_poller_waits_longer_each_time_it_is_not_woken_up_to_a_ceiling() -> None:
    wake = asyncio.Event()
    intervals = [0.001]
    for _ in range(5):
        intervals.append(await idle_wait(wake, intervals[-1], 0.001, 0.01))
    assert intervals == [0.001, 0.002, 0.004, 0.008, 0.01, 0.01]


async def test_a_wake_up_brings_an_idle_poller_back_to_its_short_interval() -> None:
    wake = asyncio.Event()
    wake.set()
    assert await idle_wait(wake, 8.0, 1.0, 10.0) == 1.0


async def test_a_stop_that_comes_with_a_wake_up_stops_an_idle_loop() -> None:
    """A commit wakes the outbox relay just as the service stops: the stop must win (with
    `asyncio.wait_for` on Python 3.11 the wake-up swallowed it and the stop hung)."""
    wake = asyncio.Event()
    waiting = asyncio.create_task(idle_wait(wake, 3600, 1.0, 3600))
    await asyncio.sleep(0)  # now waiting for the wake-up
    wake.set()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_a_task_that_swallows_a_cancellation_is_stopped_all_the_same() -> None:
    rounds: list[int] = []

    async def loop_that_swallows_once() -> None:
        swallowed = False
        while True:
            rounds.append(len(rounds))
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed = True  # as a library that catches it and carries on

    task = asyncio.create_task(loop_that_swallows_once())
    await asyncio.sleep(0.05)
    async with asyncio.timeout(10):
        await stop_task(task)
    assert task.cancelled()
