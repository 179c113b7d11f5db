"""The `mediaops` commands (typer + rich)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from gateway.cli import admin, config, kafka
from gateway.cli.client import ApiError, Client

app = typer.Typer(
    help="Mediaops for operators: sign in, manage keys, import figures, watch events.",
    no_args_is_help=True,
)
keys_app = typer.Typer(help="API keys for internal systems (owners only).", no_args_is_help=True)
operators_app = typer.Typer(help="The workspace's team (owners only).", no_args_is_help=True)
stats_app = typer.Typer(help="Platform figures.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(operators_app, name="operators")
app.add_typer(stats_app, name="stats")
app.add_typer(kafka.events_app, name="events")
app.add_typer(kafka.dlq_app, name="dlq")
app.add_typer(admin.app, name="admin")

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

Gateway = Annotated[
    str | None,
    typer.Option("--gateway", envvar="MEDIAOPS_GATEWAY_URL", help="The gateway's URL."),
]
CHUNK = 64 * 1024


def _fail(exc: ApiError) -> typer.Exit:
    errors.print(f"[red]error:[/red] {exc}")
    for error in exc.errors[:20]:
        errors.print(f"  {error.get('field', '')}: {error.get('message', '')}")
    return typer.Exit(code=1)


def _client(gateway: str | None) -> Client:
    return Client(gateway)


def _post_signed_out(
    gateway: str | None, path: str, body: dict[str, Any], ok: tuple[int, ...] = (200, 201, 204)
) -> Any:
    """A call made before signing in (sign-up, password reset): its answer, or exit 1."""
    with _client(gateway) as client:
        try:
            return client.json("POST", path, auth=False, ok=ok, json=body)
        except ApiError as exc:
            raise _fail(exc) from exc


@app.command()
def signup(
    workspace: Annotated[str, typer.Option(help="The new workspace's name.")],
    email: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    gateway: Gateway = None,
) -> None:
    """Ask for a workspace and its owner; a link to confirm them is mailed to the address."""
    _post_signed_out(
        gateway,
        "/api/v1/auth/signup",
        {"workspace_name": workspace, "email": email, "password": password},
        ok=(202,),
    )
    console.print(
        f"If {email} can be used, a confirmation link is on its way there. Open it, or run "
        "[bold]mediaops confirm-signup TOKEN[/bold] with the token it carries; then sign in "
        f"with [bold]mediaops login --email {email}[/bold]."
    )


@app.command("confirm-signup")
def confirm_signup(
    token: Annotated[str, typer.Argument(help="The token from the confirmation mail.")],
    gateway: Gateway = None,
) -> None:
    """Confirm a sign-up with the mailed token: the workspace and its owner are created."""
    created = _post_signed_out(gateway, "/api/v1/auth/signup/confirm", {"token": token})
    operator = created["operator"]["email"]
    console.print(
        f"Workspace [bold]{created['workspace']['name']}[/bold] ({created['workspace']['id']}) "
        f"created with {operator} as its owner. Sign in: mediaops login --email {operator}"
    )


@app.command("forgot-password")
def forgot_password(
    email: Annotated[str, typer.Option()],
    gateway: Gateway = None,
) -> None:
    """Forgotten your password? A link to choose a new one is mailed to the address."""
    _post_signed_out(gateway, "/api/v1/auth/password/forgot", {"email": email}, ok=(202,))
    console.print(
        f"If {email} has an account, a link to choose a new password is on its way there. "
        "Open it, or run [bold]mediaops reset-password TOKEN[/bold] with the token it carries."
    )


@app.command("reset-password")
def reset_password(
    token: Annotated[str, typer.Argument(help="The token from the password mail.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    gateway: Gateway = None,
) -> None:
    """Choose a new password with the mailed token; every signed-in device is signed out."""
    _post_signed_out(gateway, "/api/v1/auth/password/reset", {"token": token, "password": password})
    console.print(
        "Your password is changed and every session ended. Sign in: mediaops login --email ..."
    )


@app.command()
def login(
    email: Annotated[str, typer.Option(prompt=True)],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    gateway: Gateway = None,
) -> None:
    """Sign in; the tokens are kept under ~/.config/mediaops/ (owner-readable only)."""
    with _client(gateway) as client:
        try:
            client.login(email, password)
        except ApiError as exc:
            raise _fail(exc) from exc
    console.print(f"Signed in as {email}; tokens saved to {config.credentials_path()}.")


@app.command()
def logout(gateway: Gateway = None) -> None:
    """End the session on the gateway and forget the stored tokens."""
    with _client(gateway) as client:
        if client.credentials.access_token:
            try:
                client.request("POST", "/api/v1/auth/logout")
            except ApiError:
                pass  # already expired or revoked: forgetting is all that is left
    config.forget()
    console.print("Signed out.")


@app.command()
def whoami(gateway: Gateway = None) -> None:
    """The signed-in operator and workspace."""
    with _client(gateway) as client:
        try:
            me = client.json("GET", "/api/v1/auth/me")
        except ApiError as exc:
            raise _fail(exc) from exc
    operator, workspace = me["operator"], me["workspace"]
    console.print(
        f"{operator['email']} ({operator['role']}) in {workspace['name']} ({workspace['id']})"
    )


# --- API keys ---------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    name: str,
    scope: Annotated[list[str], typer.Option("--scope", "-s", help="Repeat for each scope.")],
    gateway: Gateway = None,
) -> None:
    """Create an API key; the key is printed once and cannot be shown again."""
    with _client(gateway) as client:
        try:
            created = client.json("POST", "/api/v1/api-keys", json={"name": name, "scopes": scope})
        except ApiError as exc:
            raise _fail(exc) from exc
    console.print(
        f"API key [bold]{created['name']}[/bold] ({created['id']}), scopes "
        f"{', '.join(created['scopes'])}. Store it now; it is not shown again:"
    )
    console.print(created["key"], soft_wrap=True)


@keys_app.command("list")
def keys_list(gateway: Gateway = None) -> None:
    """The workspace's API keys (never the keys themselves)."""
    with _client(gateway) as client:
        try:
            listed = client.json("GET", "/api/v1/api-keys", params={"limit": 100})["items"]
        except ApiError as exc:
            raise _fail(exc) from exc
    table = Table("id", "name", "prefix", "scopes", "last used", "revoked")
    for key in listed:
        table.add_row(
            key["id"],
            key["name"],
            key["prefix"],
            ", ".join(key["scopes"]),
            key["last_used_at"] or "never",
            key["revoked_at"] or "",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: str, gateway: Gateway = None) -> None:
    """Revoke an API key; it stops working at once."""
    with _client(gateway) as client:
        try:
            client.request("DELETE", f"/api/v1/api-keys/{key_id}")
        except ApiError as exc:
            raise _fail(exc) from exc
    console.print(f"API key {key_id} revoked.")


