"""WeChat's callback (public, at `/callbacks/wechat/{token}`: the unguessable path and the
signature are the access) and its settings on a channel (`/api/v1/channels/{id}/callback`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession

from channel_svc.access import CALLER_PROBLEMS, Reader, Writer
from channel_svc.callbacks import service
from channel_svc.callbacks.schemas import CallbackSettingsRead, CallbackSettingsWrite, SignedQuery
from channel_svc.models import CallbackSettings
from channel_svc.runtime import FORGETS_CALLBACK_ADDRESSEES, ChannelRuntime, Runtime

router = APIRouter(prefix="/channels", tags=["callbacks"], responses=CALLER_PROBLEMS)
public_router = APIRouter(prefix="/callbacks", include_in_schema=False)

Signed = Annotated[SignedQuery, Query()]


def _read(settings: CallbackSettings, runtime: ChannelRuntime) -> CallbackSettingsRead:
    has_key = service.unsealed(settings, runtime.cipher).encoding_aes_key is not None
    return CallbackSettingsRead.of(
        settings, public_url=runtime.settings.shared.public_url, has_key=has_key
    )


@router.put(
    "/{channel_id}/callback",
    responses=problem_responses(403, 404, 422),
    dependencies=[FORGETS_CALLBACK_ADDRESSEES],
    summary="Configure a WeChat channel's message callback (the account's server configuration)",
    description="Enter the answer's `callback_url`, the same token, EncodingAESKey and mode "
    "in the WeChat console. Followers' messages then become interactions of members, and "
    "the channel's auto-replies answer them.",
)
async def configure_callback(
    channel_id: str,
    body: CallbackSettingsWrite,
    caller: Writer,
    session: DbSession,
    runtime: Runtime,
) -> CallbackSettingsRead:
    settings = await service.configure(
        session,
        workspace_id=caller.workspace_id,
        channel_id=channel_id,
        data=body,
        cipher=runtime.cipher,
    )
    return _read(settings, runtime)


@router.get(
    "/{channel_id}/callback",
    responses=problem_responses(404, 422),
    summary="A WeChat channel's message callback settings (secrets are never returned)",
)
async def get_callback(
    channel_id: str, caller: Reader, session: DbSession, runtime: Runtime
) -> CallbackSettingsRead:
    settings = await service.get_settings(
        session, workspace_id=caller.workspace_id, channel_id=channel_id
    )
    return _read(settings, runtime)


@public_router.get("/wechat/{token}", response_class=Response)
async def url_check(token: str, query: Signed, session: DbSession, runtime: Runtime) -> Response:
    echo = await service.check_url(
        session,
        token,
        query,
        cipher=runtime.cipher,
        cache=runtime.callback_addressees,
        skew=runtime.settings.callback_max_skew_seconds,
    )
    return Response(echo, media_type="text/plain")


@public_router.post("/wechat/{token}", response_class=Response)
async def push(
    token: str, query: Signed, request: Request, session: DbSession, runtime: Runtime
) -> Response:
    answer = await service.receive(
        session,
        token,
        query,
        await request.body(),
        cipher=runtime.cipher,
        cache=runtime.callback_addressees,
        confirm=runtime.worker.confirm,
        skew=runtime.settings.callback_max_skew_seconds,
    )
    return Response(answer.body, media_type=answer.media_type)
