"""Who may do what in content-svc: operators by role, API keys by scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from servicekit.auth import ANY_ROLE, WRITERS, Caller, require_access
from servicekit.problems import problem_responses

# Everyone in the workspace reads; internal systems need `content:read`.
Reader = Annotated[Caller, Depends(require_access(*ANY_ROLE, scope="content:read"))]
# Editors and owners write; internal systems need `content:write`.
Writer = Annotated[Caller, Depends(require_access(*WRITERS, scope="content:write"))]
# Approving is for reviewers and owners only, never for a key.
Reviewer = Annotated[Caller, Depends(require_access("owner", "reviewer"))]
Owner = Annotated[Caller, Depends(require_access("owner"))]
# The word lists say what may not be published: the people who write and those who review
# decide them (owners, editors and reviewers), never a key.
WordlistEditor = Annotated[Caller, Depends(require_access("owner", "editor", "reviewer"))]

# Every endpoint takes one of these callers, so each router declares once that a missing or
# bad credential is a 401.
CALLER_PROBLEMS = problem_responses(401)