# --- operators ---------------------------------------------------------------------------


@operators_app.command("invite")
def operators_invite(
    email: str,
    role: Annotated[str, typer.Option(help="owner, editor, reviewer or analyst")] = "editor",
    gateway: Gateway = None,
) -> None:
    """Invite an operator: they are mailed a link to accept with a password (the token is
    printed too, to hand over another way)."""
    with _client(gateway) as client:
        try:
            invited = client.json("POST", "/api/v1/operators", json={"email": email, "role": role})
        except ApiError as exc:
            raise _fail(exc) from exc
    console.print(
        f"Invited {invited['email']} as {invited['role']} until {invited['expires_at']}; "
        "a link to accept is on its way to them.",
        soft_wrap=True,
    )
    console.print(f"Invitation token (shown once): {invited['token']}", soft_wrap=True)


@operators_app.command("list")
def operators_list(gateway: Gateway = None) -> None:
    """The workspace's operators."""
    with _client(gateway) as client:
        try:
            listed = client.json("GET", "/api/v1/operators", params={"limit": 100})["items"]
        except ApiError as exc:
            raise _fail(exc) from exc
    table = Table("id", "email", "role", "name", "status")
    for op in listed:
        table.add_row(
            op["id"],
            op["email"],
            op["role"],
            op["display_name"],
            "disabled" if op["disabled"] else "active",
        )
    console.print(table)


