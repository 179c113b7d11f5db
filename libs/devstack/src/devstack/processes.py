"""Child processes the way devstack runs them: in a session of their own (so that a signal
reaches everything they started), their output merged into one line-buffered text pipe."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence


def spawn(
    argv: Sequence[str], *, env: Mapping[str, str], cwd: str | os.PathLike[str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        bufsize=1,
        start_new_session=True,
    )


def signal_group(proc: subprocess.Popen[str], sig: signal.Signals) -> None:
    """Signal the process group of `proc` (it was started in its own session)."""
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        if proc.poll() is None:
            proc.send_signal(sig)
