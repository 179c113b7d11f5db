"""A fake of the Weibo API (posting a status, the timeline, OAuth2 token refresh).

Faithful to the documented contract: errors are `{"request", "error_code", "error"}`
whatever the HTTP status; a status has at most 140 characters (20012) and must carry a
link under the app's registered safe domain (20021 otherwise); the same text twice is
"repeat content" (20019); about 30 posts per user per hour (10024); expired (21327) and
invalid (21332) tokens; refreshing a token invalidates the old one. Switches inject
latency, HTTP 5xx and system errors (10001).

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
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes.forms import urlencoded

STATUS_MAX = 140
URL = re.compile(r"https?://[^\s]+")


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
    statuses: list[dict[str, Any]] = field(default_factory=list)


class WeiboFake:
    def __init__(self, *, safe_domain: str = "example.com") -> None:
        self.lock = threading.Lock()
        self.safe_domain = safe_domain
        self.users: dict[str, User] = {}
        self.hourly_limit = 30
        self._ids = itertools.count(4_900_000_000_000_000)
        self.latency_seconds = 0.0
        self.fail_5xx = 0
        self.system_errors = 0
        self.requests: list[str] = []

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
            fake.requests.append(request.url.path)
            if fake.latency_seconds:
                await request.body()  # received in full: a caller going away does not undo it
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
                "created_at": time.strftime("%a %b %d %H:%M:%S +0800 %Y"),
                "text": text,
                "user": {"id": int(user.uid), "idstr": user.uid},
                "reposts_count": 0,
                "comments_count": 0,
                "attitudes_count": 0,
            }
            user.statuses.insert(0, status)
            return JSONResponse(status)

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

    @app.get("/_fake/state")
    async def state() -> dict[str, Any]:
        with fake.lock:
            return {
                uid: {"statuses": len(u.statuses), "posts_this_hour": u.posts_this_hour}
                for uid, u in fake.users.items()
            }

    @app.post("/_fake/users")
    async def add_user(body: dict[str, str]) -> dict[str, str]:
        fake.add_user(body["uid"], body["access_token"], refresh_token=body.get("refresh_token"))
        return {"uid": body["uid"]}

    @app.post("/_fake/switches")
    async def set_switches(body: dict[str, Any]) -> dict[str, Any]:
        with fake.lock:
            for name in ("latency_seconds", "fail_5xx", "system_errors", "hourly_limit"):
                if name in body:
                    setattr(fake, name, type(getattr(fake, name))(body[name]))
        return body

    return app