@operators_app.command("set")
def operators_set(
    operator_id: str,
    role: Annotated[str | None, typer.Option(help="A new role.")] = None,
    disable: Annotated[bool | None, typer.Option("--disable/--enable")] = None,
    gateway: Gateway = None,
) -> None:
    """Change an operator's role, or disable (their tokens stop at once) / enable them."""
    change: dict[str, Any] = {}
    if role is not None:
        change["role"] = role
    if disable is not None:
        change["disabled"] = disable
    with _client(gateway) as client:
        try:
            op = client.json("PATCH", f"/api/v1/operators/{operator_id}", json=change)
        except ApiError as exc:
            raise _fail(exc) from exc
    console.print(f"{op['email']}: {op['role']}, {'disabled' if op['disabled'] else 'active'}.")


# --- stats -------------------------------------------------------------------------------


def _chunks(path: Path, progress: Progress, task: Any) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            progress.update(task, advance=len(chunk))
            yield chunk


@stats_app.command("import")
def stats_import(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row; store nothing.")
    ] = False,
    timezone: Annotated[str, typer.Option(help="Zone of times without an offset.")] = "UTC",
    platform: Annotated[str | None, typer.Option(help="Vocabulary of the metric names.")] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="MEDIAOPS_API_KEY", help="Use an API key (stats:write).")
    ] = None,
    gateway: Gateway = None,
) -> None:
    """Import a CSV of figures (UTF-8, with or without BOM, or GB18030) with a progress bar,
    then summarise what was stored and every rejected row."""
    params: dict[str, str] = {"timezone": timezone}
    if dry_run:
        params["dry_run"] = "true"
    if platform:
        params["platform"] = platform
    headers = {"Content-Type": "text/csv"}
    if api_key:
        headers["X-API-Key"] = api_key
    size = path.stat().st_size
    with (
        _client(gateway) as client,
        Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=errors,
            transient=False,
        ) as progress,
    ):
        task = progress.add_task(f"uploading {path.name}", total=size)
        try:
            response = client.request(
                "POST",
                "/api/v1/stats/import",
                params=params,
                headers=headers,
                content=_chunks(path, progress, task),
                auth=api_key is None,
                ok=(200, 201, 422),
            )
        except ApiError as exc:
            raise _fail(exc) from exc
    body = response.json()
    if response.status_code == 422:
        _rejected_summary(body.get("errors", []), title="Nothing was stored: rejected rows")
        raise typer.Exit(code=1)
    problems = body.get("problems", [])
    batch = body.get("batch") or {}
    outcome = (
        "dry run: nothing stored"
        if body.get("dry_run")
        else f"stored as batch {batch.get('id', '?')}"
    )
    console.print(
        f"{body.get('rows', 0)} rows read ({body.get('encoding', '?')}), "
        f"{body.get('valid_rows', 0)} valid; {outcome}."
    )
    if problems:
        _rejected_summary(
            [
                {"field": f"line.{p['line']}", "message": f"{p['field']}: {p['reason']}"}
                for p in problems
            ],
            title=f"Rejected rows ({body.get('problems_total', len(problems))})",
        )
        raise typer.Exit(code=1)


def _rejected_summary(rows: list[dict[str, Any]], *, title: str) -> None:
    table = Table("line", "problem", title=title)
    for row in rows[:200]:
        table.add_row(str(row.get("field", "")).removeprefix("line."), str(row.get("message", "")))
    console.print(table)
    if len(rows) > 200:
        console.print(f"… and {len(rows) - 200} more.")


# --- Kafka: events and dead letters -------------------------------------------------------


# --- demo ---------------------------------------------------------------------------------


@app.command(
    "seed-demo",
    short_help="Create a new demo workspace, full of ideas, posts, channels, members and figures.",
)
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
    from gateway.cli.seed import MailNotFound, run_seed_demo
    from gateway.settings import Settings

    with _client(gateway) as client:
        try:
            report = run_seed_demo(
                client,
                console,
                email=email,
                password=password,
                workspace=workspace,
                webhook_url=webhook_url,
                wechat_base_url=wechat_base_url,
                mail_dir=mail_dir or Settings().mail_directory,
            )
        except ApiError as exc:
            raise _fail(exc) from exc
        except MailNotFound as exc:
            errors.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            raise typer.Exit(code=1) from exc
    if report.failed:
        raise typer.Exit(code=1)
