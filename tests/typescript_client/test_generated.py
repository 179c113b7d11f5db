"""The checked-in TypeScript client is what `make client` generates from the code now, and
it type-checks with the example that uses it (`tsc`, strict)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.typescript_client.tooling import CLIENT, node_tool, require_npm, typescript_client


def test_the_checked_in_client_equals_a_fresh_generation(tmp_path: Path) -> None:
    require_npm()

    typescript_client.generate(tmp_path)

    for generated in (typescript_client.DOCUMENT, typescript_client.SCHEMA):
        fresh = (tmp_path / generated).read_text(encoding="utf-8")
        checked_in = (CLIENT / generated).read_text(encoding="utf-8")
        assert fresh == checked_in, f"{generated} is stale: run `make client` and commit it"
    schema = (CLIENT / typescript_client.SCHEMA).read_text(encoding="utf-8")
    assert '"/api/v1/posts/{post_id}/publish"' in schema
    assert "PostCreate" in schema


def test_the_client_and_its_example_type_check(tmp_path: Path) -> None:
    tsc = node_tool("tsc")

    result = subprocess.run(
        [tsc, "-p", "tsconfig.json", "--noEmit"],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
