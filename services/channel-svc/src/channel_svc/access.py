"""Who may do what in channel-svc: operators by role, API keys by scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from servicekit.auth import ANY_ROLE, WRITERS, Caller, require_access
from servicekit.problems import problem_responses

# Everyone in the workspace reads; internal systems need `channels:read`.
Reader = Annotated[Caller, Depends(require_access(*ANY_ROLE, scope="channels:read"))]
# Editors and owners manage channels and distributions; keys need `channels:write`.
Writer = Annotated[Caller, Depends(require_access(*WRITERS, scope="channels:write"))]
# Webhook subscriptions send any of the workspace's events outside: owners manage them, and
# internal systems whose key holds `webhooks:manage`.
WebhookManager = Annotated[Caller, Depends(require_access("owner", scope="webhooks:manage"))]

# Every endpoint takes one of these callers, so each router declares once that a missing or
# bad credential is a 401.
CALLER_PROBLEMS = problem_responses(401)
