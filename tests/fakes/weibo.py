"""A fake of the Weibo API (posting a status, the timeline, OAuth2 token refresh).

A status may carry a picture (`pic`, multipart): JPEG, GIF or PNG by its bytes (20005
otherwise), under 5 MB (20006).

Faithful to the documented contract: errors are `{"request", "error_code", "error"}`
whatever the HTTP status; a status has at most 140 characters (20012) and must carry a
link under the app's registered safe domain (20021 otherwise); the same text twice is
"repeat content" (20019); about 30 posts per user per hour (10024); reads (counts, user
show) limited per user per hour too (10023, check: 150); counts of at most 100 ids a call
(10017 beyond); expired (21327) and invalid (21332) tokens; refreshing a token invalidates
the old one. Switches inject latency, HTTP 5xx and system errors (10001). Replies to
comments (`comments/reply.json`: `cid`, `id`, `comment` of at most 140 characters) need the
comment on that status (20101 for an unknown status, 20206 (check) for an unknown comment)
and are recorded; `GET /_fake/sent` lists what the accounts sent (statuses and comment
replies), newest first; `POST /_fake/statuses/{id}/comments {"text", "uid"?, "screen_name"?,
"reply_to"?}` adds a reader's comment, which `comments/to_me.json` lists (newest first,
newer than `since_id` and at most `max_id`, `count` ≤ 200, `page`; a read against the
hourly read limit).

Drive it from tests through `app.state.fake` (a `WeiboFake`), or over HTTP under `/_fake`.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.forms import files, urlencoded
from tests.fakes.images import image_response

STATUS_MAX = 140
PICTURE_MAX_BYTES = 5 * 1024 * 1024
COUNTED = ("reposts", "comments", "attitudes")
URL = re.compile(r"https?://[^\s]+")
BEIJING = timezone(timedelta(hours=8))


def _weibo_time() -> str:
    """Now, as Weibo writes times: Beijing time with its offset."""
    return datetime.now(BEIJING).strftime("%a %b %d %H:%M:%S %z %Y")


def picture_refused(request: Request, data: bytes) -> JSONResponse | None:
    """Weibo takes a JPEG, GIF or PNG picture under 5 MB (read from its bytes)."""
    if not data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")):
        return error(request, 20005, "Unsupported image type, only suport JPG, GIF, PNG!")
    if len(data) >= PICTURE_MAX_BYTES:
        return error(request, 20006, "Image size too large.")
    return None


def error(request: Request, code: int, message: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"request": request.url.path, "error_code": code, "error": message}, status_code=status
    )


@dataclass
class User:
    uid: str
    access_token: str
    app_key: str = "fake-app"
    app_secret: str = "fake-app-secret"
    refresh_token: str | None = None
    expires_at: float = field(default_factory=lambda: time.time() + 86_400)
    old_tokens: set[str] = field(default_factory=set)
    posts_this_hour: int = 0
    reads_this_hour: int = 0
    followers_count: int = 0
    statuses: list[dict[str, Any]] = field(default_factory=list)


class WeiboFake:
    def __init__(self, *, safe_domain: str = "example.com") -> None:
        self.lock = threading.Lock()
        self.safe_domain = safe_domain
        self.users: dict[str, User] = {}
        self.hourly_limit = 30
        self.hourly_read_limit = 150  # (check) reads of counts and users per user per hour
        self._ids = itertools.count(4_900_000_000_000_000)
        self.latency_seconds = 0.0
        self.fail_5xx = 0
        self.system_errors = 0
        self.requests: list[str] = []
        # Readers' comments by id (`idstr`), and what the accounts sent, oldest first.
        self.comments: dict[str, dict[str, Any]] = {}
        self.sent: list[dict[str, Any]] = []
        self.pictures: dict[str, bytes] = {}  # the statuses' pictures by pic id

    def add_comment(
        self,
        status_id: str,
        text: str,
        *,
        uid: str = "1900000001",
        screen_name: str | None = None,
        reply_to: str | None = None,
    ) -> str:
        """A reader comments on a status (or answers a comment there); the comment's id."""
        with self.lock:
            cid = str(next(self._ids))
            self.comments[cid] = {
                "id": int(cid),
                "idstr": cid,
                "text": text,
                "created_at": _weibo_time(),
                "user": {
                    "id": int(uid),
                    "idstr": uid,
                    "screen_name": screen_name or f"读者{uid[-4:]}",
                },
                "status": {"idstr": status_id},
            }
            if reply_to is not None:
                self.comments[cid]["reply_comment"] = {"idstr": reply_to}
            return cid

    def add_user(
        self,
        uid: str,
        access_token: str,
        *,
        app_key: str = "fake-app",
        app_secret: str = "fake-app-secret",
        refresh_token: str | None = None,
    ) -> User:
        with self.lock:
            user = self.users[uid] = User(uid, access_token, app_key, app_secret, refresh_token)
            return user

    def expire_token(self, uid: str) -> None:
        with self.lock:
            self.users[uid].expires_at = time.time() - 1

    def statuses(self) -> list[dict[str, Any]]:
        with self.lock:
            return [s for user in self.users.values() for s in user.statuses]

    def reset_hour(self) -> None:
        with self.lock:
            for user in self.users.values():
                user.posts_this_hour = 0
                user.reads_this_hour = 0

    def set_counts(self, status_id: str, **counts: int) -> None:
        """Set a status's reposts, comments or attitudes (what readers did)."""
        with self.lock:
            for status in (s for user in self.users.values() for s in user.statuses):
                if status["idstr"] == status_id:
                    for name, value in counts.items():
                        status[f"{name}_count"] = value

    def user_of(self, request: Request, token: str | None) -> User | JSONResponse:
        if not token:
            return error(request, 21301, "auth faild!", 401)
        for user in self.users.values():
            if user.access_token == token:
                if user.expires_at < time.time():
                    return error(request, 21327, "expired_token", 401)
                return user
            if token in user.old_tokens:
                return error(request, 21332, "invalid_access_token", 401)
        return error(request, 21332, "invalid_access_token", 401)

    def _domain_ok(self, host: str) -> bool:
        host = host.lower()
        return host == self.safe_domain or host.endswith("." + self.safe_domain)


