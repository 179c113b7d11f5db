"""`mediaops-admin events` and `mediaops-admin dlq`: the platform's Kafka topics, read with
the same MEDIAOPS_KAFKA_* settings (SASL, TLS) as the services, from the gateway's image or
a checkout."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:  # imported where used: the other commands start faster without them
    from servicekit.settings import SharedSettings

events_app = typer.Typer(help="The platform's events.", no_args_is_help=True)
dlq_app = typer.Typer(
    help="The dead-letter topics: what consumers could not apply, and sending it again.",
    no_args_is_help=True,
)

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

Bootstrap = Annotated[
    str | None,
    typer.Option(
        "--bootstrap",
        help="Kafka's address, instead of MEDIAOPS_KAFKA_BOOTSTRAP. Every other "
        "MEDIAOPS_KAFKA_* setting (SASL, TLS) is read from the environment.",
    ),
]


def _kafka_settings(bootstrap: str | None) -> SharedSettings:
    """The shared settings from the environment, so that a secured cluster's SASL and TLS
    apply here as in the services; `--bootstrap` overrides the address."""
    from pydantic import ValidationError
    from servicekit.settings import SharedSettings

    try:
        return SharedSettings(kafka_bootstrap=bootstrap) if bootstrap else SharedSettings()
    except ValidationError as exc:
        for error in exc.errors():
            errors.print(f"[red]error:[/red] {error['msg']}", soft_wrap=True, markup=False)
        raise typer.Exit(code=2) from exc


def _registry_topic(topic: str | None) -> str | None:
    from event_contracts.registry import TOPICS

    names = [t.name for t in TOPICS]
    if topic is not None and topic not in names:
        raise typer.BadParameter(f"not a registry topic; one of: {', '.join(names)}")
    return topic


@events_app.command("tail")
def events_tail(
    topic: Annotated[list[str], typer.Argument(help="One or more topics, e.g. post.published")],
    bootstrap: Bootstrap = None,
    from_beginning: Annotated[bool, typer.Option("--from-beginning")] = False,
    workspace: Annotated[str | None, typer.Option(help="Only this workspace's events.")] = None,
    raw: Annotated[
        bool, typer.Option("--json", help="Print the whole CloudEvent as JSON.")
    ] = False,
    limit: Annotated[int | None, typer.Option(help="Stop after this many events.")] = None,
    idle_seconds: Annotated[
        float | None, typer.Option(help="Stop after this long without events.")
    ] = None,
) -> None:
    """Follow topics and print each event as one readable line (Ctrl-C to stop)."""
    from gateway.admin.tail import tail

    settings = _kafka_settings(bootstrap)
    try:
        asyncio.run(
            tail(
                topic,
                settings,
                emit=lambda line: console.print(line, soft_wrap=True, markup=False),
                from_beginning=from_beginning,
                workspace=workspace,
                raw=raw,
                limit=limit,
                idle_timeout_ms=int(idle_seconds * 1000) if idle_seconds else None,
            )
        )
    except KeyboardInterrupt:
        pass


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[
        str | None,
        typer.Option(callback=_registry_topic, help="One topic's DLQ, e.g. post.published."),
    ] = None,
    bootstrap: Bootstrap = None,
) -> None:
    """Every dead-lettered message, with its error, consumer group and attempts."""
    from event_contracts.registry import TOPICS

    from gateway.admin.dlq import list_dead

    settings = _kafka_settings(bootstrap)
    dead = asyncio.run(list_dead(settings, [topic] if topic else [t.name for t in TOPICS]))
    for letter in dead:
        console.print(letter.describe(), soft_wrap=True, markup=False)
    console.print(f"{len(dead)} dead-lettered message(s)")


@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[
        str,
        typer.Option(callback=_registry_topic, help="The original topic, e.g. post.published."),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be sent; send nothing.")
    ] = False,
    bootstrap: Bootstrap = None,
) -> None:
    """Send each message of the topic's DLQ back to the topic, once; fix the cause first.
    Consumers skip the events they applied, so replaying is safe."""
    from event_contracts.registry import dlq_topic

    from gateway.admin.dlq import replay

    settings = _kafka_settings(bootstrap)
    count = asyncio.run(replay(settings, topic, dry_run=dry_run))
    verb = "would replay" if dry_run else "replayed"
    console.print(f"{verb} {count} message(s) from {dlq_topic(topic)} to {topic}")
