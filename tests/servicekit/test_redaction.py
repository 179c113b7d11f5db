"""One rule for the secrets that addresses carry, wherever an address is written down."""

from __future__ import annotations

import logging

import httpx
import pytest
from servicekit.logging import redact_library_logs
from servicekit.redaction import redact_path, redact_query, redact_url

SECRET = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential"
            f"&appid=wx0123456789abcdef&secret={SECRET}",
            "https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential"
            "&appid=wx0123456789abcdef&secret=REDACTED",
        ),
        (
            f"https://api.weixin.qq.com/cgi-bin/draft/add?access_token={SECRET}",
            "https://api.weixin.qq.com/cgi-bin/draft/add?access_token=REDACTED",
        ),
        (
            f"https://api.weibo.com/2/statuses/user_timeline.json?access_token={SECRET}&count=5",
            "https://api.weibo.com/2/statuses/user_timeline.json?access_token=REDACTED&count=5",
        ),
        (
            f"https://mediaops.example.com/password/reset?token={SECRET}",
            "https://mediaops.example.com/password/reset?token=REDACTED",
        ),
        (f"/signup/confirm?token={SECRET}", "/signup/confirm?token=REDACTED"),
        (
            f"/invitations/accept?lang=zh&token={SECRET}",
            "/invitations/accept?lang=zh&token=REDACTED",
        ),
        (f"http://gateway:8000/feeds/{SECRET}.xml", "http://gateway:8000/feeds/REDACTED.xml"),
        (f"/api/v1/feeds/{SECRET}.xml?format=atom", "/api/v1/feeds/REDACTED.xml?format=atom"),
        (
            f"https://hooks.example.com/in?client_secret={SECRET}&X-Api-Key={SECRET}&sign={SECRET}",
            "https://hooks.example.com/in?client_secret=REDACTED&X-Api-Key=REDACTED&sign=REDACTED",
        ),
        (
            f"smtp://mailer:{SECRET}@mail.example.com:587",
            "smtp://mailer:REDACTED@mail.example.com:587",
        ),
        (f"https://{SECRET}@git.example.com/x", "https://REDACTED@git.example.com/x"),
        # Public or harmless: kept as they are.
        ("/l/Ab3dE9?utm_source=weibo", "/l/Ab3dE9?utm_source=weibo"),
        ("/api/v1/feeds", "/api/v1/feeds"),
        ("/api/v1/posts?limit=20&cursor=abc", "/api/v1/posts?limit=20&cursor=abc"),
        (
            "https://news.example.cn/a/1?id=7&q=%E6%96%B0",
            "https://news.example.cn/a/1?id=7&q=%E6%96%B0",
        ),
    ],
)
def test_addresses_lose_their_secrets_and_keep_the_rest(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_parts_of_an_address_are_redacted_by_the_same_rule() -> None:
    assert redact_path(f"/feeds/{SECRET}.xml") == "/feeds/REDACTED.xml"
    assert redact_query(f"appid=wx1&secret={SECRET}") == "appid=wx1&secret=REDACTED"
    assert redact_query("token") == "token"  # a bare name carries no value


async def test_httpx_logs_each_request_without_its_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """httpx logs every request's whole URL at INFO, under the services' log level."""
    redact_library_logs()
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    with caplog.at_level(logging.INFO, logger="httpx"):
        async with httpx.AsyncClient(transport=transport) as client:
            await client.get("https://api.weixin.qq.com/cgi-bin/token", params={"secret": SECRET})
    [line] = [record.getMessage() for record in caplog.records if record.name == "httpx"]
    assert "/cgi-bin/token?secret=REDACTED" in line
    assert SECRET not in caplog.text
