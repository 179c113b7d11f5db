"""The `weibo` platform: one status per post through `statuses/share.json`.

A kill between sending the status and storing Weibo's answer would send it twice; Weibo
itself refuses the same text again as repeated content (20019). So the adapter records
that it is about to send, and when a later attempt gets 20019 it looks the status up in
the account's timeline and records it as delivered, instead of failing or sending again.
"""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from event_contracts import PostPublishedV1
from servicekit.db import utcnow
from servicekit.urlguard import UnsafeURL, guarded_client

from channel_svc.adapters.base import DeliveryResult, MemoryProgress, Progress, UnlockedChannel
from channel_svc.adapters.common import (
    CREDENTIAL_DESTINATION,
    checked_base_url,
    next_hour,
    refuse_plain_http,
)
from channel_svc.adapters.shapes import WeiboConfig, WeiboCredentials, validated
from channel_svc.models import Distribution
from channel_svc.rendering.render import Rendered
from channel_svc.telemetry import platform_call

log = structlog.get_logger(__name__)

TOKEN_ERRORS = {21301, 21314, 21315, 21316, 21317, 21327, 21332}
RATE_ERRORS = {10022, 10023, 10024, 20016}
TRANSIENT_ERRORS = {10001, 10002, 10009}
REPEATED = 20019

ERRORS: dict[int, str] = {
    10001: "Weibo had a system error",
    10002: "Weibo's service is unavailable",
    10009: "Weibo has too many pending tasks",
    10022: "too many requests from this IP address",
    10023: "the account's request limit is spent",
    10024: "the account's posting limit for this API is spent (about 30 posts an hour)",
    20012: "the text is over 140 characters",
    20016: "posting too fast",
    20017: "the text is too similar to a recent status",
    20019: "Weibo refused the text as repeated content (the same text was posted before)",
    20021: "Weibo refused the content (a link outside the app's safe domain, or an illegal word)",
    21301: "authorisation failed",
    21314: "the access token was already used",
    21315: "the access token expired",
    21316: "the access token was revoked",
    21317: "the access token was rejected",
    21327: "the access token expired",
    21332: "the access token is invalid",
}


class WeiboError(Exception):
    def __init__(self, code: int, error: str) -> None:
        meaning = ERRORS.get(code)
        said = f"Weibo error {code}" + (f" ({error})" if error else "")
        super().__init__(f"{said}: {meaning}" if meaning else said)
        self.code = code


class Unreachable(Exception):
    pass


