"""`event-contracts` builds as a wheel an internal team installs on its own: into a fresh
virtual environment, with pydantic as its only dependency, it validates our events."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run by the fresh environment's Python, away from the checkout.
SUBSCRIBER = """
import importlib.metadata, pathlib, sys
import event_contracts
from event_contracts import TOPICS, CloudEvent, InvalidEvent, StatsIngestedV1, get_topic

assert pathlib.Path(event_contracts.__file__).is_relative_to(sys.prefix), event_contracts.__file__
for topic in TOPICS:
    topic.payload_model.model_validate(topic.example)
stats = StatsIngestedV1.model_validate(get_topic("stats.ingested").example)
event = CloudEvent.create(
    "stats.ingested", "/metrics-svc", stats.batch_id, stats.workspace_id, stats
)
assert CloudEvent.from_bytes(event.to_bytes()).payload() == stats
try:
    CloudEvent.from_bytes(event.to_bytes().replace(b'"batch_id"', b'"batch"')).payload()
except InvalidEvent as exc:
    print("refused:", exc)
installed = sorted(
    d.metadata["Name"].lower().replace("_", "-") for d in importlib.metadata.distributions()
)
print("installed:", " ".join(installed))
"""


def uv() -> str:
    found = ROOT / ".tools" / "bin" / "uv"
    return str(found) if found.exists() else shutil.which("uv") or "uv"


def run(*command: str | Path, cwd: Path) -> str:
    # Nothing of this checkout's environment may leak into the fresh one.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**env, "UV_PYTHON_DOWNLOADS": "never"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_installs_alone_and_validates_events(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # --offline: the build backend comes from what `make install` fetched.
    run(uv(), "build", "--offline", "--package", "event-contracts", "--wheel", "-o", dist, cwd=ROOT)
    [wheel] = dist.glob("event_contracts-*-py3-none-any.whl")

    venv = tmp_path / "subscriber"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    # pydantic from the package index, as a team installing the wheel gets it: uv's cache
    # holds it after `make install` but not always the index page an offline install
    # needs to resolve it (a fresh checkout failed here).
    run(uv(), "pip", "install", "--python", python, wheel, cwd=tmp_path)
    output = run(python, "-I", "-c", SUBSCRIBER, cwd=tmp_path)

    assert "refused: invalid stats.ingested payload: batch_id: Field required" in output
    installed = set(output.split("installed:")[1].split())
    assert "event-contracts" in installed
    assert "pydantic" in installed
    # Nothing of the services came along: pydantic and what pydantic needs.
    assert installed <= {
        "event-contracts",
        "pydantic",
        "pydantic-core",
        "annotated-types",
        "typing-extensions",
        "typing-inspection",
    }, installed
