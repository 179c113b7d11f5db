from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from servicekit.db import call_after_commit
from servicekit.pagination import Paging
from servicekit.problems import problem_responses
from servicekit.runtime import DbSession
from servicekit.schemas import Page

from channel_svc.access import CALLER_PROBLEMS, WebhookManager
from channel_svc.runtime import Runtime
from channel_svc.webhook_subscriptions import service
from channel_svc.webhook_subscriptions.schemas import (
    DeliveryDetail,
    DeliveryRead,
    DeliveryStatus,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)

router = APIRouter(
    prefix="/webhook-subscriptions", tags=["webhook-subscriptions"], responses=CALLER_PROBLEMS
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(403, 422),
    summary="Subscribe a URL to event types (the answer shows the signing secret, once)",
)
async def create_webhook_subscription(
    body: SubscriptionCreate, caller: WebhookManager, session: DbSession, runtime: Runtime
) -> SubscriptionWithSecret:
    subscription, secret = await service.create_subscription(
        session,
        workspace_id=caller.workspace_id,
        data=body,
        cipher=runtime.cipher,
        allow_private=runtime.settings.shared.allow_private_urls,
    )
    return SubscriptionWithSecret.revealing(subscription, secret)


@router.get(
    "",
    responses=problem_responses(403, 422),
    summary="List webhook subscriptions, newest first",
)
async def list_webhook_subscriptions(
    caller: WebhookManager, session: DbSession, paging: Paging
) -> Page[SubscriptionRead]:
    found, next_cursor = await service.list_subscriptions(
        session, workspace_id=caller.workspace_id, paging=paging
    )
    return Page[SubscriptionRead](
        items=[SubscriptionRead.of(s) for s in found], next_cursor=next_cursor
    )


@router.get(
    "/{subscription_id}",
    responses=problem_responses(403, 404),
    summary="Get a webhook subscription",
)
async def get_webhook_subscription(
    subscription_id: str, caller: WebhookManager, session: DbSession
) -> SubscriptionRead:
    subscription = await service.get_subscription(
        session, workspace_id=caller.workspace_id, subscription_id=subscription_id
    )
    return SubscriptionRead.of(subscription)


@router.patch(
    "/{subscription_id}",
    responses=problem_responses(403, 404, 422),
    summary="Change a webhook subscription's URL or event types, or turn it off or on",
)
async def update_webhook_subscription(
    subscription_id: str,
    body: SubscriptionUpdate,
    caller: WebhookManager,
    session: DbSession,
    runtime: Runtime,
) -> SubscriptionRead:
    subscription = await service.update_subscription(
        session,
        workspace_id=caller.workspace_id,
        subscription_id=subscription_id,
        data=body,
        allow_private=runtime.settings.shared.allow_private_urls,
    )
    return SubscriptionRead.of(subscription)


@router.delete(
    "/{subscription_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(403, 404),
    summary="Delete a webhook subscription, with its delivery log",
)
async def delete_webhook_subscription(
    subscription_id: str, caller: WebhookManager, session: DbSession
) -> Response:
    await service.delete_subscription(
        session, workspace_id=caller.workspace_id, subscription_id=subscription_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{subscription_id}/secret/rotate",
    responses=problem_responses(403, 404),
    summary="Make a new signing secret (shown once; the previous one signs too for a day)",
)
async def rotate_webhook_secret(
    subscription_id: str, caller: WebhookManager, session: DbSession, runtime: Runtime
) -> SubscriptionWithSecret:
    subscription, secret = await service.rotate_secret(
        session,
        workspace_id=caller.workspace_id,
        subscription_id=subscription_id,
        cipher=runtime.cipher,
    )
    return SubscriptionWithSecret.revealing(subscription, secret)


@router.get(
    "/{subscription_id}/deliveries",
    responses=problem_responses(403, 404, 422),
    summary="The subscription's delivery log, newest first",
)
async def list_webhook_deliveries(
    *,
    subscription_id: str,
    caller: WebhookManager,
    session: DbSession,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    paging: Paging,
) -> Page[DeliveryRead]:
    found, next_cursor = await service.list_deliveries(
        session,
        workspace_id=caller.workspace_id,
        subscription_id=subscription_id,
        status=delivery_status,
        paging=paging,
    )
    return Page[DeliveryRead](items=[DeliveryRead.of(d) for d in found], next_cursor=next_cursor)


@router.get(
    "/{subscription_id}/deliveries/{delivery_id}",
    responses=problem_responses(403, 404),
    summary="A delivery with the event sent and every attempt",
)
async def get_webhook_delivery(
    subscription_id: str, delivery_id: str, caller: WebhookManager, session: DbSession
) -> DeliveryDetail:
    delivery, attempts = await service.get_delivery(
        session,
        workspace_id=caller.workspace_id,
        subscription_id=subscription_id,
        delivery_id=delivery_id,
    )
    return DeliveryDetail.with_attempts(delivery, attempts)


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(403, 404, 409),
    summary="Send a delivery again now (same webhook-id, a fresh retry schedule)",
)
async def redeliver_webhook(
    subscription_id: str,
    delivery_id: str,
    caller: WebhookManager,
    session: DbSession,
    runtime: Runtime,
) -> DeliveryRead:
    delivery = await service.redeliver(
        session,
        workspace_id=caller.workspace_id,
        subscription_id=subscription_id,
        delivery_id=delivery_id,
    )
    call_after_commit(session, runtime.webhooks.wake)
    return DeliveryRead.of(delivery)
