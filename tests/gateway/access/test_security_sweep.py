"""The security sweep: every operation of the merged OpenAPI document, through the gateway,
against the real service apps. It reads the document at run time, so a route a service adds
tomorrow is swept tomorrow without a change here.

For each protected operation: no token, `alg=none`, a foreign key, an expired token and a
disabled operator's token are 401; another workspace's ids are 404; an analyst cannot write
(403) and an owner is never refused; an API key whose scopes belong to other services is
403; `workspace_id` / `role` in a body change nothing. No answer is ever a 5xx.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from devstack.broker import Broker

from tests.gateway.gateway_harness import PASSWORD, sign_up
from tests.gateway.openapi_sweep import PARAM, Operation, body_for, fill, operations
from tests.gateway.platform_harness import Platform, running_platform

# The scopes an API key needs for each service's resources (servicekit.auth.SCOPES).
SERVICE_SCOPES = {
    "content-svc": {"content:read", "content:write"},
    "channel-svc": {"channels:read", "channels:write", "webhooks:manage"},
    "user-svc": {"community:read", "interactions:write"},
    "metrics-svc": {"stats:read", "stats:write", "conversions:write"},
    "gateway": set(),
}
ALL_SCOPES = set().union(*SERVICE_SCOPES.values())
# What anyone may call without a token; an operation joins this list only on purpose.
PUBLIC = {
    ("get", "/.well-known/jwks.json"),
    ("post", "/api/v1/auth/signup"),
    ("post", "/api/v1/auth/signup/confirm"),
    ("post", "/api/v1/auth/password/forgot"),
    ("post", "/api/v1/auth/password/reset"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/refresh"),
    ("post", "/api/v1/auth/invitations/accept"),
    ("get", "/api/v1/feeds/{token}.xml"),
    # A media file behind a signed, expiring link: the signature is the access.
    ("get", "/api/v1/media/{media_id}/file"),
}
# Identity operations any signed-in operator may use on themselves.
READ_ONLY_ACTIONS = {"preview"}
# What every signed-in operator may do for themselves, whatever their role.
SELF_SERVICE = {
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/auth/me"),
    ("get", "/api/v1/notifications/preferences"),
    ("patch", "/api/v1/notifications/preferences"),
}


@dataclass
class World:
    platform: Platform
    client: httpx.AsyncClient
    document: dict[str, Any]
    owner: dict[str, str] = field(default_factory=dict)
    roles: dict[str, dict[str, str]] = field(default_factory=dict)
    other_owner: dict[str, str] = field(default_factory=dict)
    other_workspace: str = ""
    workspace: str = ""
    owner_id: str = ""
    disabled: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)  # service -> key outside its scope
    ids: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def bad(self, operation: Operation, what: str, response: httpx.Response) -> None:
        self.problems.append(f"{operation}: {what}: {response.status_code} {response.text[:200]}")

    async def send(
        self, operation: Operation, headers: dict[str, str], *, body: Any = None, path: str = ""
    ) -> httpx.Response:
        url = path or fill(operation.path, self.ids)[0]
        kwargs: dict[str, Any] = {"headers": headers}
        if operation.method in ("post", "put", "patch"):
            kwargs["json"] = body if body is not None else body_for(operation, self.document)
        if "text/event-stream" in operation.spec["responses"].get("200", {}).get("content", {}):
            # A stream never ends: its answer is what the headers say (the body is not read).
            request = self.client.build_request(operation.method.upper(), url, **kwargs)
            response = await self.client.send(request, stream=True)
            await response.aclose()
            return response
        return await self.client.request(operation.method.upper(), url, **kwargs)


async def _signup(
    client: httpx.AsyncClient, mail_dir: Path, name: str
) -> tuple[dict[str, str], Any]:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    created = await sign_up(client, mail_dir, email=email, workspace_name=name)
    return await _login(client, email), created


async def _login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def _member(client: httpx.AsyncClient, owner: dict[str, str], role: str) -> Any:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    invited = await client.post(
        "/api/v1/operators", json={"email": email, "role": role}, headers=owner
    )
    assert invited.status_code == 201, invited.text
    accepted = await client.post(
        "/api/v1/auth/invitations/accept",
        json={"token": invited.json()["token"], "password": PASSWORD},
    )
    assert accepted.status_code == 201, accepted.text
    return await _login(client, email), accepted.json()["operator"]["id"]


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory, broker: Broker) -> AsyncIterator[World]:
    async with (
        running_platform(tmp_path_factory.mktemp("sweep"), broker.bootstrap) as platform,
        httpx.AsyncClient(base_url=platform.gateway_url, timeout=20, trust_env=False) as client,
    ):
        document = (await client.get("/openapi.json")).json()
        assert not document.get("x-unavailable"), document.get("x-unavailable")
        world = World(platform=platform, client=client, document=document)
        mail_dir = platform.settings.mail_directory
        world.owner, signed = await _signup(client, mail_dir, "甲")
        world.workspace, world.owner_id = signed["workspace"]["id"], signed["operator"]["id"]
        world.other_owner, other = await _signup(client, mail_dir, "乙")
        world.other_workspace = other["workspace"]["id"]
        for role in ("editor", "reviewer", "analyst"):
            world.roles[role], _ = await _member(client, world.owner, role)
        world.disabled, disabled_id = await _member(client, world.owner, "editor")
        off = await client.patch(
            f"/api/v1/operators/{disabled_id}", json={"disabled": True}, headers=world.owner
        )
        assert off.status_code == 200
        for service, own in SERVICE_SCOPES.items():
            scopes = sorted(ALL_SCOPES - own)
            created = await client.post(
                "/api/v1/api-keys",
                json={"name": f"not {service}", "scopes": scopes},
                headers=world.owner,
            )
            assert created.status_code == 201, created.text
            world.keys[service] = created.json()["key"]
        await _create_resources(world)
        yield world


async def _create_resources(world: World) -> None:
    """POST to every collection (top level first, then nested) as the owner of workspace A,
    remembering the ids, so that id paths are swept with ids that really exist in A."""
    creators = [
        op
        for op in operations(world.document)
        if op.method == "post"
        and not op.public
        and op.service != "gateway"
        and not op.path.endswith("}")
        and "/" not in op.path.removeprefix("/api/v1/").strip("/")
        or (op.method == "post" and op.service != "gateway" and op.path.endswith("s") and op.params)
    ]
    for op in sorted(creators, key=lambda o: len(o.params)):
        path, real = fill(op.path, world.ids)
        if op.params and not real:
            continue
        response = await world.send(op, world.owner, path=path)
        if response.status_code == 201 and isinstance(response.json(), dict):
            created_id = response.json().get("id")
            if created_id:
                world.ids[PARAM.sub("*", op.path)] = str(created_id)


@pytest.fixture(autouse=True)
def _fresh_problems(world: World) -> None:
    world.problems.clear()


def _forged(world: World, key: Any, **changes: Any) -> dict[str, str]:
    now = datetime.now(UTC)
    claims = {
        "sub": world.owner_id,
        "wid": world.workspace,
        "roles": ["owner"],
        "aud": "mediaops",
        "iss": "mediaops-gateway",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid.uuid4().hex,
        **changes,
    }
    kid = world.platform.gateway.state.runtime.keystore.ring().current.kid
    algorithm = "none" if key is None else "EdDSA"
    token = jwt.encode(claims, key or "", algorithm=algorithm, headers={"kid": kid})
    return {"Authorization": f"Bearer {token}"}


def _protected(world: World) -> list[Operation]:
    # Deletions last, so that the rows the other checks use still exist.
    found = [op for op in operations(world.document) if not op.public]
    return sorted(found, key=lambda op: op.method == "delete")


def _changes_state(op: Operation) -> bool:
    """A write, except the POSTs that only compute an answer (`.../preview`)."""
    return op.writes and op.path.rsplit("/", 1)[-1] not in READ_ONLY_ACTIONS


async def test_the_sweep_covers_every_service(world: World) -> None:
    services = {op.service for op in _protected(world)}
    assert {"gateway", "content-svc", "channel-svc"} <= services
    # The ids of existing resources were found, so the 404 checks test real rows.
    assert "/api/v1/posts" in world.ids
    assert "/api/v1/channels" in world.ids


async def test_only_the_intended_operations_are_public_and_none_fails(world: World) -> None:
    public = [op for op in operations(world.document) if op.public]
    for op in public:
        response = await world.send(op, {})
        # A 401 about credentials in the body is an answer; asking for a token is not.
        if response.status_code >= 500 or "www-authenticate" in response.headers:
            world.bad(op, "a public operation needs no token and never fails", response)

    assert {(op.method, op.path) for op in public} == PUBLIC
    assert not world.problems, "\n".join(world.problems)


async def test_no_or_bad_tokens_are_401_everywhere(world: World) -> None:
    real_key = world.platform.gateway.state.runtime.keystore.ring().current.private_key
    past = datetime.now(UTC) - timedelta(hours=2)
    bad_credentials = {
        "no token": {},
        "alg=none": _forged(world, None),
        "foreign key": _forged(world, Ed25519PrivateKey.generate()),
        "expired": _forged(world, real_key, iat=past, exp=past + timedelta(minutes=15)),
        "disabled operator": world.disabled,
        "garbage API key": {"X-API-Key": "mok_nothing_here"},
    }
    assert (
        await world.client.get("/api/v1/posts", headers=_forged(world, real_key))
    ).status_code == 200
    for op in _protected(world):
        for name, headers in bad_credentials.items():
            response = await world.send(op, headers)
            if response.status_code != 401:
                world.bad(op, f"{name} should be 401", response)
    assert not world.problems, "\n".join(world.problems)


async def test_another_workspace_ids_are_404(world: World) -> None:
    for op in _protected(world):
        if not op.params or op.service == "gateway" and op.path.startswith("/api/v1/auth"):
            continue
        body = body_for(op, world.document)
        response = await world.send(op, world.other_owner, body=body)
        if response.status_code == 404:
            continue
        if response.status_code == 422:
            # The body itself was refused before the id was looked at; A's own request
            # must be refused the same way, or B learnt something about A's row.
            own = await world.send(op, world.owner, body=body)
            if own.status_code == 422:
                continue
        world.bad(op, "another workspace's id should be 404", response)
    assert not world.problems, "\n".join(world.problems)


async def test_roles_analysts_cannot_write_and_owners_are_never_refused(world: World) -> None:
    for op in _protected(world):
        if (op.method, op.path) in SELF_SERVICE:
            continue
        owner = await world.send(op, world.owner)
        if owner.status_code == 403 or owner.status_code >= 500:
            world.bad(op, "owner refused or server error", owner)
        for role, headers in world.roles.items():
            response = await world.send(op, headers)
            if response.status_code >= 500:
                world.bad(op, f"{role}: server error", response)
            if role == "analyst" and _changes_state(op) and response.status_code != 403:
                world.bad(op, "an analyst may not write: 403 expected", response)
    assert not world.problems, "\n".join(world.problems)


async def test_api_keys_outside_their_scope_are_403(world: World) -> None:
    for op in _protected(world):
        if (op.method, op.path) in SELF_SERVICE:
            continue
        key = world.keys.get(op.service, world.keys["gateway"])
        response = await world.send(op, {"X-API-Key": key})
        if response.status_code != 403:
            world.bad(op, "a key without this service's scopes should be 403", response)
    assert not world.problems, "\n".join(world.problems)


async def test_mass_assignment_of_workspace_or_role_has_no_effect(world: World) -> None:
    for op in _protected(world):
        if op.method not in ("post", "put", "patch") or op.json_schema() is None:
            continue
        body = body_for(op, world.document)
        if not isinstance(body, dict):
            continue
        smuggled = {**body, "workspace_id": world.other_workspace, "role": "owner"}
        response = await world.send(op, world.owner, body=smuggled)
        if response.status_code >= 500:
            world.bad(op, "server error", response)
            continue
        if response.is_success:
            answer = response.json() if response.content else {}
            if isinstance(answer, dict) and (
                answer.get("workspace_id") == world.other_workspace or answer.get("role") == "owner"
            ):
                world.bad(op, "workspace_id/role taken from the body", response)
            if isinstance(answer, dict) and answer.get("id"):
                # B must not see it under its id either.
                for path in (f"{op.path.rstrip('/')}/{answer['id']}",):
                    if PARAM.search(path):
                        continue
                    seen = await world.client.get(path, headers=world.other_owner)
                    if seen.status_code not in (404, 405):
                        world.bad(op, "smuggled row visible to the other workspace", seen)
    assert not world.problems, "\n".join(world.problems)
