"""The `weibo` platform: one status per post through `statuses/share.json`, with the
post's first library image (or, without one, its cover) as the status's picture.

A kill between sending the status and storing Weibo's answer would send it twice; Weibo
itself refuses the same text again as repeated content (20019). So the adapter records
that it is about to send, and when a later attempt gets 20019 it looks the status up in
the account's timeline and records it as delivered, instead of failing or sending again.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx
import structlog
from event_contracts import MediaReference
from servicekit.db import utcnow

from channel_svc.adapters.base import Delivery, DeliveryResult, UnlockedChannel
from channel_svc.adapters.common import ImageUnavailable, fetch_image, next_hour
from channel_svc.adapters.fitting import fitted
from channel_svc.adapters.http import PlatformApi, PlatformError, Unreachable
from channel_svc.adapters.media import fetch_medium, file_name, library_images
from channel_svc.adapters.shapes import WeiboConfig, WeiboCredentials

log = structlog.get_logger(__name__)

TOKEN_ERRORS = frozenset({21301, 21314, 21315, 21316, 21317, 21327, 21332})
RATE_ERRORS = frozenset({10022, 10023, 10024, 20016})
TRANSIENT_ERRORS = frozenset({10001, 10002, 10009})
REPEATED = 20019
PICTURE_TYPES = (  # what a picture's first bytes say it is
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
PICTURE_MAX_BYTES = 5 * 1024 * 1024

ERRORS: dict[int, str] = {
    10001: "Weibo had a system error",
    10002: "Weibo's service is unavailable",
    10009: "Weibo has too many pending tasks",
    10022: "too many requests from this IP address",
    10023: "the account's request limit is spent",
    10024: "the account's posting limit for this API is spent (about 30 posts an hour)",
    20005: "Weibo takes JPEG, GIF or PNG pictures only",
    20006: "the picture is too large for Weibo (5 MB at most)",
    20012: "the text is over 140 characters",
    20016: "posting too fast",
    20017: "the text is too similar to a recent status",
    20019: "Weibo refused the text as repeated content (the same text was posted before)",
    20021: "Weibo refused the content (a link outside the app's safe domain, or an illegal word)",
    20101: "the status no longer exists on Weibo",
    20206: "the comment no longer exists on Weibo",
    21301: "authorisation failed",
    21314: "the access token was already used",
    21315: "the access token expired",
    21316: "the access token was revoked",
    21317: "the access token was rejected",
    21327: "the access token expired",
    21332: "the access token is invalid",
}


class WeiboError(PlatformError):
    platform_name = "Weibo"
    meanings = ERRORS


class WeiboAdapter(PlatformApi):
    platform = "weibo"
    error = WeiboError
    code_prefix = "weibo"
    config_model = WeiboConfig
    credentials_model = WeiboCredentials
    transient_errors = TRANSIENT_ERRORS
    token_errors = TOKEN_ERRORS
    quota_errors = RATE_ERRORS

    def __init__(self, *, timeout_seconds: float, allow_private: bool) -> None:
        super().__init__(timeout_seconds=timeout_seconds, allow_private=allow_private)
        # Tokens refreshed during this process, by channel, until the worker stores them.
        self._refreshed: dict[str, dict[str, Any]] = {}

    def read(self, response: httpx.Response) -> Any:
        """Weibo answers errors as `error_code` in a JSON object, with 400 or 403 too: the
        body is read whatever the HTTP status."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("error_code"):
            raise WeiboError(int(body["error_code"]), str(body.get("error") or ""))
        if response.status_code >= 500 or body is None:
            raise Unreachable(f"Weibo answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise WeiboError(0, f"HTTP {response.status_code}")
        return body

    def quota_resets(self) -> datetime:
        # The posting limits are per hour.
        return next_hour()

    def _credentials(self, channel: UnlockedChannel) -> dict[str, Any]:
        return {**channel.credentials(), **self._refreshed.get(channel.id, {})}

    async def _refresh(self, channel: UnlockedChannel) -> dict[str, Any] | None:
        creds = self._credentials(channel)
        if not (creds.get("refresh_token") and creds.get("app_key") and creds.get("app_secret")):
            return None
        body = await self.request(
            "POST",
            f"{channel.config['base_url']}/oauth2/access_token",
            data={
                "client_id": str(creds["app_key"]),
                "client_secret": str(creds["app_secret"]),
                "grant_type": "refresh_token",
                "refresh_token": str(creds["refresh_token"]),
            },
        )
        update = {"access_token": str(body["access_token"])}
        if body.get("refresh_token"):
            update["refresh_token"] = str(body["refresh_token"])
        self._refreshed[channel.id] = update
        return update

    async def send(self, delivery: Delivery) -> DeliveryResult:
        channel, rendered, progress = delivery.channel, delivery.rendered, delivery.progress
        if rendered is None:
            return DeliveryResult.rejected("not_rendered", "the post was not rendered for Weibo")
        sent_before = bool(progress.data.get("share_started_at"))
        if sent_before:
            # An attempt that died may have posted it: look first (its picture, fetched
            # again, might no longer be there, and the status is out all the same).
            try:
                found = await self._find_sent(channel, rendered.body)
            except (WeiboError, Unreachable) as exc:
                return self.judge(exc)
            if found is not None:
                return found
        try:
            picture = await self._picture(delivery)
        except ImageUnavailable as exc:
            if exc.transient:
                return DeliveryResult.retry("image_unavailable", str(exc))
            return DeliveryResult.rejected("image_unavailable", str(exc))
        await progress.save(share_started_at=utcnow().isoformat())
        base = str(channel.config["base_url"])
        refreshed: dict[str, Any] | None = None
        try:
            for attempt in (1, 2):
                token = str(self._credentials(channel).get("access_token", ""))
                try:
                    status = await self.request(
                        "POST",
                        f"{base}/2/statuses/share.json",
                        data={"access_token": token, "status": rendered.body},
                        files={"pic": picture} if picture is not None else None,
                    )
                    break
                except WeiboError as exc:
                    if exc.code in TOKEN_ERRORS and attempt == 1:
                        refreshed = await self._refresh(channel)
                        if refreshed is not None:
                            await progress.step()  # the share is sent again
                            continue
                        await progress.save(share_started_at=None)  # refused: not posted
                        return DeliveryResult.reauth(f"weibo_{exc.code}", str(exc))
                    if exc.code == REPEATED and sent_before:
                        found = await self._find_sent(channel, rendered.body)
                        if found is not None:
                            return self._with(found, refreshed)
                    raise
        except WeiboError as exc:
            if not (exc.code == REPEATED and sent_before):
                # Weibo answered, and refused: nothing was posted (the distribution may be
                # cancelled while it waits, e.g. for the hourly limit).
                await progress.save(share_started_at=None)
            return self._with(self.judge(exc), refreshed)
        except Unreachable as exc:
            return self._with(self.judge(exc), refreshed)
        uid = str(self._credentials(channel).get("uid", ""))
        idstr = str(status.get("idstr") or status.get("id"))
        return self._with(
            DeliveryResult.delivered(external_id=idstr, url=f"https://weibo.com/{uid}/{idstr}"),
            refreshed,
        )

    async def _picture(self, delivery: Delivery) -> tuple[str, bytes, str] | None:
        """The status's picture: the post's first library image, else its cover (none: a
        text status). Raises `ImageUnavailable` for a cover Weibo does not take (JPEG,
        GIF, PNG under 5 MB) or a library image that is not what its reference says."""
        images = library_images(delivery.snapshot)
        if images:
            return await self._library_picture(images[0])
        url = delivery.rendered.cover_url if delivery.rendered else None
        if not url:
            return None
        data, name, _ = await fetch_image(self.http(), url)
        # By its bytes: servers name one type many ways (image/JPEG, image/jpg ...).
        content_type = next((kind for magic, kind in PICTURE_TYPES if data.startswith(magic)), None)
        if content_type is None:
            raise ImageUnavailable(
                f"Weibo takes JPEG, GIF or PNG pictures; {url} is none of them", transient=False
            )
        if len(data) >= PICTURE_MAX_BYTES:
            raise ImageUnavailable(
                f"Weibo takes pictures under 5 MB; {url} is {len(data) / 1e6:.1f} MB",
                transient=False,
            )
        return name, data, content_type

    async def _library_picture(self, medium: MediaReference) -> tuple[str, bytes, str]:
        """The library image, checked against its reference (its format before sending,
        by the catalogue's media rules), re-encoded when it is 5 MB or more."""
        data = await fetch_medium(self.http(), medium)
        data, content_type = await fitted(
            data,
            medium.content_type,
            types=frozenset(kind for _, kind in PICTURE_TYPES),
            max_bytes=PICTURE_MAX_BYTES - 1,
            name=f"library image {medium.media_id}",
        )
        return file_name(medium, content_type), data, content_type

    async def read_api(self, channel: UnlockedChannel, path: str, **params: str) -> Any:
        """An authenticated read (`/2/statuses/count.json` ...); raises `WeiboError` (rate
        limits 10022-10024, expired token) or `Unreachable`."""
        creds = self._credentials(channel)
        return await self.request(
            "GET",
            f"{channel.config['base_url']}{path}",
            params={"access_token": str(creds.get("access_token", "")), **params},
        )

    async def reply_comment(
        self, channel: UnlockedChannel, cid: str, status_id: str, text: str
    ) -> tuple[str, dict[str, Any] | None]:
        """A reply to a reader's comment on one of our statuses: the reply's id, and the
        token refreshed on the way (for the caller to store), if any. Raises `WeiboError`
        or `Unreachable`."""
        refreshed: dict[str, Any] | None = None
        for attempt in (1, 2):
            token = str(self._credentials(channel).get("access_token", ""))
            try:
                body = await self.request(
                    "POST",
                    f"{channel.config['base_url']}/2/comments/reply.json",
                    data={"access_token": token, "cid": cid, "id": status_id, "comment": text},
                )
            except WeiboError as exc:
                if exc.code in TOKEN_ERRORS and attempt == 1:
                    refreshed = await self._refresh(channel)
                    if refreshed is not None:
                        continue
                raise
            return str(body.get("idstr") or body.get("id")), refreshed
        raise AssertionError("unreachable")

    def uid(self, channel: UnlockedChannel) -> str:
        return str(self._credentials(channel).get("uid", ""))

    @staticmethod
    def _with(result: DeliveryResult, refreshed: dict[str, Any] | None) -> DeliveryResult:
        """`result`, carrying the token refreshed on the way for the worker to store."""
        return result if refreshed is None else replace(result, credentials_update=refreshed)

    async def _find_sent(self, channel: UnlockedChannel, text: str) -> DeliveryResult | None:
        creds = self._credentials(channel)
        body = await self.request(
            "GET",
            f"{channel.config['base_url']}/2/statuses/user_timeline.json",
            params={
                "access_token": str(creds.get("access_token", "")),
                "uid": str(creds.get("uid", "")),
                "count": "50",
            },
        )
        for status in body.get("statuses") or []:
            if status.get("text") == text:
                idstr = str(status.get("idstr") or status.get("id"))
                uid = str(creds.get("uid", ""))
                log.info("weibo_status_found_after_restart", status_id=idstr)
                return DeliveryResult.delivered(
                    external_id=idstr, url=f"https://weibo.com/{uid}/{idstr}"
                )
        return None
