"""Write the events' JSON Schemas and AsyncAPI document to docs/events/ (``make schemas``).

Schemas of topics no longer registered are removed, so the folder always matches the
registry; tests/event_contracts checks that the checked-in files are up to date.
"""

from pathlib import Path

from event_contracts.schemas import rendered_documents

EVENTS_DOCS = Path(__file__).resolve().parent.parent / "docs" / "events"


def main() -> None:
    EVENTS_DOCS.mkdir(parents=True, exist_ok=True)
    documents = rendered_documents()
    for stale in EVENTS_DOCS.glob("*.schema.json"):
        if stale.name not in documents:
            stale.unlink()
    for name, content in documents.items():
        (EVENTS_DOCS / name).write_text(content, encoding="utf-8")
    print(f"wrote {len(documents)} files to {EVENTS_DOCS}")  # noqa: T201


if __name__ == "__main__":
    main()
