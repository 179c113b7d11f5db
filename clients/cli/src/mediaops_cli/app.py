"""The `mediaops` commands (typer + rich): signing up and in here, the rest in their own
modules (`keys`, `operators`, `stats`, `demo`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mediaops_cli import config, keys, operators, stats
from mediaops_cli.client import ApiError, Client
from mediaops_cli.demo.command import seed_demo
from mediaops_cli.output import Gateway, call, console, fail

app = typer.Typer(
    help="Mediaops for operators: sign in, manage keys and the team, import figures.",
    no_args_is_help=True,
)
app.add_typer(keys.app, name="keys")
app.add_typer(operators.app, name="operators")
app.add_typer(stats.app, name="stats")


def _signed_out(
    gateway: str | None, path: str, body: dict[str, Any], ok: tuple[int, ...] = (200, 201, 204)
) -> Any:
    """A call made before signing in (sign-up, password reset): its answer, or exit 1."""
    return call(gateway, "POST", path, auth=False, ok=ok, json=body)


NewPassword = Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)]


@app.command()
def signup(
    workspace: Annotated[str, typer.Option(help="The new workspace's name.")],
    email: Annotated[str, typer.Option()],
    password: NewPassword,
    gateway: Gateway = None,
) -> None:
    """Ask for a workspace and its owner; a link to confirm them is mailed to the address."""
    _signed_out(
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
    created = _signed_out(gateway, "/api/v1/auth/signup/confirm", {"token": token})
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
    _signed_out(gateway, "/api/v1/auth/password/forgot", {"email": email}, ok=(202,))
    console.print(
        f"If {email} has an account, a link to choose a new password is on its way there. "
        "Open it, or run [bold]mediaops reset-password TOKEN[/bold] with the token it carries."
    )


@app.command("reset-password")
def reset_password(
    token: Annotated[str, typer.Argument(help="The token from the password mail.")],
    password: NewPassword,
    gateway: Gateway = None,
) -> None:
    """Choose a new password with the mailed token; every signed-in device is signed out."""
    _signed_out(gateway, "/api/v1/auth/password/reset", {"token": token, "password": password})
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
    with Client(gateway) as client:
        try:
            client.login(email, password)
        except ApiError as exc:
            raise fail(exc) from exc
    console.print(f"Signed in as {email}; tokens saved to {config.credentials_path()}.")


@app.command()
def logout(gateway: Gateway = None) -> None:
    """End the session on the gateway and forget the stored tokens."""
    with Client(gateway) as client:
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
    me = call(gateway, "GET", "/api/v1/auth/me")
    operator, workspace = me["operator"], me["workspace"]
    console.print(
        f"{operator['email']} ({operator['role']}) in {workspace['name']} ({workspace['id']})"
    )


# Last: the longest to run, the least often.
app.command(
    "seed-demo",
    short_help="Create a new demo workspace, full of ideas, posts, channels, members and figures.",
)(seed_demo)