class WeiboAdapter:
    platform = "weibo"
    credential_destination = CREDENTIAL_DESTINATION

    def __init__(self, *, timeout_seconds: float, allow_private: bool) -> None:
        self.timeout_seconds = timeout_seconds
        self.allow_private = allow_private
        self._client: httpx.AsyncClient | None = None
        # Tokens refreshed during this process, by channel, until the worker stores them.
        self._refreshed: dict[str, dict[str, Any]] = {}

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = guarded_client(
                allow_private=self.allow_private,
                timeout=self.timeout_seconds,
                follow_redirects=False,
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def check_config(self, config: dict[str, Any]) -> dict[str, Any]:
        checked = validated(WeiboConfig, config, "config")
        checked.base_url = await checked_base_url(
            checked.base_url, allow_private=self.allow_private
        )
        return checked.model_dump()

    def check_credentials(self, credentials: dict[str, Any]) -> dict[str, Any]:
        return validated(WeiboCredentials, credentials, "credentials").model_dump(exclude_none=True)

    async def _request(
        self,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        with platform_call(self.platform, url):
            return await self._request_once(method, url, data=data, params=params)

    async def _request_once(
        self,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        try:
            refuse_plain_http(url, allow_private=self.allow_private)
            response = await self._http().request(method, url, data=data, params=params)
        except UnsafeURL as exc:
            raise WeiboError(0, f"base URL refused: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise Unreachable(f"Weibo did not answer within {self.timeout_seconds:g} s") from exc
        except httpx.HTTPError as exc:
            raise Unreachable(f"Weibo unreachable: {type(exc).__name__}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        # Parse the body whatever the HTTP status: Weibo sends error_code with 400/403 too.
        if isinstance(body, dict) and body.get("error_code"):
            raise WeiboError(int(body["error_code"]), str(body.get("error") or ""))
        if response.status_code >= 500 or body is None:
            raise Unreachable(f"Weibo answered HTTP {response.status_code}")
        if response.status_code >= 400:
            raise WeiboError(0, f"HTTP {response.status_code}")
        return body

    def _credentials(self, channel: UnlockedChannel) -> dict[str, Any]:
        return {**channel.credentials(), **self._refreshed.get(channel.id, {})}

    async def _refresh(self, channel: UnlockedChannel) -> dict[str, Any] | None:
        creds = self._credentials(channel)
        if not (creds.get("refresh_token") and creds.get("app_key") and creds.get("app_secret")):
            return None
        body = await self._request(
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

    async def send(
        self,
        distribution: Distribution,
        channel: UnlockedChannel,
        snapshot: PostPublishedV1,
        *,
        rendered: Rendered | None = None,
        progress: Progress | None = None,
    ) -> DeliveryResult:
        progress = progress or MemoryProgress()
        if rendered is None:
            return DeliveryResult.rejected("not_rendered", "the post was not rendered for Weibo")
        sent_before = bool(progress.data.get("share_started_at"))
        await progress.save(share_started_at=utcnow().isoformat())
        base = str(channel.config["base_url"])
        refreshed: dict[str, Any] | None = None
        try:
            for attempt in (1, 2):
                token = str(self._credentials(channel).get("access_token", ""))
                try:
                    status = await self._request(
                        "POST",
                        f"{base}/2/statuses/share.json",
                        data={"access_token": token, "status": rendered.body},
                    )
                    break
                except WeiboError as exc:
                    if exc.code in TOKEN_ERRORS and attempt == 1:
                        refreshed = await self._refresh(channel)
                        if refreshed is not None:
                            await progress.step()  # the share is sent again
                            continue
                        return DeliveryResult.reauth(f"weibo_{exc.code}", str(exc))
                    if exc.code == REPEATED and sent_before:
                        found = await self._find_sent(channel, rendered.body)
                        if found is not None:
                            return self._with(found, refreshed)
                    raise
        except WeiboError as exc:
            return self._with(self._judge(exc), refreshed)
        except Unreachable as exc:
            return self._with(DeliveryResult.retry("unreachable", str(exc)), refreshed)
        uid = str(self._credentials(channel).get("uid", ""))
        idstr = str(status.get("idstr") or status.get("id"))
        return self._with(
            DeliveryResult.delivered(external_id=idstr, url=f"https://weibo.com/{uid}/{idstr}"),
            refreshed,
        )

    def _with(self, result: DeliveryResult, refreshed: dict[str, Any] | None) -> DeliveryResult:
        if refreshed is None:
            return result
        return DeliveryResult(
            result.outcome,
            result.code,
            result.message,
            external_id=result.external_id,
            url=result.url,
            defer_until=result.defer_until,
            credentials_update=refreshed,
        )

    async def _find_sent(self, channel: UnlockedChannel, text: str) -> DeliveryResult | None:
        creds = self._credentials(channel)
        body = await self._request(
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

    @staticmethod
    def _judge(exc: WeiboError) -> DeliveryResult:
        code = f"weibo_{exc.code}"
        if exc.code in TRANSIENT_ERRORS:
            return DeliveryResult.retry(code, str(exc))
        if exc.code in TOKEN_ERRORS:
            return DeliveryResult.reauth(code, f"{exc} (still refused after a refresh)")
        if exc.code in RATE_ERRORS:
            return DeliveryResult.deferred(code, str(exc), until=next_hour())
        return DeliveryResult.rejected(code, str(exc))
