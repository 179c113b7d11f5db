"""`/api/v1/notifications`: the workspace's group robots (owners) and each operator's mail."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from gateway.access import Owner, SignedIn
from gateway.notifications import service
from gateway.notifications.schemas import (
    PreferencesRead,
    PreferencesUpdate,
    RobotCreate,
    RobotRead,
    RobotUpdate,
)
from gateway.runtime import Runtime

router = APIRouter(prefix="/notifications", tags=["notifications"])


@router.post(
    "/robots",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 422),
    summary="Add a group robot (Feishu, DingTalk, WeCom) that posts the workspace's notices",
    description=(
        "The webhook URL must be a public https address; it and the signing secret are "
        "stored encrypted and never shown again (`webhook_host` and `signed` are)."
    ),
)
async def add_robot(
    body: RobotCreate, caller: Owner, session: DbSession, runtime: Runtime
) -> RobotRead:
    robot = await service.create_robot(
        session,
        caller,
        body,
        box=runtime.notification_box,
        allow_private=runtime.settings.shared.allow_private_urls,
    )
    return service.robot_read(robot)


@router.get("/robots", responses=problem_responses(401, 403), summary="List the workspace's robots")
async def list_robots(caller: Owner, session: DbSession) -> Page[RobotRead]:
    found = await service.list_robots(session, caller)
    return Page[RobotRead](items=[service.robot_read(robot) for robot in found], next_cursor=None)


@router.patch(
    "/robots/{robot_id}",
    responses=problem_responses(401, 403, 404, 422),
    summary="Rename a robot or change the notices it posts",
)
async def change_robot(
    robot_id: str, body: RobotUpdate, caller: Owner, session: DbSession
) -> RobotRead:
    return service.robot_read(await service.update_robot(session, caller, robot_id, body))


@router.delete(
    "/robots/{robot_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404),
    summary="Remove a robot (its unsent notices go with it)",
)
async def remove_robot(robot_id: str, caller: Owner, session: DbSession) -> Response:
    await service.delete_robot(session, caller, robot_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/preferences",
    responses=problem_responses(401, 403),
    summary="Your mail: which notices you get, one by one or as a digest",
)
async def my_preferences(caller: SignedIn, session: DbSession) -> PreferencesRead:
    return await service.preferences(session, caller)


@router.patch(
    "/preferences",
    responses=problem_responses(401, 403, 422),
    summary="Turn your mail on or off per kind of notice, or choose a digest",
)
async def change_my_preferences(
    body: PreferencesUpdate, caller: SignedIn, session: DbSession
) -> PreferencesRead:
    return await service.change_preferences(session, caller, body)
