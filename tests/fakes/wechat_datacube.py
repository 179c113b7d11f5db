"""The WeChat fake's statistics (`POST /datacube/...`) and the follower model they count.

Faithful to the documented limits: `{begin_date, end_date}` as `YYYY-MM-DD` (61500 when a
date cannot be read, 61501 when the range is wrong: end before begin, end after yesterday,
or longer than the API's maximum — one day for `getarticlesummary` and `getarticletotal`,
3 for `getuserread`, 7 for `getusersummary` and `getusercumulate`); a valid access token;
a daily quota per API (45009); the switches of `wechat.py` (-1 busy, 5xx) apply as for
every API. "Today" is the fake's day in Beijing (`WechatFake.today`, movable by tests).

Articles are those published through the fake: each `msgid` is `<msg_data_id>_1`, as the
platform names the first article of a send. Their figures are the ones a test or demo set
with `PUT /_fake/articles/{article_id}/figures` (nothing set: zeros), reached on the day
the article went out and kept from then on; `getarticletotal` lists them for each of up to
7 days after publication, up to yesterday. Followers come from `Account.followers` and
`Account.follow_log` (see `WechatFake.subscribe`), the structure the message-callback
controls also change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from tests.fakes.wechat import Account, Publication, WechatFake

# The longest span (days, both ends included) each API answers.
SPANS = {
    "getarticlesummary": 1,
    "getarticletotal": 1,
    "getuserread": 3,
    "getusersummary": 7,
    "getusercumulate": 7,
}
# Daily quotas (check: WeChat documents none per datacube API; 1,000 like its other APIs).
QUOTAS = {f"datacube/{name}": 1000 for name in SPANS}
# `getarticletotal` follows an article for this many days after it went out.
FOLLOWED_DAYS = 7
# The codes WeChat answers for dates (global return codes 61500/61501; check).
DATE_FORMAT_ERROR = 61500
DATE_RANGE_ERROR = 61501


class ArticleFigures(BaseModel):
    """What `PUT /_fake/articles/{article_id}/figures` sets: the article's running totals."""

    model_config = ConfigDict(extra="forbid")

    reads: int = Field(default=0, ge=0)
    readers: int = Field(default=0, ge=0)
    shares: int = Field(default=0, ge=0)
    sharers: int = Field(default=0, ge=0)
    favorites: int = Field(default=0, ge=0)
    favoriters: int = Field(default=0, ge=0)

    def fields(self) -> dict[str, int]:
        """The figures in the datacube's names."""
        return {
            "int_page_read_user": self.readers,
            "int_page_read_count": self.reads,
            "ori_page_read_user": 0,
            "ori_page_read_count": 0,
            "share_user": self.sharers,
            "share_count": self.shares,
            "add_to_fav_user": self.favoriters,
            "add_to_fav_count": self.favorites,
        }


@dataclass(frozen=True)
class FollowChange:
    """One follower subscribing or leaving on a day (Beijing)."""

    day: date
    openid: str
    subscribed: bool


def _error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"errcode": code, "errmsg": message})


def _days(body: Any, api: str, yesterday: date) -> list[date] | JSONResponse:
    try:
        begin = date.fromisoformat(str(body["begin_date"]))
        end = date.fromisoformat(str(body["end_date"]))
    except (KeyError, TypeError, ValueError):
        return _error(DATE_FORMAT_ERROR, "invalid date format, hint: YYYY-MM-DD")
    span = (end - begin).days + 1
    if span < 1 or end > yesterday or span > SPANS[api]:
        return _error(DATE_RANGE_ERROR, f"invalid date range (at most {SPANS[api]} days)")
    return [begin + timedelta(days=n) for n in range(span)]


def followers_on(account: Account, day: date) -> int:
    """The account's followers at the end of `day`."""
    count = account.followers_before
    for change in account.follow_log:
        if change.day <= day:
            count += 1 if change.subscribed else -1
    return count


