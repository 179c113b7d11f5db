"""`make schemas-release` copies today's schemas into the released folder, and refuses to
while they break the previous release unless told that the break is accepted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from event_contracts.schemas import render, topic_schemas

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "release_event_schemas.py"
POST = "post.published.v1.schema.json"


def release(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--to", str(folder), *options],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_a_first_release_holds_every_topic_and_the_checked_in_one_is_current(
    tmp_path: Path,
) -> None:
    done = release(tmp_path / "released")
    assert done.returncode == 0, done.stderr
    written = {path.name: path.read_text() for path in (tmp_path / "released").iterdir()}
    assert written == {name: render(schema) for name, schema in topic_schemas().items()}


def test_a_release_that_breaks_the_previous_one_is_refused_unless_accepted(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "released"
    folder.mkdir()
    # The previous release had a field today's post.published no longer has, and a topic
    # that is gone.
    previous = topic_schemas()[POST]
    previous["properties"]["data"]["properties"]["legacy_flag"] = {"type": "boolean"}
    (folder / POST).write_text(json.dumps(previous))
    (folder / "post.retired.v1.schema.json").write_text(json.dumps(previous))

    refused = release(folder)
    assert refused.returncode == 1
    assert f"{POST}: data.legacy_flag: removed" in refused.stderr
    assert "post.retired.v1.schema.json: (message): " in refused.stderr
    assert json.loads((folder / POST).read_text()) == previous  # nothing written

    accepted = release(folder, "--accept-breaking")
    assert accepted.returncode == 0, accepted.stderr
    assert (folder / POST).read_text() == render(topic_schemas()[POST])
    assert not (folder / "post.retired.v1.schema.json").exists()
