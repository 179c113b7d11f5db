"""Every problem `type` resolves to a page the gateway serves, and the gateway's own
problems speak the caller's language and name the request."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import pytest
from servicekit.problem_types import CATALOGUE

from tests.gateway.gateway_harness import Gateway, GatewayFactory


@pytest.fixture
async def gw(make_gateway: GatewayFactory) -> AsyncIterator[Gateway]:
    async with make_gateway() as gateway:
        yield gateway


async def test_every_type_in_the_catalogue_has_its_page_and_the_index_lists_them(
    gw: Gateway,
) -> None:
    index = await gw.client.get("/problems")
    assert index.status_code == 200
    for kind in CATALOGUE.values():
        page = await gw.client.get(kind.uri)
        assert page.status_code == 200, kind.slug
        assert page.headers["content-type"].startswith("text/html")
        for words in (kind.title_zh, kind.title, kind.summary_zh, kind.summary):
            assert html.escape(words, quote=True) in page.text, (kind.slug, words)
        assert f'href="{kind.uri}"' in index.text
    missing = await gw.client.get("/problems/no-such-thing")
    assert missing.status_code == 404


async def test_the_gateways_own_problem_in_chinese_names_its_request_and_its_page(
    gw: Gateway,
) -> None:
    answer = await gw.client.get(
        "/api/v1/operators", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    )
    assert answer.status_code == 401
    problem = answer.json()
    assert problem["type"] == "/problems/unauthorized"
    assert problem["title"] == "需要登录"
    assert answer.headers["content-language"] == "zh-CN"
    assert problem["instance"] == f"urn:mediaops:request:{answer.headers['x-request-id']}"
    assert (await gw.client.get(problem["type"])).status_code == 200
    english = await gw.client.get("/api/v1/operators")
    assert english.json()["title"] == "Authentication required"
    assert english.headers["content-language"] == "en"
