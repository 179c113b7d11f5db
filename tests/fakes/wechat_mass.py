"""The WeChat fake's mass sends (群发) and follower tags, with the platform's limits.

- `tags/create {"tag": {"name"}}`: 45157 a name the account already has, 45158 a name over
  30 bytes, 45056 past 100 tags; `tags/get` lists them with their member counts.
- `tags/members/batchtagging {"openid_list", "tagid"}`: 40032 more than 50 openids (or
  none), 40003 an openid that does not follow the account, 45159 an unknown tag, 45059 a
  follower who has 20 tags already.
- `message/mass/sendall {"filter": {"is_to_all", "tag_id"}, "mpnews": {"media_id"},
  "msgtype": "mpnews", "clientmsgid"}`: 40007 a media id that is not a draft, 45065 a
  `clientmsgid` used within 24 hours (the answer names the earlier send's `msg_id`), 45028
  no mass send left: a subscription account sends once a (Beijing) day, a service account
  calls 100 times a day; on a service account a follower who got 4 mass sends this month
  is filtered out. Answers `{msg_id, msg_data_id}`; the send is `SENDING` until it settles.
- `message/mass/get {"msg_id"}`: `msg_status` SENDING, SEND_SUCCESS (or SEND_FAIL).

A send settles when polled, or after `push_after_seconds` on its own; when it settles
`MASSSENDJOBFINISH` is pushed to the account's callback, if one is configured (signed, and
sealed in safe mode, as `wechat_followers` pushes). Mass sends are listed in `GET
/_fake/sent` (`kind` "mass", `touser` "@all" or "tag:<id>").

Control API: `PUT /_fake/accounts/{appid}/kind {"kind": "subscription" | "service"}`,
`POST /_fake/mass/{msg_id}/push` (settles now and pushes), `POST /_fake/mass/{msg_id}/fail`
(the send will settle as failed).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from tests.fakes.wechat_followers import Followers, Sent, base, error, push_to

TAG_NAME_BYTES = 30
TAGS_MAX = 100
TAGS_PER_FOLLOWER = 20
BATCH_MAX = 50
CLIENTMSGID_SECONDS = 24 * 3600
SERVICE_CALLS_PER_DAY = 100
SENDS_PER_FOLLOWER_MONTH = 4
SYSTEM_OPENID = "oFAKEsystem0000000000000000"


@dataclass
class Tag:
    id: int
    name: str
    members: set[str] = field(default_factory=set)


@dataclass
class MassSend:
    msg_id: int
    msg_data_id: int
    appid: str
    clientmsgid: str | None
    audience: str  # "@all" or "tag:<id>"
    media_id: str
    title: str
    total: int  # followers in the audience
    recipients: list[str]  # those it may reach (the monthly limit filters the others)
    day: date
    at: float
    status: str = "SENDING"
    fails: bool = False
    pushed: bool = False


@dataclass
class Mass:
    kinds: dict[str, str] = field(default_factory=dict)  # appid -> subscription | service
    tags: dict[str, dict[int, Tag]] = field(default_factory=dict)
    sends: dict[int, MassSend] = field(default_factory=dict)
    tag_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))
    msg_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(3147483652))
    # A send settles on its own this long after it was made (None: only when polled or
    # pushed by the tests).
    push_after_seconds: float | None = 0.5
    fail_next: bool = False  # the next send will settle as failed

    def kind(self, appid: str) -> str:
        return self.kinds.get(appid, "subscription")

    def tags_of(self, appid: str) -> dict[int, Tag]:
        return self.tags.setdefault(appid, {})


class KindBody(BaseModel):
    kind: str = Field(pattern="^(subscription|service)$")


def _month(day: date) -> tuple[int, int]:
    return day.year, day.month


def install(app: FastAPI, fake: Any, followers: Followers) -> Mass:
    """Add tags and mass sends to the WeChat fake `app` (state `fake`, pushes `followers`)."""
    mass: Mass = fake.mass
    fake.quotas.setdefault("message/mass/sendall", SERVICE_CALLS_PER_DAY)

    async def settle_and_push(send: MassSend) -> None:
        with fake.lock:
            if send.status == "SENDING":
                send.status = "SEND_FAIL" if send.fails else "SEND_SUCCESS"
            if send.pushed:
                return
            send.pushed = True
            config = followers.configs.get(send.appid)
        if config is None:
            return
        fields = base(config, SYSTEM_OPENID, "event")
        fields["Event"] = "MASSSENDJOBFINISH"
        fields["MsgID"] = send.msg_id
        ok = send.status == "SEND_SUCCESS"
        fields["Status"] = "send success" if ok else "err(30003)"
        fields["TotalCount"] = send.total
        fields["FilterCount"] = len(send.recipients)
        fields["SentCount"] = len(send.recipients) if ok else 0
        fields["ErrorCount"] = 0 if ok else len(send.recipients)
        await push_to(followers, config, fields)

    async def settle_later(send: MassSend, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await settle_and_push(send)

    def account_of(access_token: str) -> Any:
        return fake.authenticate(access_token)

    @app.post("/cgi-bin/tags/create")
    async def tags_create(request: Request, access_token: str = "") -> JSONResponse:
        body = await request.json()
        with fake.lock:
            account = account_of(access_token)
            if isinstance(account, JSONResponse):
                return account
            name = str((body.get("tag") or {}).get("name") or "")
            tags = mass.tags_of(account.appid)
            if not name or len(name.encode()) > TAG_NAME_BYTES:
                return error(45158, "tag name too long")
            if any(tag.name == name for tag in tags.values()):
                return error(45157, "tag name already exists")
            if len(tags) >= TAGS_MAX:
                return error(45056, "too many tags")
            tag = Tag(next(mass.tag_ids), name)
            tags[tag.id] = tag
        return JSONResponse({"tag": {"id": tag.id, "name": tag.name}})

    @app.get("/cgi-bin/tags/get")
    async def tags_get(access_token: str = "") -> JSONResponse:
        with fake.lock:
            account = account_of(access_token)
            if isinstance(account, JSONResponse):
                return account
            tags = [
                {"id": tag.id, "name": tag.name, "count": len(tag.members)}
                for tag in mass.tags_of(account.appid).values()
            ]
        return JSONResponse({"tags": tags})

    @app.post("/cgi-bin/tags/members/batchtagging")
    async def batchtagging(request: Request, access_token: str = "") -> JSONResponse:
        body = await request.json()
        with fake.lock:
            account = account_of(access_token)
            if isinstance(account, JSONResponse):
                return account
            openids = body.get("openid_list")
            if not isinstance(openids, list) or not openids or len(openids) > BATCH_MAX:
                return error(40032, "invalid openid list size")
            tags = mass.tags_of(account.appid)
            tag = tags.get(int(body.get("tagid") or 0))
            if tag is None:
                return error(45159, "invalid tag id")
            for openid in openids:
                if openid not in account.followers:
                    return error(40003, f"invalid openid {openid}")
                held = sum(1 for other in tags.values() if openid in other.members)
                if openid not in tag.members and held >= TAGS_PER_FOLLOWER:
                    return error(45059, "the follower has too many tags")
            tag.members.update(openids)
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    def audience(account: Any, body: dict[str, Any]) -> tuple[str, set[str]] | JSONResponse:
        spec = body.get("filter") or {}
        if spec.get("is_to_all"):
            return "@all", set(account.followers)
        tag = mass.tags_of(account.appid).get(int(spec.get("tag_id") or 0))
        if tag is None:
            return error(40050, "invalid tag id for mass send")
        return f"tag:{tag.id}", tag.members & account.followers

    def quota_left(account: Any, today: date) -> bool:
        if mass.kind(account.appid) == "subscription":
            return not any(s.appid == account.appid and s.day == today for s in mass.sends.values())
        return fake.count(account, "message/mass/sendall") is None

    @app.post("/cgi-bin/message/mass/sendall")
    async def sendall(request: Request, access_token: str = "") -> JSONResponse:
        body = await request.json()
        with fake.lock:
            account = account_of(access_token)
            if isinstance(account, JSONResponse):
                return account
            if body.get("msgtype") != "mpnews":
                return error(40008, "invalid message type")
            media_id = str((body.get("mpnews") or {}).get("media_id") or "")
            draft = account.drafts.get(media_id)
            if draft is None:
                return error(40007, "invalid media_id")
            now, today = time.time(), fake.today()
            clientmsgid = body.get("clientmsgid")
            for earlier in mass.sends.values():
                if (
                    clientmsgid
                    and earlier.appid == account.appid
                    and earlier.clientmsgid == clientmsgid
                    and now - earlier.at < CLIENTMSGID_SECONDS
                ):
                    return JSONResponse(
                        {
                            "errcode": 45065,
                            "errmsg": "clientmsgid exist",
                            "msg_id": earlier.msg_id,
                        }
                    )
            scope = audience(account, body)
            if isinstance(scope, JSONResponse):
                return scope
            if not quota_left(account, today):
                return error(45028, "has no masssend quota")
            name, members = scope
            recipients = sorted(members)
            if mass.kind(account.appid) == "service":
                month = _month(today)
                received = [
                    r
                    for s in mass.sends.values()
                    if s.appid == account.appid and _month(s.day) == month
                    for r in s.recipients
                ]
                recipients = [r for r in recipients if received.count(r) < SENDS_PER_FOLLOWER_MONTH]
            send = MassSend(
                msg_id=next(mass.msg_ids),
                msg_data_id=next(mass.msg_ids),
                appid=account.appid,
                clientmsgid=str(clientmsgid) if clientmsgid else None,
                audience=name,
                media_id=media_id,
                title=str(draft["articles"][0].get("title") or ""),
                total=len(members),
                recipients=recipients,
                day=today,
                at=now,
                fails=mass.fail_next,
            )
            mass.fail_next = False
            mass.sends[send.msg_id] = send
            followers.sent.append(
                Sent(
                    account.appid,
                    "mass",
                    name,
                    "mpnews",
                    {"media_id": media_id, "title": send.title, "recipients": len(recipients)},
                    str(send.msg_id),
                    followers.now(),
                )
            )
        if mass.push_after_seconds is not None:
            # Kept by the set the loop holds weakly otherwise; settles on its own.
            task = asyncio.create_task(settle_later(send, mass.push_after_seconds))
            app.state.mass_tasks = {*getattr(app.state, "mass_tasks", set()), task}
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "send job submission success",
                "msg_id": send.msg_id,
                "msg_data_id": send.msg_data_id,
            }
        )

    @app.post("/cgi-bin/message/mass/get")
    async def mass_get(request: Request, access_token: str = "") -> JSONResponse:
        body = await request.json()
        with fake.lock:
            account = account_of(access_token)
            if isinstance(account, JSONResponse):
                return account
            send = mass.sends.get(int(body.get("msg_id") or 0))
            if send is None or send.appid != account.appid:
                return error(40007, "invalid msg_id")
            if send.status == "SENDING":
                send.status = "SEND_FAIL" if send.fails else "SEND_SUCCESS"
            return JSONResponse({"msg_id": send.msg_id, "msg_status": send.status})

    @app.put("/_fake/accounts/{appid}/kind")
    async def set_kind(appid: str, body: KindBody) -> dict[str, str]:
        with fake.lock:
            mass.kinds[appid] = body.kind
        return {"appid": appid, "kind": body.kind}

    def send_of(msg_id: int) -> MassSend:
        send = mass.sends.get(msg_id)
        if send is None:
            raise HTTPException(404, "no such mass send")
        return send

    @app.post("/_fake/mass/{msg_id}/push")
    async def push(msg_id: int) -> dict[str, Any]:
        send = send_of(msg_id)
        await settle_and_push(send)
        return {"msg_id": msg_id, "status": send.status}

    @app.post("/_fake/mass/{msg_id}/fail")
    async def fail(msg_id: int) -> dict[str, Any]:
        with fake.lock:
            send_of(msg_id).fails = True
        return {"msg_id": msg_id}

    return mass
