"""`mediaops seed-demo`: a living workspace a newcomer can look around in, made through the
gateway's API only.

It signs up a new workspace, confirmed with the token the gateway mailed into its mail
directory (a second run makes a second one: `demo+2@…`), invites a reviewer, serves two
Chinese feeds locally and fetches them as sources (ideas), adds a manual idea, a word list,
channels of each mode, a campaign with goals, posts in every workflow state (one that the
analysis flags), a community (members from a batch of interactions, segments, a group),
and figures: three months of account figures, and the published posts' figures since
their publication (metrics-svc refuses figures observed before a post went live, and a
post cannot be published in the past).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from mediaops_cli.client import ApiError, Client
from mediaops_cli.demo.community import seed_community
from mediaops_cli.demo.figures import seed_figures
from mediaops_cli.demo.signup import MailNotFound, sign_up
from mediaops_cli.demo.steps import (
    seed_campaign,
    seed_channels,
    seed_posts,
    seed_sources_and_ideas,
    seed_team,
    seed_wordlist,
)
from mediaops_cli.demo.summary import summarise
from mediaops_cli.demo.workspace import Demo, Progress, SeedReport
from mediaops_cli.output import Gateway, console, errors, fail


def seed(
    client: Client,
    *,
    owner_email: str,
    password: str,
    webhook_url: str,
    wechat_base_url: str | None = None,
    progress: Progress = lambda _: None,
) -> SeedReport:
    """Fill the signed-in workspace. Every step is reported; none fails silently."""
    demo = Demo(client, SeedReport(), progress, owner_email, password)
    seed_team(demo)
    seed_channels(demo, webhook_url, wechat_base_url)
    seed_wordlist(demo)
    seed_campaign(demo)
    seed_sources_and_ideas(demo)
    seed_posts(demo)
    seed_community(demo)
    seed_figures(demo)
    summarise(demo)
    return demo.report


def run_seed_demo(
    client: Client,
    *,
    email: str,
    password: str,
    workspace: str,
    webhook_url: str,
    wechat_base_url: str | None,
    mail_dir: Path,
) -> SeedReport:
    """Sign up a new demo workspace, fill it, and print what was made and how to sign in."""
    owner, name = sign_up(client, email, password, workspace, mail_dir)
    console.print(f"Workspace [bold]{name}[/bold] created; signed in as {owner} (owner).")
    report = seed(
        client,
        owner_email=owner,
        password=password,
        webhook_url=webhook_url,
        wechat_base_url=wechat_base_url,
        progress=lambda step: console.print(f"[green]✓[/green] {step}"),
    )
    for item in report.skipped:
        console.print(f"[yellow]–[/yellow] skipped: {item}")
    for item in report.failed:
        console.print(f"[red]✗[/red] {item}")
    table = Table("what", "count", "details", title=f"Demo workspace {name}", show_lines=True)
    for what, count, details in report.rows:
        table.add_row(what, count, details)
    console.print(table)
    gateway = client.credentials.gateway.rstrip("/")
    sign_in = [
        f"Gateway: {gateway}   API docs: {gateway}/docs",
        f"Owner:    mediaops login --email {owner} --password '{password}'",
    ]
    reviewer = f"{owner.partition('@')[0]}.reviewer@{owner.partition('@')[2]}"
    if any(reviewer in row[2] for row in report.rows):
        sign_in.append(f"Reviewer: mediaops login --email {reviewer} --password '{password}'")
    sign_in.append(f"You are signed in as {owner} now.")
    console.print(Panel("\n".join(sign_in), title="How to sign in"))
    for note in report.notes:
        console.print(f"[blue]note:[/blue] {note}", soft_wrap=True)
    return report


def gateway_mail_dir() -> Path:
    """Where a gateway on this machine writes its mail by default: `MEDIAOPS_DATA_DIR/mail`
    (`.data/mail` of `make run`, from the repository's root)."""
    return Path(os.environ.get("MEDIAOPS_DATA_DIR") or ".data") / "mail"


def seed_demo(
    email: Annotated[str, typer.Option(help="The owner; taken: demo+2@… and so on.")] = (
        "demo@example.com"
    ),
    password: Annotated[str, typer.Option(envvar="MEDIAOPS_DEMO_PASSWORD")] = "demo-Password-2024",
    workspace: Annotated[str, typer.Option()] = "星辰咖啡 (demo)",
    webhook_url: Annotated[str, typer.Option(help="Where the demo webhook channel posts.")] = (
        "http://127.0.0.1:9/demo-webhook"
    ),
    wechat_base_url: Annotated[
        str | None,
        typer.Option(help="A fake WeChat API to add a wechat_oa channel against (skipped if not)."),
    ] = None,
    mail_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="GATEWAY_MAIL_DIR",
            help="Where the gateway writes its mail, to read the sign-up's confirmation token "
            "from. Default: the gateway's own default, MEDIAOPS_DATA_DIR/mail (.data/mail of "
            "`make run`, from the repository's root).",
        ),
    ] = None,
    gateway: Gateway = None,
) -> None:
    """Create a new demo workspace: sources served locally and their ideas, posts in every
    state, channels of each mode, a campaign, a community and three months of figures.

    The sign-up is confirmed with the token the gateway mails: run it on the gateway's
    machine, with the gateway writing mail into a directory (the default of `make run`)."""
    with Client(gateway) as client:
        try:
            report = run_seed_demo(
                client,
                email=email,
                password=password,
                workspace=workspace,
                webhook_url=webhook_url,
                wechat_base_url=wechat_base_url,
                mail_dir=mail_dir or gateway_mail_dir(),
            )
        except ApiError as exc:
            raise fail(exc) from exc
        except MailNotFound as exc:
            errors.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            raise typer.Exit(code=1) from exc
    if report.failed:
        raise typer.Exit(code=1)
