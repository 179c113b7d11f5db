"""Who may call what in metrics-svc: operators by role, API keys by scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from servicekit.auth import ANY_ROLE, WRITERS, Caller, require_access
from servicekit.problems import problem_responses

# Everyone in the workspace reads reports and alerts; internal systems need `stats:read`.
Reader = Annotated[Caller, Depends(require_access(*ANY_ROLE, scope="stats:read"))]
# Editors and owners send figures; internal systems need `stats:write`.
Writer = Annotated[Caller, Depends(require_access(*WRITERS, scope="stats:write"))]
# The brand's shop or site reports conversions with a key of its own scope, which does not
# let it send platform figures (nor a `stats:write` key report conversions).
ConversionWriter = Annotated[Caller, Depends(require_access(*WRITERS, scope="conversions:write"))]

# Every endpoint takes one of these callers, so each router declares once that a missing or
# bad credential is a 401.
CALLER_PROBLEMS = problem_responses(401)
