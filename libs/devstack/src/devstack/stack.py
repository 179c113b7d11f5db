"""The process supervisor of the local stack: the broker, four services and the gateway.

Each child runs in its own process group, its output (stdout and stderr) is streamed to
ours line by line behind a fixed-width `name | ` prefix, and its readiness is known by
polling `GET /health`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TextIO

import httpx
from servicekit import apps

from devstack.broker import Broker, BrokerError
from devstack.lifecycle import Startable
from devstack.ports import free_port, port_is_free
from devstack.processes import signal_group, spawn

# The processes by their short names (servicekit.apps): the broker, the services, the
# gateway, in the order they start.
BROKER = "broker"
GATEWAY = apps.GATEWAY.key
SERVICES: tuple[str, ...] = tuple(app.key for app in apps.SERVICES)
NAMES: tuple[str, ...] = (BROKER, *SERVICES, GATEWAY)
_APPS: Mapping[str, apps.App] = {app.key: app for app in apps.APPS}

DEFAULT_PORTS: Mapping[str, int] = {BROKER: 9092, **{key: a.port for key, a in _APPS.items()}}
MODULES: Mapping[str, str] = {key: app.module for key, app in _APPS.items()}
PORT_ENV: Mapping[str, str] = {key: f"{app.prefix}PORT" for key, app in _APPS.items()}

_COLORS = ("36", "33", "35", "32", "34", "31", "96")
_OWN = "stack"


class StackError(RuntimeError):
    """The stack could not start, or one of its processes failed."""


@dataclass(frozen=True)
class ProcessSpec:
    """One HTTP process of the stack: `python -m <module>` answering on `port`."""

    name: str
    module: str
    port: int
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _Child:
    spec: ProcessSpec
    proc: subprocess.Popen[str]
    reader: threading.Thread | None = None
    tail: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=30))
    expected_exit: bool = False


class Stack(Startable):
    """Start, watch and stop the local stack.

    `mail_dir` is where the gateway writes its mail (`<data_dir>/mail` by default);
    `ports` overrides the default ports by process name (`broker`, `gateway`, `content`,
    `channel`, `user`, `metrics`); `metrics_ports` the ports of their Prometheus
    endpoints (the API port + 1000 by default; a free one for a process whose API port
    was given without one); `commands` overrides the argv of a process (tests use
    stand-ins); `extra_env` is added to every child's environment.
    """

    def __init__(
        self,
        *,
        root: str | os.PathLike[str] | None = None,
        data_dir: str | os.PathLike[str] = ".data",
        mail_dir: str | os.PathLike[str] | None = None,
        ports: Mapping[str, int] | None = None,
        metrics_ports: Mapping[str, int] | None = None,
        host: str = "127.0.0.1",
        extra_env: Mapping[str, str] | None = None,
        commands: Mapping[str, Sequence[str]] | None = None,
        start_timeout: float = 60.0,
        stop_timeout: float = 10.0,
        output: TextIO | None = None,
        color: bool | None = None,
        rust_log: str = "warn",
    ) -> None:
        unknown = set(ports or {}) | set(commands or {})
        unknown -= set(NAMES)
        if unknown:
            raise ValueError(f"unknown process names: {sorted(unknown)}; known: {list(NAMES)}")
        self.host = host
        self.root = Path(root) if root is not None else Path.cwd()
        data = Path(data_dir)
        self.data_dir = data if data.is_absolute() else self.root / data
        # The gateway writes its mail here as .eml files (unless GATEWAY_MAIL_URL sends it):
        # sign-up confirmation tokens are read from them.
        mail = Path(mail_dir) if mail_dir is not None else self.data_dir / "mail"
        self.mail_dir = mail if mail.is_absolute() else self.root / mail
        self.ports: dict[str, int] = {**DEFAULT_PORTS, **(ports or {})}
        given = metrics_ports or {}
        self.metrics_ports: dict[str, int] = {
            name: given.get(name)
            or (
                free_port(host)
                if name in (ports or {})
                else self.ports[name] + apps.METRICS_PORT_OFFSET
            )
            for name in PORT_ENV
        }
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._extra_env = dict(extra_env or {})
        self._commands = {name: list(argv) for name, argv in (commands or {}).items()}
        self._out: TextIO = output if output is not None else sys.stdout
        if color is None:
            color = _isatty(self._out) and "NO_COLOR" not in os.environ
        self._color = color
        self._width = max(len(name) for name in (*NAMES, _OWN)) + 1
        self._palette = dict(zip((*NAMES, _OWN), itertools.cycle(_COLORS), strict=False))
        self._write_lock = threading.Lock()
        self._lock = threading.RLock()
        self._children: dict[str, _Child] = {}
        self._stopping = False
        self._started = False
        self._broker_expected_exit = False
        self._died = threading.Event()
        self.broker = Broker(
            host,
            self.ports[BROKER],
            output=lambda line: self._emit(BROKER, line),
            rust_log=rust_log,
            stop_timeout=stop_timeout,
        )
        self.specs: tuple[ProcessSpec, ...] = tuple(
            self._spec(name) for name in (*SERVICES, GATEWAY)
        )

    # -- configuration ----------------------------------------------------------------------

    def _spec(self, name: str) -> ProcessSpec:
        env = {
            PORT_ENV[name]: str(self.ports[name]),
            f"{_APPS[name].prefix}METRICS_PORT": str(self.metrics_ports[name]),
        }
        if name == GATEWAY:
            for service in SERVICES:
                env[f"{apps.GATEWAY.prefix}{service.upper()}_URL"] = self.url(service)
            env["GATEWAY_MAIL_DIR"] = str(self.mail_dir)
        if name == "content":
            # content-svc asks channel-svc about channels it has not heard of yet.
            env["CONTENT_CHANNEL_SVC_URL"] = self.url("channel")
            # The posting queue asks metrics-svc for channels' best times.
            env["CONTENT_METRICS_SVC_URL"] = self.url("metrics")
        return ProcessSpec(name=name, module=MODULES[name], port=self.ports[name], env=env)

    def spec(self, name: str) -> ProcessSpec:
        for spec in self.specs:
            if spec.name == name:
                return spec
        raise KeyError(f"no process named {name!r}; known: {list(NAMES)}")

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap

    def url(self, name: str) -> str:
        """Base URL of an HTTP process (`http://127.0.0.1:<port>`)."""
        if name not in PORT_ENV:
            raise KeyError(f"no HTTP process named {name!r}; known: {list(PORT_ENV)}")
        return f"http://{self.host}:{self.ports[name]}"

    def metrics_url(self, name: str) -> str:
        """Where a process serves its Prometheus figures (`.../metrics`)."""
        self.url(name)  # the same names, the same error
        return f"http://{self.host}:{self.metrics_ports[name]}/metrics"

    def shared_env(self) -> dict[str, str]:
        """The settings every child reads (before `extra_env` and its own settings)."""
        return {
            "MEDIAOPS_KAFKA_BOOTSTRAP": self.bootstrap,
            # The embedded broker hands out no producer ids: say so, rather than have every
            # process try (`auto`) and log the broker's refusal.
            "MEDIAOPS_KAFKA_IDEMPOTENCE": "false",
            "MEDIAOPS_DATA_DIR": str(self.data_dir),
            "MEDIAOPS_JWKS_URL": f"{self.url(GATEWAY)}/.well-known/jwks.json",
            # Links built from it (media files, tracked links) reach this stack on any port.
            "MEDIAOPS_PUBLIC_URL": os.environ.get("MEDIAOPS_PUBLIC_URL", self.url(GATEWAY)),
            "PYTHONUNBUFFERED": "1",
        }

    def env_for(self, name: str) -> dict[str, str]:
        return {**os.environ, **self.shared_env(), **self._extra_env, **self.spec(name).env}

    def argv_for(self, name: str) -> list[str]:
        return self._commands.get(name) or [sys.executable, "-m", self.spec(name).module]

    # -- information ------------------------------------------------------------------------

    def pids(self) -> dict[str, int]:
        """Pids of the processes started so far (the broker included), running or not."""
        with self._lock:
            pids = {name: child.proc.pid for name, child in self._children.items()}
        if self.broker.pid is not None:
            pids[BROKER] = self.broker.pid
        return pids

    def dead(self) -> dict[str, int]:
        """Processes that exited on their own since start (not stopped or killed by us)."""
        if not self._started or self._stopping:
            return {}
        dead: dict[str, int] = {}
        with self._lock:
            for name, child in self._children.items():
                code = child.proc.poll()
                if code is not None and not child.expected_exit:
                    dead[name] = code
        code = self.broker.returncode
        if code is not None and not self._broker_expected_exit:
            dead[BROKER] = code
        return dead

    def tail(self, name: str, lines: int = 20) -> list[str]:
        """The last output lines of a process."""
        if name == BROKER:
            return self.broker.tail(lines)
        with self._lock:
            child = self._children.get(name)
        return [] if child is None else list(child.tail)[-lines:]

    # -- output -----------------------------------------------------------------------------

    def _emit(self, name: str, line: str) -> None:
        prefix = f"{name:<{self._width}} | "
        if self._color:
            prefix = f"\x1b[{self._palette.get(name, '0')}m{prefix}\x1b[0m"
        with self._write_lock, contextlib.suppress(OSError, ValueError):
            self._out.write(prefix + line + "\n")
            self._out.flush()

    def _read(self, child: _Child) -> None:
        proc = child.proc
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.rstrip("\n")
            child.tail.append(line)
            self._emit(child.spec.name, line)
        proc.stdout.close()
        code = proc.wait()
        if not self._stopping and not child.expected_exit:
            self._emit(_OWN, f"{child.spec.name} exited with code {code}")
            self._died.set()

    # -- lifecycle --------------------------------------------------------------------------

    def check_ports(self) -> None:
        """Raise StackError naming every process whose port is already taken."""
        wanted = [(f"{name} port", self.ports[name]) for name in NAMES]
        wanted += [(f"{name} metrics port", port) for name, port in self.metrics_ports.items()]
        taken = [f"{what} {port}" for what, port in wanted if not port_is_free(self.host, port)]
        if taken:
            raise StackError(
                f"already in use on {self.host}: {', '.join(taken)} "
                "(is another stack running? stop it or choose other ports)"
            )

    def start(self) -> None:
        """Check the ports, start the broker, the services, then the gateway; wait for each.

        On failure everything started is stopped and StackError is raised.
        """
        if self._started:
            raise StackError("the stack is already started")
        self.check_ports()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._stopping = False
        self._broker_expected_exit = False
        self._died.clear()
        self._started = True
        try:
            try:
                self.broker.start()
            except BrokerError as exc:
                raise StackError(str(exc)) from exc
            self._emit(_OWN, f"broker ready at {self.bootstrap}")
            services = [self.spec(name) for name in SERVICES]
            for spec in services:
                self._spawn(spec)
            self._wait_healthy(services)
            gateway = self.spec(GATEWAY)
            self._spawn(gateway)
            self._wait_healthy([gateway])
        except BaseException:
            self.stop()
            raise
        self._emit(_OWN, f"all processes are up; gateway at {self.url(GATEWAY)}")

    def _spawn(self, spec: ProcessSpec) -> _Child:
        argv = self.argv_for(spec.name)
        try:
            proc = spawn(argv, env=self.env_for(spec.name), cwd=self.root)
        except OSError as exc:
            raise StackError(f"{spec.name}: cannot run {argv[0]!r}: {exc}") from exc
        child = _Child(spec=spec, proc=proc)
        child.reader = threading.Thread(
            target=self._read, args=(child,), name=f"devstack-{spec.name}", daemon=True
        )
        with self._lock:
            self._children[spec.name] = child
        child.reader.start()
        return child

    def _wait_healthy(self, specs: Sequence[ProcessSpec]) -> None:
        deadline = time.monotonic() + self.start_timeout
        pending = {spec.name for spec in specs}
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while pending:
                for name in sorted(pending):
                    child = self._children[name]
                    code = child.proc.poll()
                    if code is not None:
                        if child.reader is not None:
                            child.reader.join(2.0)
                        raise StackError(
                            _with_tail(f"{name} exited with code {code} during start", child)
                        )
                    try:
                        response = client.get(f"{self.url(name)}/health")
                    except httpx.HTTPError:
                        continue
                    if response.status_code == 200:
                        pending.discard(name)
                        self._emit(_OWN, f"{name} ready at {self.url(name)}")
                if not pending:
                    return
                if time.monotonic() > deadline:
                    late = sorted(pending)
                    raise StackError(
                        _with_tail(
                            f"{', '.join(late)} did not answer GET /health within "
                            f"{self.start_timeout:.0f} s",
                            self._children[late[0]],
                        )
                    )
                time.sleep(0.1)

    def _stop_children(self, children: Sequence[_Child]) -> None:
        for child in children:
            if child.proc.poll() is None:
                signal_group(child.proc, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in children:
            try:
                child.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._emit(_OWN, f"{child.spec.name} ignored SIGTERM; killing it")
        for child in children:
            # SIGKILL the group even when the leader exited: it may have left children.
            signal_group(child.proc, signal.SIGKILL)
            child.proc.wait()
            if child.reader is not None:
                child.reader.join(2.0)

    def stop(self) -> None:
        """SIGTERM every process (gateway and services, then the broker), SIGKILL stragglers.

        Idempotent.
        """
        self._stopping = True
        with self._lock:
            children = list(self._children.values())
        self._stop_children(children)
        self.broker.stop()
        self._started = False

    def kill(self, name: str) -> None:
        """SIGKILL one process (for fault tests); it is not restarted nor reported dead."""
        if name == BROKER:
            self._broker_expected_exit = True
            self.broker.kill()
            return
        child = self._child(name)
        child.expected_exit = True
        signal_group(child.proc, signal.SIGKILL)
        child.proc.wait()
        if child.reader is not None:
            child.reader.join(2.0)

    def restart(self, name: str) -> None:
        """Stop one process (if it runs) and start it again; waits until it is ready.

        The broker comes back empty, with the registry's topics created again.
        """
        if name == BROKER:
            self._broker_expected_exit = True
            try:
                self.broker.restart()
            except BrokerError as exc:
                raise StackError(str(exc)) from exc
            self._broker_expected_exit = False
            return
        child = self._child(name)
        child.expected_exit = True
        self._stop_children([child])
        spec = self.spec(name)
        if not port_is_free(self.host, spec.port):
            raise StackError(f"cannot restart {name}: port {spec.port} is still in use")
        self._spawn(spec)
        self._wait_healthy([spec])

    def _child(self, name: str) -> _Child:
        child = self._child_or_none(name)
        if child is None:
            raise KeyError(f"{name!r} was not started; known: {list(NAMES)}")
        return child

    def run_forever(self, poll_interval: float = 0.5) -> int:
        """Start, then block until Ctrl-C / SIGTERM (returns 0) or a child dies (returns 1);
        everything is stopped before returning. StackError is raised when start fails."""
        previous = previous_int = None
        in_main = threading.current_thread() is threading.main_thread()
        if in_main:
            previous = signal.signal(signal.SIGTERM, _raise_interrupt)
            # Explicit, because a shell that starts us in the background ignores SIGINT.
            previous_int = signal.signal(signal.SIGINT, _raise_interrupt)
        try:
            self.start()
            while True:
                dead = self.dead()
                if dead:
                    for name, code in dead.items():
                        reason = _with_tail(
                            f"{name} exited with code {code}", self._child_or_none(name)
                        )
                        self._emit(_OWN, reason)
                    self._emit(_OWN, "stopping the stack")
                    return 1
                self._died.wait(poll_interval)
        except KeyboardInterrupt:
            self._emit(_OWN, "interrupted; stopping the stack")
            return 0
        finally:
            if in_main:
                # Ctrl-C reaches every process of the terminal's group, and wrappers may
                # forward it again: a second signal must not cut the stop short.
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
            try:
                self.stop()
            finally:
                if in_main:
                    signal.signal(signal.SIGTERM, previous)
                    signal.signal(signal.SIGINT, previous_int)

    def _child_or_none(self, name: str) -> _Child | None:
        with self._lock:
            return self._children.get(name)

    # -- async wrappers (`with` and `async with`: devstack.lifecycle) -----------------------

    async def astart(self) -> None:
        await asyncio.to_thread(self.start)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    async def arestart(self, name: str) -> None:
        await asyncio.to_thread(self.restart, name)


def _with_tail(reason: str, child: _Child | None) -> str:
    if child is None or not child.tail:
        return reason
    lines = "\n".join(f"  {line}" for line in list(child.tail)[-15:])
    return f"{reason}\nlast output of {child.spec.name}:\n{lines}"


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
