"""`mediaops stats import`: a CSV uploaded to the stand-in metrics-svc, with a summary of
what was stored and every rejected row."""

from __future__ import annotations

from pathlib import Path

from tests.gateway.platform_harness import Platform
from tests.mediaops_cli.cli_harness import mediaops, signed_up


async def test_stats_import_summarises_stored_and_rejected_rows(
    platform: Platform, config_dir: Path, tmp_path: Path
) -> None:
    await signed_up(platform)
    good = tmp_path / "good.csv"
    good.write_text(
        "post_id,metric,value,observed_at\n"
        + "".join(f"p{i},reads,{i},2026-01-01T00:00:00Z\n" for i in range(2000)),
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "post_id,metric,value,observed_at\np1,reads,12,2026-01-01\np2,reads,many,2026-01-01\n"
        "p3,likes,-,2026-01-01\n",
        encoding="utf-8",
    )

    stored = await mediaops(platform, "stats", "import", str(good))
    dry = await mediaops(platform, "stats", "import", str(bad), "--dry-run")
    refused = await mediaops(platform, "stats", "import", str(bad))

    assert stored.exit_code == 0, stored.output
    assert "2000 rows read (utf-8), 2000 valid; stored as batch batch-1." in stored.output
    assert "uploading good.csv" in stored.output  # the progress bar
    assert dry.exit_code == 1
    assert "dry run: nothing stored" in dry.output
    assert "Rejected rows (2)" in dry.output
    assert "must be a number" in dry.output
    assert refused.exit_code == 1
    assert "Nothing was stored: rejected rows" in refused.output
    lines = [line.split("│")[1].strip() for line in refused.output.splitlines() if "value:" in line]
    assert lines == ["3", "4"]


async def test_stats_import_with_an_api_key(
    platform: Platform, config_dir: Path, tmp_path: Path
) -> None:
    await signed_up(platform)
    created = await mediaops(platform, "keys", "create", "importer", "-s", "stats:write")
    key = next(line for line in created.output.splitlines() if line.startswith("mok_"))
    data = tmp_path / "one.csv"
    data.write_text("post_id,metric,value,observed_at\np1,reads,3,2026-01-01\n")
    await mediaops(platform, "logout")

    imported = await mediaops(platform, "stats", "import", str(data), "--api-key", key)

    assert imported.exit_code == 0, imported.output
    assert "1 rows read" in imported.output
