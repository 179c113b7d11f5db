"""`make bench`: run every benchmark and write docs/performance.md with the machine."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, git_revision, machine

# What the figures mean: targets, profiles, what was left (kept by hand, appended).
FINDINGS = ROOT / "bench" / "findings.md"
# In the order the report lists them; each module has `run() -> list[str]`.
# `python bench/run_all.py bench_pipeline bench_gateway` runs only those.
BENCHMARKS = [
    "bench.bench_pipeline",
    "bench.bench_consumer",
    "bench.bench_idle",
    "bench.bench_gateway",
    "bench.bench_content",
    "bench.bench_media",
    "bench.bench_channel",
    "bench.bench_replicas",
    "bench.bench_links",
    "bench.bench_user",
    "bench.bench_callbacks",
    "bench.bench_backfill",
    "bench.bench_sentiment",
    "bench.bench_metrics",
]


def main() -> None:
    sections: list[str] = []
    only = set(sys.argv[1:])
    for name in BENCHMARKS:
        if only and name.rsplit(".", 1)[-1] not in only:
            continue
        print(f"running {name} ...", flush=True)  # noqa: T201
        sections.extend(importlib.import_module(name).run())
    document = "\n".join(
        [
            "# Performance",
            "",
            "Written by `make bench`; every ratio compares two figures measured in the same run",
            "on the same machine.",
            "",
            f"- machine: {machine()}",
            f"- revision: {git_revision()}, measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            *sections,
            FINDINGS.read_text(encoding="utf-8").rstrip("\n"),
        ]
    )
    if not only:  # a partial run prints its figures but keeps the full report
        (ROOT / "docs" / "performance.md").write_text(document + "\n", encoding="utf-8")
    print(document)  # noqa: T201


if __name__ == "__main__":
    main()
