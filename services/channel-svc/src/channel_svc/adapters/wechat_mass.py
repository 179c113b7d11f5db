"""The `wechat_oa` mass send (群发): a post sent to the account's followers, all of them or
those of one tag, instead of (only) published (`freepublish` notifies nobody).

The draft is made as for publishing (`WechatAdapter.draft`); then `message/mass/sendall`
sends it, with an id of ours as `clientmsgid` (stored with the marker before the call; a
retry of a failed send makes a new one). WeChat refuses the same
`clientmsgid` within 24 hours (45065) and names the earlier send in its answer, so an
attempt that resumes after a crash between the request and storing its answer
(`submit_started_at` set, no `mass_msg_id`) asks again and is told it was sent: never a
second mass send. The send's result arrives as `MASSSENDJOBFINISH` (`mass_send_result`,
applied by `callbacks.effects`); `message/mass/get` is polled as the fallback.

The account's mass sends are limited (a subscription account: once a Beijing day; 45028
when none is left): a send past the limit is deferred to the next Beijing midnight, with
the reason, and its other sends go on (`MASS_SEND_SPENT` does not block the channel).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from event_contracts import MediaReference
from servicekit.db import utcnow

from channel_svc.adapters.base import (
    MASS_SEND_SPENT,
    DeliveryResult,
    Progress,
    UnlockedChannel,
)
from channel_svc.adapters.common import CHINA, next_china_midnight
from channel_svc.adapters.http import PlatformError
from channel_svc.rendering.render import Rendered

if TYPE_CHECKING:
    from channel_svc.adapters.wechat import WechatAdapter

# Progress keys: the send's id, its audience's tag (None: all followers), the Beijing day
# it went out (the once-a-day check), and the result with its counts.
MASS_MSG_ID = "mass_msg_id"
MASS_CLIENT_ID = "mass_client_id"  # our `clientmsgid` of the send
MASS_TAG_ID = "mass_tag_id"
MASS_SENT_ON = "mass_sent_on"
MASS_RESULT = "mass_send"
NO_QUOTA = 45028
REPEATED = 45065
TAG_NAME_TAKEN = 45157
# Tagging refusals that name one follower, though the whole call is refused: the batch is
# tagged one by one, and only those followers are left out.
ONE_FOLLOWER_REFUSED = frozenset({40003, 45059})
TAGGING_BATCH = 50
# Past this, WeChat no longer knows the `clientmsgid`: a resumed send could go out twice.
REPEAT_MEMORY = timedelta(hours=23)


def beijing_day(now: datetime) -> str:
    return now.astimezone(CHINA).date().isoformat()


def spent(message: str) -> DeliveryResult:
    return DeliveryResult.deferred(MASS_SEND_SPENT, message, until=next_china_midnight())


async def mass_send(
    adapter: WechatAdapter,
    channel: UnlockedChannel,
    rendered: Rendered,
    progress: Progress,
    media: list[MediaReference],
) -> DeliveryResult:
    """Draft, then send to the followers (once); SUBMITTED with the send's `msg_id`."""
    refused = await adapter.draft(channel, rendered, progress, media)
    if refused is not None:
        return refused
    started = progress.data.get("submit_started_at")
    if started:
        if utcnow() - datetime.fromisoformat(str(started)) > REPEAT_MEMORY:
            return DeliveryResult.rejected(
                "wechat_mass_send_unconfirmed",
                "an interrupted mass send may have gone out a day ago; check the account's "
                "sent messages in the WeChat console before sending it again",
            )
        await progress.step()
    else:
        # A fresh id for each send: a retry of a failed one is a new send, which WeChat
        # would refuse for 24 hours under the same id.
        await progress.save(
            submit_started_at=utcnow().isoformat(), **{MASS_CLIENT_ID: uuid.uuid4().hex}
        )
    tag_id = progress.data.get(MASS_TAG_ID)
    audience: dict[str, Any] = (
        {"is_to_all": True} if tag_id is None else {"is_to_all": False, "tag_id": int(tag_id)}
    )
    try:
        answer = await adapter._call(
            channel,
            "/cgi-bin/message/mass/sendall",
            json={
                "filter": audience,
                "mpnews": {"media_id": progress.data["draft_media_id"]},
                "msgtype": "mpnews",
                "send_ignore_reprint": 0,
                "clientmsgid": str(progress.data[MASS_CLIENT_ID]),
            },
        )
    except PlatformError as exc:
        earlier: dict[str, Any] = getattr(exc, "answer", {})
        if exc.code == REPEATED and earlier.get("msg_id"):
            answer = earlier  # the interrupted attempt's send: it went out, once
        else:
            # WeChat answered, and refused: nothing went out under this clientmsgid.
            await progress.save(submit_started_at=None)
            if exc.code == NO_QUOTA:
                return spent(f"{exc}; sent at the next Beijing midnight")
            raise
    msg_id = str(answer["msg_id"])
    await progress.save(
        **{
            MASS_MSG_ID: msg_id,
            MASS_SENT_ON: beijing_day(utcnow()),
            "msg_data_id": str(answer.get("msg_data_id") or ""),
        }
    )
    return DeliveryResult.submitted(
        external_id=msg_id, check_after_seconds=adapter.confirm_poll_seconds
    )