def install(app: FastAPI, fake: WechatFake) -> None:
    """Add the datacube APIs and their control to the fake's app."""

    def articles_of(account: Account) -> list[Publication]:
        return [
            p
            for p in fake.publications.values()
            if p.appid == account.appid and p.published_on is not None
        ]

    def figures(publication: Publication) -> dict[str, int]:
        set_ = fake.figures.get(publication.article_id or "") or ArticleFigures()
        return set_.fields()

    def article_total(publication: Publication, yesterday: date) -> dict[str, Any]:
        assert publication.published_on is not None
        first = publication.published_on
        last = min(first + timedelta(days=FOLLOWED_DAYS - 1), yesterday)
        return {
            "ref_date": first.isoformat(),
            "msgid": f"{publication.msg_data_id}_1",
            "title": publication.article.get("title"),
            "details": [
                {"stat_date": (first + timedelta(days=n)).isoformat(), **figures(publication)}
                for n in range((last - first).days + 1)
            ],
        }

    def answer(api: str, account: Account, days: list[date], yesterday: date) -> list[Any]:
        if api in ("getarticlesummary", "getarticletotal"):
            published = [p for p in articles_of(account) if p.published_on in days]
            if api == "getarticletotal":
                return [article_total(p, yesterday) for p in published]
            return [
                {
                    "ref_date": p.published_on.isoformat() if p.published_on else None,
                    "msgid": f"{p.msg_data_id}_1",
                    "title": p.article.get("title"),
                    **figures(p),
                }
                for p in published
            ]
        if api == "getuserread":
            rows = []
            for day in days:
                sums: dict[str, int] = {}
                for p in articles_of(account):
                    if p.published_on == day:
                        for name, value in figures(p).items():
                            sums[name] = sums.get(name, 0) + value
                rows.append({"ref_date": day.isoformat(), "user_source": 0, **sums})
            return rows
        if api == "getusersummary":
            return [
                {
                    "ref_date": day.isoformat(),
                    "user_source": 0,
                    "new_user": sum(1 for c in account.follow_log if c.day == day and c.subscribed),
                    "cancel_user": sum(
                        1 for c in account.follow_log if c.day == day and not c.subscribed
                    ),
                }
                for day in days
            ]
        return [
            {
                "ref_date": day.isoformat(),
                "user_source": 0,
                "cumulate_user": followers_on(account, day),
            }
            for day in days
        ]

    async def datacube(request: Request, api: str, access_token: str = "") -> JSONResponse:
        body = await request.json()
        with fake.lock:
            account = fake.authenticate(access_token)
            if isinstance(account, JSONResponse):
                return account
            yesterday = fake.today() - timedelta(days=1)
            days = _days(body, api, yesterday)
            if isinstance(days, JSONResponse):
                return days
            over = fake.count(account, f"datacube/{api}")
            if over:
                return over
            return JSONResponse({"list": answer(api, account, days, yesterday)})

    def route(api: str) -> Any:
        async def endpoint(request: Request, access_token: str = "") -> JSONResponse:
            return await datacube(request, api, access_token)

        return endpoint

    for name in SPANS:
        app.add_api_route(f"/datacube/{name}", route(name), methods=["POST"])

    @app.put("/_fake/articles/{article_id}/figures")
    async def set_figures(article_id: str, body: ArticleFigures) -> dict[str, Any]:
        with fake.lock:
            if not any(p.article_id == article_id for p in fake.publications.values()):
                return JSONResponse(  # type: ignore[return-value]
                    {"detail": f"no published article {article_id}"}, status_code=404
                )
            fake.figures[article_id] = body
        return {"article_id": article_id, **body.model_dump()}

    @app.put("/_fake/today")
    async def set_today(body: dict[str, str]) -> dict[str, str]:
        """Move the fake's calendar (Beijing day); `{"today": null}` follows the clock."""
        with fake.lock:
            value = body.get("today")
            fake.today_override = date.fromisoformat(value) if value else None
            return {"today": fake.today().isoformat()}
