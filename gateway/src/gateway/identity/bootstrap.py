"""The bootstrap owner: the first workspace and its owner, made from the gateway's settings
(`GATEWAY_BOOTSTRAP_OWNER_*`) when it starts.

It only ever creates. Every start asks whether the address has an account; once it has,
nothing happens, whatever the settings now say (the password is never reset from them).
Replicas starting at once race to create it: the database's unique address lets one win,
and the others' transactions roll back, their workspace with them, and they start as usual.
"""

from __future__ import annotations

import structlog
from servicekit.db import Database
from servicekit.problems import ProblemError

from gateway.identity import service
from gateway.settings import Settings

log = structlog.get_logger(__name__)


class BootstrapRefused(RuntimeError):
    """The settings name an owner that sign-up's rules refuse: the gateway must not start
    as if all were well, with nobody able to sign in."""


async def bootstrap_owner(db: Database, settings: Settings) -> bool:
    """Create the bootstrap owner if the settings name one and it does not exist yet;
    whether this call created it."""
    email, password = settings.bootstrap_owner_email, settings.bootstrap_owner_password
    if email is None or password is None or settings.bootstrap_workspace_name is None:
        return False
    try:
        async with db.transaction() as session:
            workspace, operator = await service.create_owner(
                session,
                email=email,
                password=password.get_secret_value(),
                workspace_name=settings.bootstrap_workspace_name,
            )
    except service.AddressTaken:
        return False  # an earlier start, or another replica this very moment
    except ProblemError as exc:  # its detail names the rule, never the value
        raise BootstrapRefused(f"GATEWAY_BOOTSTRAP_OWNER_*: {exc.detail}") from None
    log.info(
        "bootstrap_owner_created",
        email=operator.email,
        workspace_id=workspace.id,
        operator_id=operator.id,
    )
    return True
