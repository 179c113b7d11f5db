"""Assembles user-svc: the runtime (database, outbox, consumers) and the routers."""

from __future__ import annotations

import textkit
from fastapi import FastAPI
from servicekit.bodylimit import BULK_BODY_BYTES
from servicekit.db import Database
from servicekit.runtime import build_app

from user_svc.communities.router import router as communities_router
from user_svc.inbox.router import router as inbox_router
from user_svc.interactions.router import router as interactions_router
from user_svc.members.router import router as members_router
from user_svc.runtime import UserRuntime
from user_svc.segments.router import router as segments_router
from user_svc.settings import Settings


def create_runtime(
    settings: Settings | None = None, database: Database | None = None
) -> UserRuntime:
    return UserRuntime(settings or Settings(), database=database)


def create_app(runtime: UserRuntime | None = None) -> FastAPI:
    textkit.warm_up()  # before the first follower's message, not on it
    return build_app(
        runtime or create_runtime(),
        [members_router, interactions_router, inbox_router, segments_router, communities_router],
        title="Mediaops user-svc",
        # A batch holds up to 1,000 interactions of 5,000 characters each.
        body_allowances={"/api/v1/interactions": BULK_BODY_BYTES},
        description="The community: members, interactions, inbox, segments and groups.",
    )
