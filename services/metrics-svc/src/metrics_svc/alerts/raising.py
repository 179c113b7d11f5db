"""Raising alerts: the alerts are computed whole when asked for (`service.alerts`); when
figures come in, the ones not seen before are told (`alert.raised`) once, in the batch's
transaction. An alert remembered here that no longer shows has cleared, and is forgotten,
so that it is raised again if it comes back."""

from __future__ import annotations

from event_contracts import AlertRaisedV1
from servicekit.db import utcnow
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from metrics_svc.alerts.schemas import Alert
from metrics_svc.alerts.service import alerts
from metrics_svc.events import emit
from metrics_svc.models import RaisedAlert


def alert_id(alert: Alert) -> str:
    """One alert's identity: its kind and what it is about."""
    about = (alert.channel_id, alert.post_id, alert.campaign_id)
    return ":".join([alert.kind, *(part or "" for part in about)])


async def raise_new(session: AsyncSession, workspace_id: str) -> list[Alert]:
    """Tell the workspace's new alerts; the ones raised."""
    now = {alert_id(alert): alert for alert in await alerts(session, workspace_id)}
    known = set(
        await session.scalars(
            select(RaisedAlert.alert_id).where(RaisedAlert.workspace_id == workspace_id)
        )
    )
    cleared = known - set(now)
    if cleared:
        await session.execute(
            delete(RaisedAlert).where(
                RaisedAlert.workspace_id == workspace_id, RaisedAlert.alert_id.in_(cleared)
            )
        )
    raised = [alert for key, alert in now.items() if key not in known]
    for alert in raised:
        key = alert_id(alert)
        session.add(RaisedAlert(workspace_id=workspace_id, alert_id=key, raised_at=utcnow()))
        emit(
            session,
            AlertRaisedV1(
                alert_id=key,
                workspace_id=workspace_id,
                kind=alert.kind,
                channel_id=alert.channel_id,
                channel_name=alert.channel_name,
                post_id=alert.post_id,
                title=alert.title,
                campaign_id=alert.campaign_id,
                message=alert.message,
                detected_at=alert.detected_at,
            ),
        )
    return raised
