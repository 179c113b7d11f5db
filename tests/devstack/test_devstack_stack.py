"""The process supervisor, with stand-in processes instead of the real services."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from devstack import Stack, StackError, free_port, port_is_free
from devstack.stack import NAMES, PORT_ENV

STANDIN = str(Path(__file__).with_name("standin.py"))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def make_stack(
    tmp_path: Path,
    extra_args: dict[str, Sequence[str]] | None = None,
    **kwargs: object,
) -> tuple[Stack, io.StringIO]:
    ports = {name: free_port() for name in NAMES}
    commands = {
        name: [sys.executable, STANDIN, str(ports[name]), *(extra_args or {}).get(name, ())]
        for name in PORT_ENV
    }
    output = io.StringIO()
    stack = Stack(
        root=tmp_path,
        data_dir="data",
        ports=ports,
        commands=commands,
        extra_env={"MEDIAOPS_ALLOW_PRIVATE_URLS": "true"},
        output=output,
        start_timeout=15,
        stop_timeout=2,
        **kwargs,  # type: ignore[arg-type]
    )
    return stack, output


@pytest.fixture
def stack_and_output(tmp_path: Path) -> Iterator[tuple[Stack, io.StringIO]]:
    stack, output = make_stack(
        tmp_path, {"content": ["--grandchild"], "gateway": ["--ignore-term"]}
    )
    try:
        yield stack, output
    finally:
        stack.stop()


def test_start_streams_prefixed_output_and_stop_leaves_no_process(
    stack_and_output: tuple[Stack, io.StringIO], tmp_path: Path
) -> None:
    stack, output = stack_and_output
    stack.start()
    assert (tmp_path / "data").is_dir()
    for name in PORT_ENV:
        response = httpx.get(f"{stack.url(name)}/health", trust_env=False)
        assert response.status_code == 200
    text = output.getvalue()
    for name in PORT_ENV:
        assert re.search(
            rf"^{name} +\| standin up on port {stack.ports[name]} .*"
            rf"bootstrap=127\.0\.0\.1:{stack.ports['broker']} data={re.escape(str(tmp_path))}/data "
            r"private=true",
            text,
            re.MULTILINE,
        ), text
        assert re.search(rf"^{name} +\| standin: a line on stderr$", text, re.MULTILINE), text
    assert f"content  | standin up on port {stack.ports['content']}" in text
    assert f"content_url=http://127.0.0.1:{stack.ports['content']}\n" in text
    assert "\x1b[" not in text  # no color when the output is not a terminal
    grandchild = re.search(r"^content +\| grandchild pid (\d+)$", text, re.MULTILINE)
    assert grandchild, text
    pids = [*stack.pids().values(), int(grandchild.group(1))]
    assert len(pids) == len(NAMES) + 1
    assert all(pid_alive(pid) for pid in pids)
    assert stack.dead() == {}

    stack.stop()  # the gateway ignores SIGTERM: it must be killed after stop_timeout
    stack.stop()  # idempotent
    assert [pid for pid in pids if pid_alive(pid)] == []
    assert all(port_is_free("127.0.0.1", port) for port in stack.ports.values())


def test_kill_then_restart_one_process(stack_and_output: tuple[Stack, io.StringIO]) -> None:
    stack, output = stack_and_output
    stack.start()
    old_pid = stack.pids()["user"]
    stack.kill("user")
    assert not pid_alive(old_pid)
    assert stack.dead() == {}  # killed on purpose: not reported as a death
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{stack.url('user')}/health", trust_env=False)
    stack.restart("user")
    assert stack.pids()["user"] != old_pid
    assert httpx.get(f"{stack.url('user')}/health", trust_env=False).status_code == 200
    stack.restart("broker")
    assert stack.broker.running
    assert stack.dead() == {}


def test_a_taken_port_is_named_and_nothing_starts(tmp_path: Path) -> None:
    stack, _ = make_stack(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", stack.ports["channel"]))
        taken.listen()
        with pytest.raises(StackError, match=f"channel port {stack.ports['channel']}"):
            stack.start()
    assert stack.pids() == {}


def test_a_child_exiting_at_start_is_named_with_its_code_and_output(tmp_path: Path) -> None:
    stack, _ = make_stack(tmp_path, {"metrics": ["--exit-code", "2"]})
    with pytest.raises(StackError, match="metrics exited with code 2 during start") as caught:
        stack.start()
    assert "configuration is broken" in str(caught.value)
    pids = stack.pids()
    assert pids  # the broker and the other services were started...
    assert [name for name, pid in pids.items() if pid_alive(pid)] == []  # ...and stopped


def test_run_forever_stops_everything_when_a_child_dies(tmp_path: Path) -> None:
    stack, output = make_stack(tmp_path, {"channel": ["--die-after", "1.0"]})
    assert stack.run_forever(poll_interval=0.1) == 1
    assert "stack    | channel exited with code 3" in output.getvalue()
    assert [name for name, pid in stack.pids().items() if pid_alive(pid)] == []


def test_the_gateway_is_told_where_to_write_its_mail(tmp_path: Path) -> None:
    default = Stack(root=tmp_path, data_dir="data")
    chosen = Stack(root=tmp_path, data_dir="data", mail_dir="outbox")

    assert default.mail_dir == tmp_path / "data" / "mail"
    assert default.env_for("gateway")["GATEWAY_MAIL_DIR"] == str(tmp_path / "data" / "mail")
    assert chosen.env_for("gateway")["GATEWAY_MAIL_DIR"] == str(tmp_path / "outbox")


def test_unknown_process_names_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cntent"):
        Stack(root=tmp_path, ports={"cntent": 1})


@pytest.mark.timeout(40)
def test_run_forever_returns_0_on_sigterm_and_stops_everything(tmp_path: Path) -> None:
    stack, output = make_stack(tmp_path)

    def terminate_when_up() -> None:
        deadline = time.monotonic() + 20
        while "all processes are up" not in output.getvalue():
            if time.monotonic() > deadline:
                return  # run_forever then hangs until the test timeout: the test fails
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    threading.Thread(target=terminate_when_up, daemon=True).start()
    assert stack.run_forever(poll_interval=0.1) == 0
    assert signal.getsignal(signal.SIGTERM) is previous
    assert "stack    | interrupted; stopping the stack" in output.getvalue()
    assert [name for name, pid in stack.pids().items() if pid_alive(pid)] == []
