"""Who may do what: analysts (and every role) read, editors and owners write, owners erase.

API keys reach the community with scopes: `community:read` to read, `interactions:write`
for collectors that push interactions.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from servicekit.auth import ANY_ROLE, WRITERS, Caller, require_access
from servicekit.problems import problem_responses

Reader = Annotated[Caller, Depends(require_access(*ANY_ROLE, scope="community:read"))]
Writer = Annotated[Caller, Depends(require_access(*WRITERS))]
Collector = Annotated[Caller, Depends(require_access(*WRITERS, scope="interactions:write"))]
Owner = Annotated[Caller, Depends(require_access("owner"))]

# Every endpoint takes one of these callers, so each router declares once that a missing or
# bad credential is a 401.
CALLER_PROBLEMS = problem_responses(401)
