"""Cut a release of the event schemas (``make schemas-release``).

Copies the JSON Schema of every registered topic version into ``docs/events/released/``,
the baseline that ``tests/event_contracts/test_compatibility.py`` holds every later change
to, and removes the released schemas of topic versions no longer registered. It refuses
while the current schemas break the previous release, unless ``--accept-breaking`` (make:
``ACCEPT_BREAKING=1``) says that every consumer has moved; it lists what it accepts.
"""

import argparse
import sys
from pathlib import Path

from event_contracts.compatibility import check_release, load_schemas
from event_contracts.schemas import render, topic_schemas

RELEASED = Path(__file__).resolve().parent.parent / "docs" / "events" / "released"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--accept-breaking",
        action="store_true",
        help="release even though the current schemas break the previous release",
    )
    parser.add_argument("--to", type=Path, default=RELEASED, help="the released folder")
    args = parser.parse_args(argv)
    released: Path = args.to
    current = topic_schemas()
    breaking = check_release(load_schemas(released), current)
    for name, changes in breaking.items():
        for change in changes:
            print(f"{name}: {change}", file=sys.stderr)  # noqa: T201
    if breaking and not args.accept_breaking:
        print(  # noqa: T201
            "refused: the current schemas break the previous release (above). Give the "
            "change a new topic version, or release with ACCEPT_BREAKING=1 once every "
            "consumer has moved.",
            file=sys.stderr,
        )
        return 1
    released.mkdir(parents=True, exist_ok=True)
    for stale in released.glob("*.schema.json"):
        if stale.name not in current:
            stale.unlink()
    for name, schema in current.items():
        (released / name).write_text(render(schema), encoding="utf-8")
    print(f"released {len(current)} schemas to {released}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
