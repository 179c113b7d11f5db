"""The pages mailed links open, used as a person would: a real headless Chromium opens the
link from the real mail, types, clicks, and reads what the page says; then the account is
signed in to through the API. The gateway is served over real HTTP at its public URL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from devstack.ports import free_port
from gateway.identity import mails
from gateway.mail.mailbox import newest_message, text_of
from servicekit.settings import SharedSettings

from tests.gateway.browser import Tab, open_tab, require_chromium
from tests.gateway.gateway_harness import PASSWORD, Gateway, GatewayFactory, bearer
from tests.gateway.platform_harness import serve

ADA = "ada@example.com"
STATUS = "document.getElementById('status')"
NEW_PASSWORD = "brand-new-Secret-5"


@dataclass
class Site:
    gw: Gateway
    url: str  # the public URL, where the browser finds it

    def link(self, to: str) -> str:
        """The link in the newest mail to `to`."""
        message = newest_message(self.gw.mail_dir, to)
        assert message is not None, f"no mail to {to}"
        (link,) = set(re.findall(r"https?://\S+", text_of(message)))  # in both languages
        assert link.startswith(self.url + "/")
        return link


@pytest.fixture
async def site(make_gateway: GatewayFactory, tmp_path: Path) -> AsyncIterator[Site]:
    require_chromium()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    shared = SharedSettings(environment="test", data_dir=tmp_path, public_url=url)
    # status_cache_seconds=0: a password change ends the sessions on the next request.
    async with (
        make_gateway(shared=shared, status_cache_seconds=0) as gw,
        serve(gw.app, port, lifespan="off"),
    ):
        yield Site(gw=gw, url=url)


@pytest.fixture
async def tab(tmp_path: Path) -> AsyncIterator[Tab]:
    async with open_tab(tmp_path / "chromium-profile") as opened:
        yield opened


async def _submit(tab: Tab) -> tuple[str, str]:
    """Press the form's button; what the page then says: ("ok" or "error", its words)."""
    await tab.evaluate(f"{STATUS}.className = ''")  # not what it said the time before
    await tab.click("button[type=submit]")
    await tab.wait_for(f"['ok', 'error'].includes({STATUS}.className)")
    kind = str(await tab.evaluate(f"{STATUS}.className"))
    return kind, await tab.text("#status")


async def test_a_sign_up_is_confirmed_on_the_page_the_mail_links_to(site: Site, tab: Tab) -> None:
    # What the workspace is called comes back in the API's answer: text, never markup.
    name = "星辰咖啡 <img src=x onerror=alert(1)>"
    await site.gw.client.post(
        "/api/v1/auth/signup",
        json={"workspace_name": name, "email": ADA, "password": PASSWORD},
    )
    link = site.link(ADA)

    await tab.goto(link)
    heading = await tab.text("h1")
    confirmed = await _submit(tab)
    await tab.goto(link)  # once more: the token is used up
    again = await _submit(tab)
    signed_in = await site.gw.login(ADA, PASSWORD)
    me = (await site.gw.client.get("/api/v1/auth/me", headers=bearer(signed_in))).json()

    assert "确认注册" in heading
    assert "Confirm your sign-up" in heading
    assert confirmed[0] == "ok", confirmed
    assert f"工作区「{name}」已创建" in confirmed[1]
    assert f"The workspace “{name}” is created, with {ADA} as its owner" in confirmed[1]
    assert again[0] == "error"
    assert "This confirmation link is invalid, expired or already used" in again[1]
    assert me["workspace"]["name"] == name
    assert me["operator"]["role"] == "owner"
    assert tab.complaints == []  # nothing refused by the policy, no script error


async def test_a_new_password_is_chosen_on_the_page_the_mail_links_to(site: Site, tab: Tab) -> None:
    await site.gw.signup(ADA)
    await site.gw.client.post("/api/v1/auth/password/forgot", json={"email": ADA})
    password = "input[name=password]"
    again = "input[data-same-as]"

    await tab.goto(site.link(ADA))
    await tab.type(password, NEW_PASSWORD)
    await tab.type(again, NEW_PASSWORD + "x")
    mismatch = await _submit(tab)
    for field in (password, again):  # a password the API refuses: its words are shown
        await tab.evaluate(f"document.querySelector('{field}').value = ''")
        await tab.type(field, "onlylowercaseletters")
    weak = await _submit(tab)
    for field in (password, again):
        await tab.evaluate(f"document.querySelector('{field}').value = ''")
        await tab.type(field, NEW_PASSWORD)
    changed = await _submit(tab)
    changed_mail = newest_message(site.gw.mail_dir, ADA)

    assert mismatch[0] == "error"
    assert "两次输入的密码不一致。" in mismatch[1]
    assert "The two passwords are not the same." in mismatch[1]
    assert weak[0] == "error"
    assert "password: must mix at least two kinds of characters" in weak[1]
    assert changed[0] == "ok", changed
    assert "Your password is changed, and every device was signed out." in changed[1]
    assert changed_mail is not None
    assert mails.kind_of(changed_mail) == mails.PASSWORD_CHANGED
    assert await site.gw.login(ADA, NEW_PASSWORD)
    old = await site.gw.client.post("/api/v1/auth/login", json={"email": ADA, "password": PASSWORD})
    assert old.status_code == 401
    assert tab.complaints == []


async def test_an_invitation_is_accepted_on_the_page_the_mail_links_to(
    site: Site, tab: Tab
) -> None:
    await site.gw.signup(ADA, workspace_name="星辰咖啡")
    owner = await site.gw.login(ADA)
    await site.gw.client.post(
        "/api/v1/operators",
        json={"email": "bob@example.com", "role": "reviewer"},
        headers=bearer(owner),
    )

    await tab.goto(site.link("bob@example.com"))
    await tab.type("input[name=display_name]", "李审核")
    await tab.type("input[name=password]", NEW_PASSWORD)
    await tab.type("input[data-same-as]", NEW_PASSWORD)
    joined = await _submit(tab)
    bob = await site.gw.login("bob@example.com", NEW_PASSWORD)
    me = (await site.gw.client.get("/api/v1/auth/me", headers=bearer(bob))).json()

    assert joined[0] == "ok", joined
    assert "You joined the workspace “星辰咖啡” as reviewer." in joined[1]
    assert me["operator"]["display_name"] == "李审核"
    assert me["operator"]["role"] == "reviewer"
    assert tab.complaints == []


async def test_a_forgotten_password_is_asked_for_on_its_page(site: Site, tab: Tab) -> None:
    await site.gw.signup(ADA)

    await tab.goto(f"{site.url}/password/forgot")
    await tab.type("input[name=email]", ADA)
    asked = await _submit(tab)
    message = newest_message(site.gw.mail_dir, ADA)

    assert asked[0] == "ok", asked
    assert "a link to choose a new password is on its way" in asked[1]
    assert message is not None
    assert mails.reset_token(message) is not None
    assert tab.complaints == []
