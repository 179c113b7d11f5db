"""Free local TCP ports for processes a test (or `make run`'s caller) starts.

A port handed out here is bound later, by another process. Two things could take it in
between, and both are kept away:

- an outgoing connection (to the broker, a database) picks its local port from the
  kernel's ephemeral range, so ports are chosen below that range;
- another test process (pytest's workers run side by side) asking at the same moment: each
  port is claimed by creating a marker file exclusively, so no two processes of this
  machine are given the same port within `CLAIM_SECONDS`.
"""

from __future__ import annotations

import os
import random
import socket
import tempfile
import time
from pathlib import Path

CLAIM_SECONDS = 3600
LOWEST = 10_000
CLAIMS = Path(tempfile.gettempdir()) / "mediaops-port-claims"


def _ephemeral_start() -> int:
    try:
        low = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0]
        return int(low)
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _claim(port: int) -> bool:
    """Claim `port` for this process unless another claimed it within CLAIM_SECONDS."""
    CLAIMS.mkdir(exist_ok=True)
    marker = CLAIMS / str(port)
    try:
        if time.time() - marker.stat().st_mtime > CLAIM_SECONDS:
            marker.unlink(missing_ok=True)  # an old run's claim
    except FileNotFoundError:
        pass
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on `host` now, below the ephemeral range, and claimed for
    this process (see the module's docstring)."""
    top = _ephemeral_start()
    if top <= LOWEST + 100:  # an unusual range: let the OS pick
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port: int = sock.getsockname()[1]
            return port
    for _ in range(1000):
        port = random.randrange(LOWEST, top)
        if _bindable(host, port) and _claim(port):
            return port
    raise RuntimeError(f"no free port between {LOWEST} and {top} on {host}")


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on `host:port` and we could bind it ourselves."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        if sock.connect_ex((host, port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True
