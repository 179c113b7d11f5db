"""`make bench`: run every benchmark and write docs/performance.md with the machine."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import bench_pipeline
from bench.common import ROOT, git_revision, machine

BENCHMARKS = [bench_pipeline]


def main() -> None:
    sections: list[str] = []
    for module in BENCHMARKS:
        print(f"running {module.__name__} ...", flush=True)  # noqa: T201
        sections.extend(module.run())
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
        ]
    )
    (ROOT / "docs" / "performance.md").write_text(document + "\n", encoding="utf-8")
    print(document)  # noqa: T201


if __name__ == "__main__":
    main()
