"""A fake of the WeChat official account API (the parts Mediaops uses).

Faithful to the documented contract: JSON answers with `errcode`/`errmsg`, also on HTTP
200; a new token from `/cgi-bin/token` invalidates the previous one (40001), while the
stable token (`/cgi-bin/stable_token`, kept apart from it) stays the same for every caller
until near its expiry and only a forced refresh invalidates it; 42001 for an expired
token; daily
quotas per API (45009); image uploads by format and size (`wechat_material`); permanent
materials and drafts checked by media_id (40007); title,
digest and content limits (45003, 45004, 45002); publishing is asynchronous (status 1
publishing, then 0 published or 4 rejected by review); published articles can be deleted
(5) or banned (6) afterwards. Switches inject latency, HTTP 5xx and "busy" (-1).

Drive it from tests through `app.state.fake` (a `WechatFake`), or over HTTP under `/_fake`.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.fakes import wechat_datacube, wechat_followers, wechat_mass, wechat_material
from tests.fakes.images import image_response
from tests.fakes.wechat_datacube import ArticleFigures, FollowChange

TITLE_MAX = 32
AUTHOR_MAX = 16
DIGEST_MAX = 128
CONTENT_MAX = 20_000
DEFAULT_QUOTAS = {
    "draft/add": 1000,
    "freepublish/submit": 100,
    "freepublish/get": 1000,
    "freepublish/batchget": 1000,
    "material/add_material": 1000,
    "media/uploadimg": 1000,
    **wechat_datacube.QUOTAS,
}
BEIJING = timedelta(hours=8)
# In normal mode the stable token is renewed this long before it expires.
STABLE_RENEW_BEFORE_SECONDS = 300


def error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": message})


@dataclass
class Account:
    appid: str
    secret: str
    token: str | None = None
    token_expires_at: float = 0.0
    old_tokens: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    # The stable token's, apart from the ones above: each valid one and when it expires.
    stable_tokens: dict[str, float] = field(default_factory=dict)
    stable_token: str | None = None  # the newest
    stable_tokens_issued: int = 0
    stable_forced_at: float = 0.0
    calls: dict[str, int] = field(default_factory=dict)  # today's calls per API
    materials: dict[str, dict[str, Any]] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)  # article-image URLs handed out
    image_files: dict[str, str] = field(default_factory=dict)  # article image → its SHA-256
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The follower model: who follows now, and each subscribe/unsubscribe by day (what
    # `getusersummary`/`getusercumulate` count); followers from before the log began.
    followers: set[str] = field(default_factory=set)
    follow_log: list[FollowChange] = field(default_factory=list)
    followers_before: int = 0


@dataclass
class Publication:
    publish_id: str
    appid: str
    article: dict[str, Any]
    status: int = 1
    polls: int = 0
    article_id: str | None = None
    url: str | None = None
    update_time: int = 0
    outcome: int = 0  # what "publishing" turns into: 0 published or 4 rejected
    msg_data_id: int = 0  # what the datacube names the send by (`msgid` `<id>_1`)
    published_on: date | None = None  # the fake's day (Beijing) it went out
    submitted_at: float = field(default_factory=time.monotonic)


class WechatFake:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accounts: dict[str, Account] = {}
        self.quotas = dict(DEFAULT_QUOTAS)
        self.publications: dict[str, Publication] = {}
        self._ids = itertools.count(1000)
        # Switches.
        self.latency_seconds = 0.0
        self.latency_paths: dict[str, float] = {}  # extra delay for one API path
        # Requests to a path wait (received in full) until the test sets its event.
        self.holds: dict[str, threading.Event] = {}
        self.fail_5xx = 0  # the next N API calls answer HTTP 503
        self.busy = 0  # the next N API calls answer errcode -1
        self.publish_after_polls = 1  # `freepublish/get` calls that still see "publishing"
        # WeChat also finishes publishing on its own, polled or not (None: only when polled).
        self.publish_after_seconds: float | None = 5.0
        self.review_reject_words: set[str] = set()
        self.requests: list[str] = []
        # Figures the datacube answers per article id (`PUT /_fake/articles/{id}/figures`).
        self.figures: dict[str, ArticleFigures] = {}
        # The fake's calendar: None follows the clock (in Beijing).
        self.today_override: date | None = None
        # Tags and mass sends (`tests.fakes.wechat_mass`).
        self.mass = wechat_mass.Mass()

    def today(self) -> date:
        """The fake's day in Beijing (the datacube's "yesterday" is the day before)."""
        if self.today_override is not None:
            return self.today_override
        return (datetime.now(UTC) + BEIJING).date()

    # -- set-up and inspection (tests) --------------------------------------------------

    def add_account(self, appid: str, secret: str) -> Account:
        with self.lock:
            account = self.accounts[appid] = Account(appid, secret)
            return account

    def subscribe(self, appid: str, openid: str, *, subscribed: bool = True) -> None:
        """A follower subscribes (or, with `subscribed=False`, leaves) today."""
        with self.lock:
            account = self.accounts[appid]
            if subscribed == (openid in account.followers):
                return
            (account.followers.add if subscribed else account.followers.discard)(openid)
            account.follow_log.append(FollowChange(self.today(), openid, subscribed))

    def rotate_token(self, appid: str) -> None:
        """As if another system asked for a token: ours stops working (40001)."""
        with self.lock:
            self._issue(self.accounts[appid])

    def force_stable_refresh(self, appid: str) -> None:
        """As if another system force-refreshed the stable token: ours gets 40001."""
        with self.lock:
            self._issue_stable(self.accounts[appid], forced=True)

    def expire_token(self, appid: str) -> None:
        """Both tokens of the account expire (42001)."""
        with self.lock:
            account = self.accounts[appid]
            account.token_expires_at = time.time() - 1
            for token in account.stable_tokens:
                account.stable_tokens[token] = time.time() - 1

    def spend_quota(self, appid: str, api: str) -> None:
        with self.lock:
            self.accounts[appid].calls[api] = self.quotas[api]

    def reset_quotas(self) -> None:
        """What happens at midnight Beijing time."""
        with self.lock:
            for account in self.accounts.values():
                account.calls.clear()

    def take_down(self, article_id: str, *, banned: bool = False) -> None:
        with self.lock:
            for publication in self.publications.values():
                if publication.article_id == article_id:
                    publication.status = 6 if banned else 5

    def published(self) -> list[Publication]:
        with self.lock:
            self.settle_due()
            return [p for p in self.publications.values() if p.status in (0, 5, 6)]

    def settle(self, publication: Publication) -> None:
        """Publishing is over: the article is out (or refused). Called under the lock."""
        if publication.status != 1:
            return
        publication.status = publication.outcome
        publication.update_time = int(time.time())
        if publication.status == 0:
            publication.article_id = f"ARTICLE_{publication.publish_id}"
            publication.published_on = self.today()
            publication.url = f"https://mp.weixin.qq.com/s/{secrets.token_urlsafe(12)}"

    def settle_due(self) -> None:
        """What WeChat has finished publishing by now, polled or not. Under the lock."""
        if self.publish_after_seconds is None:
            return
        due = time.monotonic() - self.publish_after_seconds
        for publication in self.publications.values():
            if publication.status == 1 and publication.submitted_at <= due:
                self.settle(publication)

    def _issue(self, account: Account) -> str:
        if account.token:
            account.old_tokens.add(account.token)
        account.token = f"FAKE-{secrets.token_hex(16)}"
        account.token_expires_at = time.time() + 7200
        account.tokens_issued += 1
        return account.token

    def _issue_stable(self, account: Account, *, forced: bool) -> str:
        """A new stable token; a forced one invalidates those before it, a normal renewal
        (in the last 5 minutes of the newest) leaves them valid until they expire."""
        if forced:
            account.old_tokens.update(account.stable_tokens)
            account.stable_tokens.clear()
            account.stable_forced_at = time.time()
        account.stable_token = f"FAKE-STABLE-{secrets.token_hex(16)}"
        account.stable_tokens[account.stable_token] = time.time() + 7200
        account.stable_tokens_issued += 1
        return account.stable_token

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}_{secrets.token_hex(6)}"

    # -- request helpers --------------------------------------------------------------

    def authenticate(self, token: str | None) -> Account | JSONResponse:
        if not token:
            return error(41001, "access_token missing")
        for account in self.accounts.values():
            if account.token == token:
                if account.token_expires_at < time.time():
                    return error(42001, "access_token expired")
                return account
            if token in account.stable_tokens:
                if account.stable_tokens[token] < time.time():
                    return error(42001, "access_token expired")
                return account
            if token in account.old_tokens:
                return error(40001, "invalid credential, access_token is invalid or not latest")
        return error(40014, "invalid access_token")

    def count(self, account: Account, api: str) -> JSONResponse | None:
        used = account.calls.get(api, 0)
        if used >= self.quotas.get(api, 10**9):
            return error(45009, "reach max api daily quota limit")
        account.calls[api] = used + 1
        return None


def create_app(fake: WechatFake | None = None) -> FastAPI:
    fake = fake or WechatFake()
    app = FastAPI(title="Fake WeChat official account API")
    app.state.fake = fake

    @app.middleware("http")
    async def switches(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if not path.startswith("/_fake"):
            # A request counts once received in full: a caller that goes away afterwards
            # (while it is held or slow) does not undo it, as on the real platform.
            await request.body()
            fake.requests.append(path)
            hold = fake.holds.get(path)
            if hold is not None:
                await asyncio.to_thread(hold.wait, 30)
            delay = fake.latency_seconds + fake.latency_paths.get(path, 0.0)
            if delay:
                await asyncio.sleep(delay)
            with fake.lock:
                if fake.fail_5xx > 0:
                    fake.fail_5xx -= 1
                    return Response("<html>503 Service Temporarily Unavailable</html>", 503)
                if fake.busy > 0:
                    fake.busy -= 1
                    return error(-1, "system error")
        response: Response = await call_next(request)
        return response

    @app.get("/cgi-bin/token")
    async def token(grant_type: str = "", appid: str = "", secret: str = "") -> JSONResponse:
        if grant_type != "client_credential":
            return error(40002, "invalid grant_type")
        with fake.lock:
            account = fake.accounts.get(appid)
            if account is None:
                return error(40013, "invalid appid")
            if secret != account.secret:
                return error(40125, "invalid appsecret")
            value = fake._issue(account)
        return JSONResponse({"access_token": value, "expires_in": 7200})

    @app.post("/cgi-bin/stable_token")
    async def stable_token(request: Request) -> JSONResponse:
        body = await request.json()
        if not isinstance(body, dict) or body.get("grant_type") != "client_credential":
            return error(40002, "invalid grant_type")
        with fake.lock:
            account = fake.accounts.get(str(body.get("appid")))
            if account is None:
                return error(40013, "invalid appid")
            if body.get("secret") != account.secret:
                return error(40125, "invalid appsecret")
            now = time.time()
            newest = account.stable_token
            expires_at = account.stable_tokens.get(newest) if newest else None
            if body.get("force_refresh") is True:
                # At most one forced refresh per 30 s; one sooner answers the current token.
                if expires_at is None or now - account.stable_forced_at >= 30:
                    fake._issue_stable(account, forced=True)
            elif expires_at is None or expires_at - now < STABLE_RENEW_BEFORE_SECONDS:
                fake._issue_stable(account, forced=False)
            token = account.stable_token
            assert token is not None
            left = int(account.stable_tokens[token] - now)
            return JSONResponse({"access_token": token, "expires_in": left})

    @app.post("/cgi-bin/draft/add")
    async def draft_add(request: Request, access_token: str = "") -> JSONResponse:
        body = await request.json()
        with fake.lock:
            account = fake.authenticate(access_token)
            if isinstance(account, JSONResponse):
                return account
            articles = body.get("articles") if isinstance(body, dict) else None
            if not isinstance(articles, list) or not articles:
                return error(44003, "empty news data")
            kept: list[dict[str, Any]] = []
            for article in articles:
                title = str(article.get("title") or "")
                if not title:
                    return error(44003, "empty news data: title")
                if len(title) > TITLE_MAX:
                    return error(45003, "title size out of limit")
                if len(str(article.get("author") or "")) > AUTHOR_MAX:
                    return error(45110, "author size out of limit")
                if len(str(article.get("digest") or "")) > DIGEST_MAX:
                    return error(45004, "description size out of limit")
                content = str(article.get("content") or "")
                if not content:
                    return error(44004, "empty content")
                if len(content) >= CONTENT_MAX:
                    return error(45002, "content size out of limit")
                thumb = str(article.get("thumb_media_id") or "")
                if thumb not in account.materials:
                    return error(40007, "invalid media_id")
                # Scripts are stripped; images not hosted by WeChat are removed.
                content = re.sub(r"<script\b.*?</script>", "", content, flags=re.S | re.I)
                content = re.sub(
                    r"<img\b[^>]*src=\"(?!https?://mmbiz\.qpic\.cn/)[^\"]*\"[^>]*>", "", content
                )
                kept.append({**article, "content": content})
            over = fake.count(account, "draft/add")
            if over:
                return over
            media_id = fake._new_id("DRAFT_")
            account.drafts[media_id] = {"articles": kept, "created": int(time.time())}
        return JSONResponse({"media_id": media_id})

    @app.post("/cgi-bin/freepublish/submit")
    async def submit(request: Request, access_token: str = "") -> JSONResponse:
        body = await request.json()
        with fake.lock:
            account = fake.authenticate(access_token)
            if isinstance(account, JSONResponse):
                return account
            draft = account.drafts.get(str(body.get("media_id")))
            if draft is None:
                return error(40007, "invalid media_id")
            over = fake.count(account, "freepublish/submit")
            if over:
                return over
            # A submitted draft leaves the draft box: it cannot be published twice.
            del account.drafts[str(body["media_id"])]
            article = draft["articles"][0]
            text = article["title"] + article["content"]
            rejected = any(word in text for word in fake.review_reject_words)
            publication = Publication(
                publish_id=fake._new_id("")[:10].rstrip("_"),
                appid=account.appid,
                article=article,
                outcome=4 if rejected else 0,
                msg_data_id=next(fake._ids),
            )
            fake.publications[publication.publish_id] = publication
            if fake.publish_after_polls <= 0:
                fake.settle(publication)
        return JSONResponse(
            {
                "errcode": 0,
                "errmsg": "ok",
                "publish_id": publication.publish_id,
                "msg_data_id": publication.msg_data_id,
            }
        )

    @app.post("/cgi-bin/freepublish/get")
    async def get(request: Request, access_token: str = "") -> JSONResponse:
        body = await request.json()
        with fake.lock:
            account = fake.authenticate(access_token)
            if isinstance(account, JSONResponse):
                return account
            publication = fake.publications.get(str(body.get("publish_id")))
            if publication is None or publication.appid != account.appid:
                return error(40007, "invalid publish_id")
            over = fake.count(account, "freepublish/get")
            if over:
                return over
            publication.polls += 1
            fake.settle_due()
            if publication.status == 1 and publication.polls > fake.publish_after_polls:
                fake.settle(publication)
            answer: dict[str, Any] = {
                "publish_id": publication.publish_id,
                "publish_status": publication.status,
            }
            if publication.status in (0, 5, 6) and publication.article_id:
                answer["article_id"] = publication.article_id
                answer["article_detail"] = {
                    "count": 1,
                    "item": [{"idx": 1, "article_url": publication.url}],
                }
            if publication.status in (2, 3, 4):
                answer["fail_idx"] = [1]
        return JSONResponse(answer)

    @app.post("/cgi-bin/freepublish/batchget")
    async def batchget(request: Request, access_token: str = "") -> JSONResponse:
        body = await request.json()
        with fake.lock:
            account = fake.authenticate(access_token)
            if isinstance(account, JSONResponse):
                return account
            over = fake.count(account, "freepublish/batchget")
            if over:
                return over
            fake.settle_due()
            items = [
                p for p in fake.publications.values() if p.appid == account.appid and p.status == 0
            ]
            items.sort(key=lambda p: p.update_time, reverse=True)
            offset, count = int(body.get("offset", 0)), min(int(body.get("count", 20)), 20)
            page = items[offset : offset + count]
            no_content = bool(body.get("no_content"))
            return JSONResponse(
                {
                    "total_count": len(items),
                    "item_count": len(page),
                    "item": [
                        {
                            "article_id": p.article_id,
                            "content": {
                                "news_item": [
                                    {
                                        **{
                                            k: v
                                            for k, v in p.article.items()
                                            if not (no_content and k == "content")
                                        },
                                        "url": p.url,
                                        "is_deleted": False,
                                    }
                                ]
                            },
                            "update_time": p.update_time,
                        }
                        for p in page
                    ],
                }
            )

    @app.post("/cgi-bin/freepublish/delete")
    async def delete(request: Request, access_token: str = "") -> JSONResponse:
        body = await request.json()
        with fake.lock:
            account = fake.authenticate(access_token)
            if isinstance(account, JSONResponse):
                return account
        fake.take_down(str(body.get("article_id")))
        return JSONResponse({"errcode": 0, "errmsg": "ok"})

    wechat_datacube.install(app, fake)
    # Permanent materials and article images (their own module, with their file rules).
    wechat_material.install(app, fake)

    # -- demo controls ---------------------------------------------------------------

    @app.get("/_fake/images/{name}")
    async def image(name: str) -> Response:
        return image_response(name)

    @app.get("/_fake/state")
    async def state() -> dict[str, Any]:
        with fake.lock:
            return {
                "accounts": {
                    a.appid: {
                        "tokens_issued": a.tokens_issued,
                        "stable_tokens_issued": a.stable_tokens_issued,
                        "calls": a.calls,
                        "drafts": len(a.drafts),
                        "materials": len(a.materials),
                    }
                    for a in fake.accounts.values()
                },
                "publications": [
                    {
                        "publish_id": p.publish_id,
                        "status": p.status,
                        "article_id": p.article_id,
                        "url": p.url,
                        "title": p.article.get("title"),
                    }
                    for p in fake.publications.values()
                ],
            }

    @app.post("/_fake/accounts")
    async def add_account(body: dict[str, str]) -> dict[str, str]:
        fake.add_account(body["appid"], body["secret"])
        return {"appid": body["appid"]}

    @app.post("/_fake/switches")
    async def set_switches(body: dict[str, Any]) -> dict[str, Any]:
        with fake.lock:
            for name in ("latency_seconds", "fail_5xx", "busy", "publish_after_polls"):
                if name in body:
                    setattr(fake, name, type(getattr(fake, name))(body[name]))
        return body

    @app.post("/_fake/tokens/{appid}/rotate")
    async def rotate(appid: str) -> dict[str, str]:
        fake.force_stable_refresh(appid)
        return {"appid": appid}

    @app.post("/_fake/articles/{article_id}/{action}")
    async def take_down(article_id: str, action: str) -> dict[str, str]:
        fake.take_down(article_id, banned=action == "ban")
        return {"article_id": article_id, "action": action}

    # Followers' messages and events pushed to the account's callback, tags and mass sends
    # (their own modules).
    followers = wechat_followers.install(app, fake)
    wechat_mass.install(app, fake, followers)
    return app
