"""The pages mailed links open: every link in every mail the gateway sends leads to one of
them, each sends headers that keep its token to itself, and a token in the address never
becomes markup. (`test_gateway_pages_browser.py` fills them in, in a real browser.)"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from gateway.identity import mails
from gateway.mail.mailbox import message_names, newest_message, read_message, text_of
from gateway.pages.router import PATHS
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from servicekit.settings import SharedSettings

from tests.gateway.gateway_harness import PASSWORD, Gateway, GatewayFactory, bearer

PUBLIC_URL = "https://mediaops.example.com"
URL = re.compile(r"https?://\S+")  # what a mail client would make a link of


@pytest.fixture
async def gw(make_gateway: GatewayFactory, tmp_path: Path) -> AsyncIterator[Gateway]:
    shared = SharedSettings(environment="test", data_dir=tmp_path, public_url=PUBLIC_URL)
    async with make_gateway(shared=shared) as gateway:
        yield gateway


def _newest(gw: Gateway, to: str) -> EmailMessage:
    message = newest_message(gw.mail_dir, to)
    assert message is not None, f"no mail to {to}"
    return message


async def _every_kind_of_mail(gw: Gateway) -> list[EmailMessage]:
    """Make the gateway send each mail it can send: the messages, oldest first."""
    await gw.signup("ada@example.com")  # the confirmation
    await gw.client.post(  # the address has an account
        "/api/v1/auth/signup",
        json={"workspace_name": "Again", "email": "ada@example.com", "password": PASSWORD},
    )
    await gw.client.post("/api/v1/auth/password/forgot", json={"email": "ada@example.com"})
    token = mails.reset_token(_newest(gw, "ada@example.com"))
    reset = await gw.client.post(  # the password was changed
        "/api/v1/auth/password/reset", json={"token": token, "password": PASSWORD + "!"}
    )
    assert reset.status_code == 204, reset.text
    owner = await gw.login("ada@example.com", PASSWORD + "!")
    invited = await gw.client.post(
        "/api/v1/operators",
        json={"email": "bob@example.com", "role": "editor"},
        headers=bearer(owner),
    )
    assert invited.status_code == 201, invited.text
    return [read_message(gw.mail_dir / name) for name in message_names(gw.mail_dir)]


async def test_every_link_in_every_mail_opens_a_page(gw: Gateway) -> None:
    messages = await _every_kind_of_mail(gw)

    assert {mails.kind_of(m) for m in messages} == set(mails.KINDS)
    for message in messages:
        links = URL.findall(text_of(message))
        assert links, f"{mails.kind_of(message)} has no link"
        for link in links:
            assert link.startswith(PUBLIC_URL + "/"), link
            parts = urlsplit(link)
            opened = await gw.client.get(f"{parts.path}?{parts.query}")
            assert opened.status_code == 200, (mails.kind_of(message), link, opened.text)
            assert opened.headers["content-type"] == "text/html; charset=utf-8"
            assert "<form" in opened.text


async def test_opening_a_confirmation_link_confirms_nothing(gw: Gateway) -> None:
    """Mail scanners and link previews open links: only the page's button confirms."""
    await gw.client.post(
        "/api/v1/auth/signup",
        json={"workspace_name": "Desk", "email": "ada@example.com", "password": PASSWORD},
    )
    link = urlsplit(URL.findall(text_of(_newest(gw, "ada@example.com")))[0])

    for method in ("GET", "HEAD"):
        opened = await gw.client.request(method, f"{link.path}?{link.query}")
        assert opened.status_code == 200
    signed_in = await gw.client.post(
        "/api/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD}
    )
    token = link.query.removeprefix("token=")
    confirmed = await gw.client.post("/api/v1/auth/signup/confirm", json={"token": token})

    assert signed_in.status_code == 401
    assert confirmed.status_code == 201


@pytest.mark.parametrize("path", PATHS)
async def test_pages_keep_their_token_to_themselves(gw: Gateway, path: str) -> None:
    page = await gw.client.get(f"{path}?token=msu_abcdefghijklmnopqrstuvwxyz")
    head = await gw.client.head(f"{path}?token=msu_abcdefghijklmnopqrstuvwxyz")

    assert page.status_code == head.status_code == 200
    assert head.content == b""
    for answer in (page, head):
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in page.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert policy["form-action"] == "'none'"
    assert policy["base-uri"] == "'none'"
    # The one script and the one style the page holds are exactly the ones allowed.
    (script,) = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    (style,) = re.findall(r"<style>(.*?)</style>", page.text, re.DOTALL)
    assert policy["script-src"] == _sha256(script)
    assert policy["style-src"] == _sha256(style)
    assert "<script src" not in page.text
    assert "<link" not in page.text
    assert path not in gw.app.openapi()["paths"]


@pytest.mark.parametrize(
    "token",
    [
        '"><script>alert(1)</script>',
        'msu_x" autofocus onfocus="alert(1)',
        "</script><script>alert(1)</script>",
        "msu_abc<img src=x onerror=alert(1)>",
        "msu_" + "a" * 300,
    ],
)
@pytest.mark.parametrize("path", ["/signup/confirm", "/password/reset", "/invitations/accept"])
async def test_a_token_in_the_address_never_becomes_markup(
    gw: Gateway, path: str, token: str
) -> None:
    page = await gw.client.get(f"{path}?token={quote(token)}")

    assert page.status_code == 400
    assert "This link is incomplete" in page.text
    assert "<form" not in page.text
    assert token not in page.text
    assert "alert(1)" not in page.text
    assert page.text.count("<script>") == 1  # the page's own


async def test_a_good_token_is_carried_into_the_form(gw: Gateway) -> None:
    page = await gw.client.get("/invitations/accept?token=moi_AZaz09-_")

    assert '<input type="hidden" name="token" value="moi_AZaz09-_">' in page.text


@pytest.mark.parametrize("path", ["/signup/confirm", "/password/reset", "/invitations/accept"])
async def test_a_link_without_its_token_says_so(gw: Gateway, path: str) -> None:
    for query in ("", "?token=", "?other=1"):
        page = await gw.client.get(path + query)

        assert page.status_code == 400
        assert "链接不完整" in page.text
        assert "Open the link from the mail again" in page.text


async def test_the_forgotten_password_page_needs_no_token(gw: Gateway) -> None:
    page = await gw.client.get("/password/forgot")

    assert page.status_code == 200
    assert 'type="email"' in page.text
    assert 'data-endpoint="../api/v1/auth/password/forgot"' in page.text


async def test_a_trace_never_records_a_pages_token(gw: Gateway) -> None:
    """A span records the whole address; exported traces must not carry the token."""
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    sampled = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}
    try:
        for path in PATHS:
            await gw.client.get(f"{path}?token=msu_secretsecretsecret", headers=sampled)
        await gw.client.get("/.well-known/jwks.json?probe=msu_traced", headers=sampled)
        recorded = str([dict(span.attributes or {}) for span in exporter.get_finished_spans()])
    finally:
        exporter.shutdown()  # the provider is the process's: stop keeping its spans

    assert "msu_traced" in recorded  # the other requests are traced, whole address and all
    assert "msu_secret" not in recorded


def _sha256(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"
