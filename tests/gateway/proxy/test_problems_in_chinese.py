"""Operators read Chinese: with `Accept-Language: zh-CN` (or `zh` with q-values), the
problems real endpoints answer through the gateway (a 404, a 422 naming the field, a 403,
a 409) have Chinese `title` and `detail`, keep field names as they are, name the request
in `instance` and a type whose page the gateway serves."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from devstack.broker import Broker

from tests.gateway.gateway_harness import PASSWORD, bearer, sign_up
from tests.gateway.platform_harness import running_platform

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN"}
ZH_Q = {"Accept-Language": "zh;q=0.9, en;q=0.8"}


@pytest.fixture
async def client(tmp_path: Any, broker: Broker) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        running_platform(tmp_path, broker.bootstrap, services=("content",)) as platform,
        httpx.AsyncClient(base_url=platform.gateway_url, timeout=20, trust_env=False) as client,
    ):
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        await sign_up(client, platform.settings.mail_directory, email=email)
        login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        client.headers.update(bearer(login.json()["access_token"]))
        yield client


async def chinese_problem(client: httpx.AsyncClient, answer: httpx.Response) -> dict[str, Any]:
    problem: dict[str, Any] = answer.json()
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["content-language"] == "zh-CN"
    assert CHINESE.search(problem["title"]), problem
    assert CHINESE.search(problem["detail"]), problem
    assert problem["instance"] == f"urn:mediaops:request:{answer.headers['x-request-id']}"
    assert (await client.get(problem["type"])).status_code == 200  # its page
    return problem


async def test_real_endpoints_answer_their_problems_in_chinese(client: httpx.AsyncClient) -> None:
    missing = await client.get(f"/api/v1/posts/{uuid.uuid4()}", headers=ZH)
    assert missing.status_code == 404
    assert (await chinese_problem(client, missing))["title"] == "未找到"

    invalid = await client.post("/api/v1/posts", json={"title": 5}, headers=ZH_Q)
    assert invalid.status_code == 422
    problem = await chinese_problem(client, invalid)
    fields = {error["field"]: error["message"] for error in problem["errors"]}
    assert set(fields) == {"title", "body_markdown"}  # the names stay as they are
    assert fields["body_markdown"] == "必填字段"
    assert CHINESE.search(fields["title"])
    assert "body_markdown：必填字段" in problem["detail"]

    draft = await client.post("/api/v1/posts", json={"title": "草稿", "body_markdown": "正文"})
    assert draft.status_code == 201, draft.text
    conflict = await client.post(  # a draft not submitted for review cannot be approved
        f"/api/v1/posts/{draft.json()['id']}/approve", json={"version": 1}, headers=ZH
    )
    assert conflict.status_code == 409
    assert (await chinese_problem(client, conflict))["title"] == "冲突"

    created = await client.post(
        "/api/v1/api-keys", json={"name": "reader", "scopes": ["content:read"]}
    )
    assert created.status_code == 201, created.text
    reader = {"X-API-Key": created.json()["key"], "Authorization": "", **ZH}
    refused = await client.post(
        "/api/v1/posts", json={"title": "t", "body_markdown": "b"}, headers=reader
    )
    assert refused.status_code == 403
    problem = await chinese_problem(client, refused)
    assert problem["title"] == "没有权限"
    assert "content:write" in problem["detail"]

    english = await client.get(f"/api/v1/posts/{uuid.uuid4()}")
    assert english.json()["title"] == "Not found"
    assert not CHINESE.search(english.json()["detail"])
