"""The `wechat_oa` platform: a WeChat official account, through its API.

A send is five steps, each recorded in the distribution's progress before the next one,
so that a restart resumes where it stopped instead of making a second article:

1. the cover is uploaded as a permanent material (`thumb_media_id`);
2. body images are re-hosted through the article-image upload (`images`: old → new URL);
3. the draft is added (`draft_media_id`);
4. the draft is submitted for publishing (`submit_started_at`, then `publish_id`);
5. `freepublish/get` is polled, sparingly, until published, rejected or failed.

If a crash fell between 4's request and its answer being stored, the next attempt first
looks for the article among the published ones (`freepublish/batchget`) before submitting;
if the draft is gone (the interrupted submit took it), the article is still being published
and is looked for again, never submitted twice.
After success the worker keeps calling `confirm` for a while: status 5 or 6 means the
platform deleted or banned the article, and the distribution says so.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx
import structlog
from event_contracts import MediaReference
from servicekit.db import utcnow

from channel_svc.adapters.base import (
    Delivery,
    DeliveryResult,
    Outcome,
    Progress,
    UnlockedChannel,
)
from channel_svc.adapters.common import (
    ImageUnavailable,
    TokenCache,
    fetch_image,
    next_china_midnight,
)
from channel_svc.adapters.http import PlatformApi, PlatformError, Unreachable
from channel_svc.adapters.media import library_images
from channel_svc.adapters.shapes import WechatConfig, WechatCredentials
from channel_svc.adapters.wechat_mass import MASS_MSG_ID, mass_confirm, mass_send
from channel_svc.adapters.wechat_media import (
    host_article_images,
    in_article,
    library_cover,
    with_hosted_images,
)
from channel_svc.models import Distribution
from channel_svc.rendering.render import Rendered

log = structlog.get_logger(__name__)

TOKEN_ERRORS = frozenset({40001, 40014, 42001})
CREDENTIAL_ERRORS = frozenset({40013, 40125, 41002, 41004})
QUOTA_ERRORS = frozenset({45009})
BUSY = -1
# How long a draft taken by an interrupted submit may take to appear as an article.
TAKEN_DRAFT_WAIT = timedelta(minutes=30)
DRAFT_UNKNOWN = 40007  # also what a draft already submitted answers: it left the draft box

# What WeChat's codes mean, in words an operator can act on.
ERRORS: dict[int, str] = {
    -1: "WeChat is busy",
    40001: "the access token is invalid (another system may have force-refreshed it)",
    40007: "WeChat does not know this media id",
    40013: "the AppID is invalid",
    40014: "the access token is malformed",
    40125: "the AppSecret is invalid",
    40164: "this server's IP address is not on the account's IP whitelist; add it in the "
    "WeChat console (Settings and development > Basic configuration)",
    40003: "a follower's openid is not valid for this account (they may have left)",
    40032: "WeChat takes 1 to 50 openids per tagging call",
    42001: "the access token has expired",
    45002: "the article is too long for WeChat (20,000 characters at most)",
    45003: "the title is too long for WeChat (32 characters at most)",
    45004: "the digest is too long for WeChat (128 characters at most)",
    45009: "the account's daily API quota is spent",
    45015: "WeChat lets an account answer a follower only within 48 hours of the follower's "
    "last message (1 minute after a menu click, a subscription or a scan), and not once they "
    "unsubscribed",
    45028: "the account has no mass send left today (a subscription account sends once a day)",
    45047: "the follower's window allows no more answers (5 within 48 hours of their message, "
    "3 within a minute of a click or subscription) until they write again",
    45056: "the account has too many tags (100 at most)",
    45059: "a follower has too many tags (20 at most)",
    45065: "this mass send was already sent within the last 24 hours",
    45157: "the account already has a tag of that name",
    45158: "the tag name is too long for WeChat (30 bytes at most)",
    48001: "the account is not authorised for this API (a verified service or subscription "
    "account is needed)",
    53503: "the draft did not pass WeChat's publishing checks",
    53504: "the draft needs editing in the WeChat console before it can be published",
    53505: "the draft must be saved by hand in the WeChat console before it can be published",
}

PUBLISH_STATUSES: dict[int, str] = {
    2: "WeChat's originality check failed",
    3: "WeChat could not publish the article",
    4: "WeChat's review rejected the article",
    5: "WeChat deleted the article after publishing",
    6: "WeChat banned the article after publishing",
}


class WechatError(PlatformError):
    platform_name = "WeChat"
    meanings = ERRORS

    def __init__(self, code: int, said: str = "", answer: dict[str, Any] | None = None) -> None:
        super().__init__(code, said)
        # The whole answer: a refused repeat of a mass send names the earlier send in it.
        self.answer = answer or {}


class WechatAdapter(PlatformApi):
    platform = "wechat_oa"
    error = WechatError
    code_prefix = "wechat"
    config_model = WechatConfig
    credentials_model = WechatCredentials
    transient_errors = frozenset({BUSY})
    credential_errors = CREDENTIAL_ERRORS
    # Another system may have force-refreshed the token again: not the credentials' fault.
    token_errors = TOKEN_ERRORS
    token_still_refused = Outcome.RETRY
    quota_errors = QUOTA_ERRORS

    def __init__(
        self,
        *,
        timeout_seconds: float,
        allow_private: bool,
        confirm_poll_seconds: float,
    ) -> None:
        super().__init__(timeout_seconds=timeout_seconds, allow_private=allow_private)
        self.confirm_poll_seconds = confirm_poll_seconds
        self.tokens = TokenCache()

    def read(self, response: httpx.Response) -> dict[str, Any]:
        """WeChat answers errors as `errcode` in a JSON object, with HTTP 200."""
        if response.status_code >= 500:
            raise Unreachable(f"WeChat answered HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise Unreachable(f"WeChat answered HTTP {response.status_code}, not JSON") from exc
        if not isinstance(body, dict):
            raise Unreachable("WeChat answered something other than a JSON object")
        code = int(body.get("errcode") or 0)
        if code != 0:
            raise WechatError(code, str(body.get("errmsg") or ""), body)
        return body

    def quota_resets(self) -> datetime:
        return next_china_midnight()

    async def _token(self, channel: UnlockedChannel) -> str:
        base = str(channel.config["base_url"])
        creds = channel.credentials()
        key = f"{base}|{creds.get('appid')}"
        cached = self.tokens.get(key)
        if cached:
            return cached
        async with self.tokens.lock(key):
            cached = self.tokens.get(key)
            if cached:
                return cached
            # The stable token, asked for in its normal mode: every replica (and every
            # other system that asks the same way) gets the one valid token, and nobody's
            # request knocks out another's, as `/cgi-bin/token` would. Never force-refreshed:
            # that would knock the others out, and WeChat allows it 20 times a day.
            body = await self.request(
                "POST",
                f"{base}/cgi-bin/stable_token",
                json={
                    "grant_type": "client_credential",
                    "appid": str(creds.get("appid", "")),
                    "secret": str(creds.get("secret", "")),
                    "force_refresh": False,
                },
            )
            token = str(body["access_token"])
            self.tokens.put(key, token, float(body.get("expires_in", 7200)))
            return token

    async def _call(
        self,
        channel: UnlockedChannel,
        path: str,
        *,
        method: str = "POST",
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """An authenticated call; on a token error, one refresh and one retry."""
        base = str(channel.config["base_url"])
        key = f"{base}|{channel.credentials().get('appid')}"
        for attempt in (1, 2):
            token = await self._token(channel)
            try:
                return await self.request(
                    method,
                    f"{base}{path}",
                    params={"access_token": token, **(params or {})},
                    json=json,
                    files=files,
                )
            except WechatError as exc:
                if exc.code in TOKEN_ERRORS and attempt == 1:
                    log.info("wechat_token_refresh", code=exc.code)
                    self.tokens.drop(key, token)
                    continue
                raise
        raise AssertionError("unreachable")

    async def datacube(
        self, channel: UnlockedChannel, api: str, begin: date, end: date
    ) -> list[dict[str, Any]]:
        """One statistics call (`getarticletotal`, `getusersummary` ...) over [begin, end];
        raises `WechatError` (45009 quota, -1 busy, 61501 range) or `Unreachable`."""
        body = await self._call(
            channel,
            f"/datacube/{api}",
            json={"begin_date": begin.isoformat(), "end_date": end.isoformat()},
        )
        rows = body.get("list") or []
        return [row for row in rows if isinstance(row, dict)]

    async def custom_text(self, channel: UnlockedChannel, openid: str, text: str) -> str | None:
        """A customer-service text message to a follower; the platform's `msgid`, if given.
        Raises `WechatError` (45015 outside the window, 45047 allowance spent) or
        `Unreachable`."""
        body = await self._call(
            channel,
            "/cgi-bin/message/custom/send",
            json={"touser": openid, "msgtype": "text", "text": {"content": text}},
        )
        msgid = body.get("msgid")
        return None if msgid is None else str(msgid)

    # -- sending ------------------------------------------------------------------------

    async def send(self, delivery: Delivery) -> DeliveryResult:
        channel, rendered, progress = delivery.channel, delivery.rendered, delivery.progress
        if rendered is None:
            return DeliveryResult.rejected("not_rendered", "the post was not rendered for WeChat")
        options = delivery.snapshot.channel_options.get(channel.id)
        media = library_images(delivery.snapshot)
        try:
            if progress.data.get("publish_id") or progress.data.get(MASS_MSG_ID):
                return await self.confirm(delivery.distribution, channel, progress=progress)
            if options is not None and options.mode == "mass_send":
                return await mass_send(self, channel, rendered, progress, media)
            return await self._publish(channel, rendered, progress, media)
        except (WechatError, Unreachable) as exc:
            return self.judge(exc)
        except ImageUnavailable as exc:
            if exc.transient:
                return DeliveryResult.retry("image_unavailable", str(exc))
            return DeliveryResult.rejected("image_unavailable", str(exc))

    async def _upload(
        self,
        channel: UnlockedChannel,
        progress: Progress,
        path: str,
        url: str,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        data, name, content_type = await fetch_image(self.http(), url)
        await progress.step()  # the fetch may have taken a while
        return await self._call(
            channel, path, params=params, files={"media": (name, data, content_type)}
        )

    async def draft(
        self,
        channel: UnlockedChannel,
        rendered: Rendered,
        progress: Progress,
        media: list[MediaReference],
    ) -> DeliveryResult | None:
        """Steps 1-3: the cover, the body images and the draft (`draft_media_id`), each
        once; a rejection when the post cannot become a draft, None when it is one.
        The post's library images (`media`, in order) come first: the first is the cover
        (`wechat_media`); an outside `cover_url` serves only a post without them."""
        if not progress.data.get("thumb_media_id"):
            if media:
                thumb = await library_cover(self, channel, progress, media[0])
            elif rendered.cover_url:
                cover = await self._upload(
                    channel,
                    progress,
                    "/cgi-bin/material/add_material",
                    rendered.cover_url,
                    {"type": "image"},
                )
                thumb = str(cover["media_id"])
            else:
                return DeliveryResult.rejected("cover_missing", "WeChat needs a cover image")
            await progress.save(thumb_media_id=thumb)
        shown = in_article(rendered.body, media)
        library_hosted = await host_article_images(self, channel, progress, shown)
        library_urls = {medium.url for medium in media}
        images: dict[str, str] = dict(progress.data.get("images") or {})
        for url in rendered.images:
            if url not in images and url not in library_urls:
                hosted = await self._upload(channel, progress, "/cgi-bin/media/uploadimg", url)
                images[url] = str(hosted["url"])
                await progress.save(images=dict(images))
        if not progress.data.get("draft_media_id"):
            content = with_hosted_images(rendered.body, shown, library_hosted)
            for old, new in images.items():
                content = content.replace(f'src="{old}"', f'src="{new}"')
                content = content.replace(f'src="{old.replace("&", "&amp;")}"', f'src="{new}"')
            article: dict[str, Any] = {
                "title": rendered.title,
                "author": rendered.author or "",
                "digest": rendered.summary or "",
                "content": content,
                "content_source_url": rendered.link or "",
                "thumb_media_id": progress.data["thumb_media_id"],
                "need_open_comment": int(bool(channel.config.get("need_open_comment"))),
                "only_fans_can_comment": int(bool(channel.config.get("only_fans_can_comment"))),
            }
            await progress.step()
            draft = await self._call(channel, "/cgi-bin/draft/add", json={"articles": [article]})
            await progress.save(draft_media_id=str(draft["media_id"]))
        return None

    async def _publish(
        self,
        channel: UnlockedChannel,
        rendered: Rendered,
        progress: Progress,
        media: list[MediaReference],
    ) -> DeliveryResult:
        refused = await self.draft(channel, rendered, progress, media)
        if refused is not None:
            return refused
        resumed = bool(progress.data.get("submit_started_at"))
        if resumed:
            # A previous attempt sent the submit and died before storing the answer.
            found = await self._find_published(channel, rendered, progress)
            if found is not None:
                return found
            taken = progress.data.get("submit_taken_at")
            if taken:
                return self._still_publishing(datetime.fromisoformat(str(taken)))
            await progress.step()
        else:
            await progress.save(submit_started_at=utcnow().isoformat())
        try:
            submitted = await self._call(
                channel,
                "/cgi-bin/freepublish/submit",
                json={"media_id": progress.data["draft_media_id"]},
            )
        except WechatError as exc:
            if resumed and exc.code == DRAFT_UNKNOWN:
                # The draft has left the draft box: the interrupted submit took it, and
                # WeChat is publishing it. Look for the article, never submit it again.
                taken_at = utcnow()
                await progress.save(submit_taken_at=taken_at.isoformat())
                return self._still_publishing(taken_at)
            if not resumed:
                # WeChat answered, and refused: nothing was submitted (the distribution may
                # be cancelled while it waits, e.g. for the quota).
                await progress.save(submit_started_at=None)
            raise
        publish_id = str(submitted["publish_id"])
        # The datacube names the send by `msg_data_id` (`msgid` `<msg_data_id>_<n>`).
        await progress.save(
            publish_id=publish_id, msg_data_id=str(submitted.get("msg_data_id") or "")
        )
        return DeliveryResult.submitted(
            external_id=publish_id, check_after_seconds=self.confirm_poll_seconds
        )

    def _still_publishing(self, taken_at: datetime) -> DeliveryResult:
        """Submitted, its `publish_id` lost with the interrupted attempt: confirmed by
        finding the article among the published ones (`_find_published`). An article that
        does not appear in time (refused in review, or the draft deleted by hand) is for
        an operator to look for in the WeChat console."""
        if utcnow() - taken_at > TAKEN_DRAFT_WAIT:
            return DeliveryResult.rejected(
                "wechat_publish_unconfirmed",
                "WeChat took the draft for publishing after an interruption, but no article "
                f"appeared within {TAKEN_DRAFT_WAIT.total_seconds() / 60:.0f} minutes: check "
                "the account's publishing records in the WeChat console (it may have been "
                "refused in review) before sending it again",
            )
        return DeliveryResult.submitted(
            external_id="", check_after_seconds=self.confirm_poll_seconds
        )

    async def _find_published(
        self, channel: UnlockedChannel, rendered: Rendered, progress: Progress
    ) -> DeliveryResult | None:
        started = datetime.fromisoformat(str(progress.data["submit_started_at"]))
        listing = await self._call(
            channel,
            "/cgi-bin/freepublish/batchget",
            json={"offset": 0, "count": 20, "no_content": 1},
        )
        for item in listing.get("item") or []:
            if float(item.get("update_time") or 0) < started.timestamp() - 5:
                continue
            for news in (item.get("content") or {}).get("news_item") or []:
                if news.get("title") == rendered.title and news.get(
                    "thumb_media_id"
                ) == progress.data.get("thumb_media_id"):
                    article_id = str(item.get("article_id"))
                    await progress.save(article_id=article_id)
                    return DeliveryResult.delivered(
                        external_id=article_id, url=str(news.get("url") or "") or None
                    )
        return None

    async def confirm(
        self, distribution: Distribution, channel: UnlockedChannel, *, progress: Progress
    ) -> DeliveryResult:
        if progress.data.get(MASS_MSG_ID):
            return await mass_confirm(self, channel, progress)
        publish_id = progress.data.get("publish_id")
        if not publish_id:
            return DeliveryResult.rejected("not_submitted", "nothing was submitted to WeChat")
        try:
            body = await self._call(
                channel, "/cgi-bin/freepublish/get", json={"publish_id": publish_id}
            )
        except (WechatError, Unreachable) as exc:
            return self.judge(exc)
        result = publish_result(
            {"publish_id": publish_id, **body}, poll_seconds=self.confirm_poll_seconds
        )
        if result.outcome is Outcome.DELIVERED:
            await progress.save(article_id=str(body.get("article_id") or ""))
        return result


def publish_result(body: dict[str, Any], *, poll_seconds: float = 0.0) -> DeliveryResult:
    """What a `freepublish` result says, whether polled (`freepublish/get`) or pushed
    (the `PUBLISHJOBFINISH` event, `callbacks.service`): one reading for both."""
    status = int(body.get("publish_status", 1))
    if status == 0:
        article_id = str(body.get("article_id") or "")
        items = (body.get("article_detail") or {}).get("item") or []
        url = str(items[0].get("article_url") or "") if items else ""
        return DeliveryResult.delivered(external_id=article_id or None, url=url or None)
    if status == 1:
        return DeliveryResult.submitted(
            external_id=str(body.get("publish_id") or ""), check_after_seconds=poll_seconds
        )
    words = PUBLISH_STATUSES.get(status, f"WeChat reported publish status {status}")
    fail_idx = body.get("fail_idx")
    if fail_idx:
        words += f" (articles {fail_idx})"
    if status in (5, 6):
        code = "deleted_after_publishing" if status == 5 else "banned_after_publishing"
        return DeliveryResult.taken_down(code, words)
    return DeliveryResult.rejected(f"wechat_publish_status_{status}", words)