async def mass_confirm(
    adapter: WechatAdapter, channel: UnlockedChannel, progress: Progress
) -> DeliveryResult:
    """The poll: `message/mass/get` (the counts come with `MASSSENDJOBFINISH` only)."""
    msg_id = str(progress.data[MASS_MSG_ID])
    answer = await adapter._call(channel, "/cgi-bin/message/mass/get", json={"msg_id": int(msg_id)})
    status = str(answer.get("msg_status") or "SENDING")
    if status == "SEND_SUCCESS":
        return DeliveryResult.delivered(external_id=msg_id)
    if status == "SENDING":
        return DeliveryResult.submitted(
            external_id=msg_id, check_after_seconds=adapter.confirm_poll_seconds
        )
    if status == "DELETE":
        return DeliveryResult.taken_down(
            "wechat_mass_send_deleted", "the mass send was deleted after it went out"
        )
    return DeliveryResult.rejected(
        "wechat_mass_send_failed", f"WeChat could not mass-send the post ({status})"
    )


def _count(fields: dict[str, Any], name: str) -> int | None:
    raw = str(fields.get(name) or "")
    return int(raw) if raw.isdigit() else None


def mass_send_result(fields: dict[str, Any]) -> tuple[str, DeliveryResult, dict[str, Any]]:
    """What a pushed `MASSSENDJOBFINISH` says: the send's `msg_id`, the outcome, and the
    result to keep (its status and counts) for the distribution's read model."""
    msg_id = str(fields.get("MsgID") or fields.get("MsgId") or "")
    status = str(fields.get("Status") or "")
    kept = {
        "status": status,
        "total_count": _count(fields, "TotalCount"),
        "filter_count": _count(fields, "FilterCount"),
        "sent_count": _count(fields, "SentCount"),
        "error_count": _count(fields, "ErrorCount"),
    }
    if status == "send success":
        return msg_id, DeliveryResult.delivered(external_id=msg_id), kept
    if status.startswith("err(") and status.endswith(")"):
        reason = f"WeChat refused the mass send (error {status[4:-1]})"
    else:
        reason = "WeChat could not mass-send the post"
    return msg_id, DeliveryResult.rejected("wechat_mass_send_failed", reason), kept


# -- tags ---------------------------------------------------------------------------------


async def create_tag(adapter: WechatAdapter, channel: UnlockedChannel, name: str) -> int:
    """The id of a new tag `name`, or of the account's tag of that name if it has one (a
    sync that died before it stored the id made it)."""
    try:
        body = await adapter._call(channel, "/cgi-bin/tags/create", json={"tag": {"name": name}})
        return int(body["tag"]["id"])
    except PlatformError as exc:
        if exc.code != TAG_NAME_TAKEN:
            raise
    listing = await adapter._call(channel, "/cgi-bin/tags/get", method="GET")
    for tag in listing.get("tags") or []:
        if tag.get("name") == name:
            return int(tag["id"])
    raise adapter.error(TAG_NAME_TAKEN, "tag name exists but is not listed")


async def tag_followers(
    adapter: WechatAdapter, channel: UnlockedChannel, tag_id: int, openids: list[str]
) -> tuple[list[str], dict[str, PlatformError]]:
    """Tag `openids` (at most `TAGGING_BATCH`): those tagged, and those WeChat refused
    with why (not a follower, too many tags)."""
    try:
        await adapter._call(
            channel,
            "/cgi-bin/tags/members/batchtagging",
            json={"openid_list": openids, "tagid": tag_id},
        )
        return openids, {}
    except PlatformError as exc:
        if exc.code not in ONE_FOLLOWER_REFUSED:
            raise
        if len(openids) == 1:
            return [], {openids[0]: exc}
    tagged: list[str] = []
    refused: dict[str, PlatformError] = {}
    for openid in openids:
        done, why = await tag_followers(adapter, channel, tag_id, [openid])
        tagged += done
        refused.update(why)
    return tagged, refused