def create_app(fake: WeiboFake | None = None) -> FastAPI:
    fake = fake or WeiboFake()
    app = FastAPI(title="Fake Weibo API")
    app.state.fake = fake

    @app.middleware("http")
    async def switches(request: Request, call_next: Any) -> Response:
        if not request.url.path.startswith("/_fake"):
            # A request counts once received in full: a caller going away does not undo it.
            await request.body()
            fake.requests.append(request.url.path)
            if fake.latency_seconds:
                await asyncio.sleep(fake.latency_seconds)
            with fake.lock:
                if fake.fail_5xx > 0:
                    fake.fail_5xx -= 1
                    return Response("<html>502 Bad Gateway</html>", 502)
                if fake.system_errors > 0:
                    fake.system_errors -= 1
                    return error(request, 10001, "system error!", 500)
        response: Response = await call_next(request)
        return response

    @app.post("/oauth2/access_token")
    async def access_token(request: Request) -> JSONResponse:
        form = await urlencoded(request)
        with fake.lock:
            if form.get("grant_type") != "refresh_token":
                return error(request, 21323, "unsupported grant_type")
            for user in fake.users.values():
                if user.refresh_token and user.refresh_token == form.get("refresh_token"):
                    if (form.get("client_id"), form.get("client_secret")) != (
                        user.app_key,
                        user.app_secret,
                    ):
                        return error(request, 21324, "invalid_client", 401)
                    user.old_tokens.add(user.access_token)
                    user.access_token = f"2.00{secrets.token_hex(12)}"
                    user.refresh_token = f"2.00r{secrets.token_hex(12)}"
                    user.expires_at = time.time() + 86_400
                    return JSONResponse(
                        {
                            "access_token": user.access_token,
                            "refresh_token": user.refresh_token,
                            "expires_in": 86_400,
                            "uid": user.uid,
                        }
                    )
            return error(request, 21325, "invalid_grant", 400)

    @app.post("/2/statuses/share.json")
    async def share(request: Request) -> JSONResponse:
        parts = await files(request)
        form = {name: data.decode() for name, (filename, data, _) in parts.items() if not filename}
        picture = parts.get("pic")
        if not parts:
            form = await urlencoded(request)
        with fake.lock:
            user = fake.user_of(request, str(form.get("access_token") or ""))
            if isinstance(user, JSONResponse):
                return user
            text = str(form.get("status") or "")
            if not text:
                return error(request, 10016, "miss required parameter (status)")
            if len(text) > STATUS_MAX:
                return error(
                    request, 20012, "Text too long, please input text less than 140 characters!"
                )
            hosts = [urlsplit(url).hostname or "" for url in URL.findall(text)]
            if not hosts or not all(fake._domain_ok(host) for host in hosts):
                return error(
                    request,
                    20021,
                    "content is illegal! (a link under the app's safe domain is required)",
                )
            if any(s["text"] == text for s in user.statuses):
                return error(request, 20019, "repeat content!")
            if picture is not None:
                refused = picture_refused(request, picture[1])
                if refused is not None:
                    return refused
            if user.posts_this_hour >= fake.hourly_limit:
                return error(
                    request, 10024, "user requests for (statuses/share) out of rate limit!", 403
                )
            user.posts_this_hour += 1
            status_id = next(fake._ids)
            status = {
                "id": status_id,
                "idstr": str(status_id),
                "mid": str(status_id),
                "created_at": _weibo_time(),
                "text": text,
                "user": {"id": int(user.uid), "idstr": user.uid},
                "reposts_count": 0,
                "comments_count": 0,
                "attitudes_count": 0,
            }
            if picture is not None:
                pic_id = secrets.token_hex(16)
                fake.pictures[pic_id] = picture[1]
                status["pic_ids"] = [pic_id]
                status["original_pic"] = f"https://wx1.sinaimg.cn/large/{pic_id}.jpg"
            user.statuses.insert(0, status)
            fake.sent.append(
                {
                    "kind": "status",
                    "uid": user.uid,
                    "id": status["idstr"],
                    "text": text,
                    "pic_ids": status.get("pic_ids", []),
                }
            )
            return JSONResponse(status)

    @app.post("/2/comments/reply.json")
    async def reply(request: Request) -> JSONResponse:
        form = await urlencoded(request)
        with fake.lock:
            user = fake.user_of(request, str(form.get("access_token") or ""))
            if isinstance(user, JSONResponse):
                return user
            text = str(form.get("comment") or "")
            cid, status_id = str(form.get("cid") or ""), str(form.get("id") or "")
            if not cid or not status_id or not text:
                return error(request, 10016, "miss required parameter (cid, id, comment)")
            if len(text) > STATUS_MAX:
                return error(
                    request, 20012, "Text too long, please input text less than 140 characters!"
                )
            statuses = {s["idstr"] for u in fake.users.values() for s in u.statuses}
            if status_id not in statuses:
                return error(request, 20101, "target weibo does not exist!")
            comment = fake.comments.get(cid)
            if comment is None or comment["status"]["idstr"] != status_id:
                return error(request, 20206, "target comment does not exist!")
            reply_id = str(next(fake._ids))
            answer = {
                "id": int(reply_id),
                "idstr": reply_id,
                "text": text,
                "created_at": _weibo_time(),
                "user": {"id": int(user.uid), "idstr": user.uid},
                "status": {"idstr": status_id},
                "reply_comment": {"idstr": cid},
            }
            fake.comments[reply_id] = answer
            fake.sent.append(
                {
                    "kind": "comment_reply",
                    "uid": user.uid,
                    "id": reply_id,
                    "cid": cid,
                    "status_id": status_id,
                    "text": text,
                }
            )
            return JSONResponse(answer)

    @app.get("/2/statuses/user_timeline.json")
    async def timeline(
        request: Request, access_token: str = "", uid: str = "", count: int = 20
    ) -> JSONResponse:
        with fake.lock:
            user = fake.user_of(request, access_token)
            if isinstance(user, JSONResponse):
                return user
            owner = fake.users.get(uid or user.uid, user)
            statuses = owner.statuses[: max(1, min(count, 100))]
            return JSONResponse({"statuses": statuses, "total_number": len(owner.statuses)})

    def reader(request: Request, token: str) -> User | JSONResponse:
        user = fake.user_of(request, token)
        if isinstance(user, JSONResponse):
            return user
        if user.reads_this_hour >= fake.hourly_read_limit:
            return error(request, 10023, "User requests out of rate limit!", 403)
        user.reads_this_hour += 1
        return user

    @app.get("/2/comments/to_me.json")
    async def comments_to_me(
        request: Request,
        access_token: str = "",
        since_id: str = "0",
        max_id: str = "0",
        count: str = "50",
        page: str = "1",
    ) -> JSONResponse:
        with fake.lock:
            user = reader(request, access_token)
            if isinstance(user, JSONResponse):
                return user
            numbers = (since_id, max_id, count, page)
            if not all(value.isdigit() for value in numbers):
                return error(request, 10008, "param error, see doc for more info")
            if not 1 <= int(count) <= 200 or int(page) < 1:
                return error(request, 10008, "param error, see doc for more info (count <= 200)")
            upper = int(max_id) or None  # 0: no upper bound
            ours = {s["idstr"] for s in user.statuses}
            received = sorted(
                (
                    c
                    for c in fake.comments.values()
                    if c["status"]["idstr"] in ours
                    and c["user"]["idstr"] != user.uid
                    and int(c["idstr"]) > int(since_id)
                    and (upper is None or int(c["idstr"]) <= upper)
                ),
                key=lambda c: int(c["idstr"]),
                reverse=True,
            )
            size, number = int(count), int(page)
            listed = received[(number - 1) * size : number * size]
            return JSONResponse(
                {
                    "comments": listed,
                    "total_number": len(received),
                    "previous_cursor": 0,
                    "next_cursor": 0,
                }
            )

    @app.get("/2/statuses/count.json")
    async def count(request: Request, access_token: str = "", ids: str = "") -> JSONResponse:
        wanted = [i.strip() for i in ids.split(",") if i.strip()]
        with fake.lock:
            user = reader(request, access_token)
            if isinstance(user, JSONResponse):
                return user
            if not wanted:
                return error(request, 10016, "miss required parameter (ids)")
            if len(wanted) > 100:
                return error(request, 10017, "parameter (ids)'s value invalid: at most 100 ids")
            found = {s["idstr"]: s for u in fake.users.values() for s in u.statuses}
            return JSONResponse(
                [
                    {
                        "id": int(i),
                        "idstr": i,
                        "reposts": found[i]["reposts_count"],
                        "comments": found[i]["comments_count"],
                        "attitudes": found[i]["attitudes_count"],
                    }
                    for i in wanted
                    if i in found
                ]
            )

    @app.get("/2/users/show.json")
    async def show(request: Request, access_token: str = "", uid: str = "") -> JSONResponse:
        with fake.lock:
            user = reader(request, access_token)
            if isinstance(user, JSONResponse):
                return user
            shown = fake.users.get(uid)
            if shown is None:
                return error(request, 20003, "User does not exists!")
            return JSONResponse(
                {
                    "id": int(shown.uid),
                    "idstr": shown.uid,
                    "followers_count": shown.followers_count,
                    "statuses_count": len(shown.statuses),
                }
            )

    @app.put("/_fake/statuses/{status_id}/counts")
    async def put_counts(status_id: str, body: dict[str, int]) -> dict[str, Any]:
        fake.set_counts(status_id, **{k: int(v) for k, v in body.items() if k in COUNTED})
        return {"id": status_id, **body}

    @app.put("/_fake/users/{uid}/followers")
    async def put_followers(uid: str, body: dict[str, int]) -> dict[str, Any]:
        with fake.lock:
            fake.users[uid].followers_count = int(body["followers_count"])
        return {"uid": uid, **body}

    @app.get("/_fake/images/{name}")
    async def image(name: str) -> Response:
        return image_response(name)

    @app.get("/_fake/state")
    async def state() -> dict[str, Any]:
        with fake.lock:
            return {
                uid: {"statuses": len(u.statuses), "posts_this_hour": u.posts_this_hour}
                for uid, u in fake.users.items()
            }

    @app.get("/_fake/sent")
    async def sent() -> list[dict[str, Any]]:
        with fake.lock:
            return list(reversed(fake.sent))

    @app.post("/_fake/statuses/{status_id}/comments")
    async def add_comment(status_id: str, body: dict[str, str]) -> dict[str, str]:
        cid = fake.add_comment(
            status_id,
            body["text"],
            uid=body.get("uid") or "1900000001",
            screen_name=body.get("screen_name"),
            reply_to=body.get("reply_to"),
        )
        return {"cid": cid, "status_id": status_id}

    @app.post("/_fake/users")
    async def add_user(body: dict[str, str]) -> dict[str, str]:
        fake.add_user(body["uid"], body["access_token"], refresh_token=body.get("refresh_token"))
        return {"uid": body["uid"]}

    @app.post("/_fake/switches")
    async def set_switches(body: dict[str, Any]) -> dict[str, Any]:
        with fake.lock:
            for name in (
                "latency_seconds",
                "fail_5xx",
                "system_errors",
                "hourly_limit",
                "hourly_read_limit",
            ):
                if name in body:
                    setattr(fake, name, type(getattr(fake, name))(body[name]))
        return body

    return app
