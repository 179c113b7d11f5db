"""Keyword auto-replies: the rules of a WeChat channel, and the choice of the passive reply
to a follower's message.

Which rule answers a text message: the enabled keyword rules, highest `priority` first; at
equal priority `exact` before `contains`, then the oldest first; the first that matches
(`exact`: the whole message; `contains`: anywhere in it; case and surrounding spaces
ignored). No match: the channel's `default` rule, if any. A new follower gets the
`subscribe` rule. Everything is read from this service's own tables: nothing on the way
calls the platform, so the answer is back well within WeChat's 5 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from servicekit.db import new_id, utcnow
from servicekit.problems import Conflict, Invalid, found_in_workspace
from servicekit.shapes import columns_of
from sqlalchemy.ext.asyncio import AsyncSession

from channel_svc.adapters.wechat import WechatAdapter
from channel_svc.autoreplies import repository
from channel_svc.autoreplies.schemas import AutoReplyCreate, AutoReplyUpdate
from channel_svc.channels.service import get_channel
from channel_svc.models import AutoReply, AutoReplyTrigger


def _reply_json(reply: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = reply.model_dump(mode="json", exclude_none=True)
    return dumped


async def _refuse_twin(
    session: AsyncSession, rule: AutoReply, *, trigger: str, match: str | None, keyword: str | None
) -> None:
    twin = await repository.same_rule(
        session, channel_id=rule.channel_id, trigger=trigger, match=match, keyword=keyword
    )
    if twin is not None and twin.id != rule.id:
        what = f"a {match} rule for {keyword!r}" if trigger == "keyword" else f"a {trigger} rule"
        raise Conflict(f"The channel already has {what} ({twin.id}); change that one.")


async def create_rule(
    session: AsyncSession, *, workspace_id: str, data: AutoReplyCreate
) -> AutoReply:
    channel = await get_channel(session, workspace_id=workspace_id, channel_id=data.channel_id)
    if channel.platform != WechatAdapter.platform:
        raise Invalid.field(
            "channel_id", "auto-replies answer WeChat followers: choose a wechat_oa channel"
        )
    now = utcnow()
    rule = AutoReply(
        id=new_id(),
        workspace_id=workspace_id,
        **columns_of(data, AutoReply, skip={"reply"}),  # the channel, trigger, match... as asked
        reply=_reply_json(data.reply),
        created_at=now,
        updated_at=now,
    )
    await _refuse_twin(session, rule, trigger=rule.trigger, match=rule.match, keyword=rule.keyword)
    session.add(rule)
    await session.flush()
    return rule


async def get_rule(session: AsyncSession, *, workspace_id: str, rule_id: str) -> AutoReply:
    rule = await repository.find(session, workspace_id=workspace_id, rule_id=rule_id)
    return found_in_workspace(rule, f"auto-reply {rule_id}")


async def update_rule(
    session: AsyncSession, *, workspace_id: str, rule_id: str, data: AutoReplyUpdate
) -> AutoReply:
    rule = await get_rule(session, workspace_id=workspace_id, rule_id=rule_id)
    if rule.trigger != AutoReplyTrigger.KEYWORD and (
        data.keyword is not None or data.match is not None
    ):
        field = "keyword" if data.keyword is not None else "match"
        raise Invalid.field(field, f"a {rule.trigger} rule takes no keyword or match")
    match = data.match or rule.match
    keyword = data.keyword or rule.keyword
    await _refuse_twin(session, rule, trigger=rule.trigger, match=match, keyword=keyword)
    rule.match, rule.keyword = match, keyword
    if data.priority is not None:
        rule.priority = data.priority
    if data.reply is not None:
        rule.reply = _reply_json(data.reply)
    if data.enabled is not None:
        rule.enabled = data.enabled
    rule.updated_at = utcnow()
    await session.flush()
    return rule


async def delete_rule(session: AsyncSession, *, workspace_id: str, rule_id: str) -> None:
    rule = await get_rule(session, workspace_id=workspace_id, rule_id=rule_id)
    await session.delete(rule)
    await session.flush()


list_rules = repository.page


# -- answering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rule as the callback keeps it between requests: a row's values, not the row
    (a row outlives its session only until that session rolls back)."""

    id: str
    trigger: str
    match: str | None
    keyword: str | None
    priority: int
    created_at: datetime
    reply: dict[str, Any]

    @classmethod
    def of(cls, row: AutoReply) -> Rule:
        return cls(**{field.name: getattr(row, field.name) for field in fields(cls)})


AnyRule = TypeVar("AnyRule", AutoReply, Rule)


def _order(rule: AutoReply | Rule) -> tuple[int, int, float, str]:
    return (-rule.priority, 0 if rule.match == "exact" else 1, rule.created_at.timestamp(), rule.id)


def _matches(rule: AutoReply | Rule, text: str) -> bool:
    keyword = (rule.keyword or "").strip().casefold()
    if not keyword:
        return False
    if rule.match == "exact":
        return text == keyword
    return keyword in text


def choose(
    rules: Sequence[AnyRule], *, text: str | None, subscribe: bool = False
) -> AnyRule | None:
    """The rule that answers (see the module's docstring), or None."""
    if subscribe:
        return next((r for r in rules if r.trigger == AutoReplyTrigger.SUBSCRIBE), None)
    if text is not None:
        wanted = text.strip().casefold()
        keyword_rules = sorted(
            (r for r in rules if r.trigger == AutoReplyTrigger.KEYWORD), key=_order
        )
        for rule in keyword_rules:
            if _matches(rule, wanted):
                return rule
    return next((r for r in rules if r.trigger == AutoReplyTrigger.DEFAULT), None)
