"""`Idempotency-Key` on a service's POSTs (servicekit.idempotency), on SQLite and PostgreSQL:
a retry is answered again and applied once, another request with the key is refused, a
request still running answers 409, and a refused request frees its key."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, File, Form, UploadFile, status
from servicekit.auth import CurrentCaller
from servicekit.db import utcnow
from servicekit.housekeeping import prune
from servicekit.idempotency_store import (
    CLAIM_STATE,
    Claim,
    IdempotencyKeyInUse,
    claim_key,
    mark_applied,
)
from servicekit.problems import Invalid, ServiceUnavailable
from servicekit.runtime import DbSession, ServiceRuntime, build_app
from servicekit.settings import SharedSettings
from sqlalchemy import func, insert, select, update

from tests.conftest import Signer
from tests.servicekit.kit_models import (
    Base,
    Effect,
    IdempotencyKey,
    KitSettings,
    OutboxMessage,
    ProcessedEvent,
    kit_runtime,
)


@dataclass
class Switches:
    """What the test makes the endpoint do: fail once, or wait inside its transaction."""

    outages: int = 0
    inside: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event | None = None


def effects_router(switches: Switches) -> APIRouter:
    router = APIRouter()

    @router.post("/effects", status_code=status.HTTP_201_CREATED)
    async def create_effect(
        body: dict[str, Any], session: DbSession, caller: CurrentCaller
    ) -> dict[str, Any]:
        title = str(body.get("title", ""))
        session.add(Effect(post_id=str(uuid.uuid4()), title=title))
        await session.flush()
        if not title:
            raise Invalid.field("title", "must not be empty")
        if switches.outages:
            switches.outages -= 1
            raise ServiceUnavailable("The database is away for a moment.")
        if switches.release is not None:
            switches.inside.set()
            await switches.release.wait()
        return {"title": title, "id": str(uuid.uuid4())}

    @router.post("/uploads", status_code=status.HTTP_201_CREATED)
    async def upload(
        session: DbSession,
        caller: CurrentCaller,
        file: Annotated[UploadFile, File()],
        note: Annotated[str, Form()] = "",
    ) -> dict[str, Any]:
        data = await file.read()
        session.add(Effect(post_id=str(uuid.uuid4()), title=f"{file.filename}:{len(data)}"))
        return {"bytes": len(data), "note": note, "id": str(uuid.uuid4())}

    @router.get("/effects")
    async def list_effects(session: DbSession, caller: CurrentCaller) -> list[str]:
        return list(await session.scalars(select(Effect.title)))

    return router


@dataclass
class Kit:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    switches: Switches
    app: Any

    async def age_keys(self, age: timedelta) -> None:
        """Make every key `age` old, as if claimed that long ago."""
        async with self.runtime.db.transaction() as session:
            await session.execute(update(IdempotencyKey).values(created_at=utcnow() - age))

    async def effects(self) -> int:
        async with self.runtime.db.transaction(read_only=True) as session:
            return int(await session.scalar(select(func.count()).select_from(Effect)) or 0)


@pytest.fixture
async def kit(database_url: str, shared_settings: SharedSettings) -> AsyncIterator[Kit]:
    runtime = kit_runtime(KitSettings(database_url=database_url, shared=shared_settings))
    async with runtime.db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    switches = Switches()
    app = build_app(runtime, [effects_router(switches)], title="kit", configure_logs=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        yield Kit(client, runtime, switches, app)
    await runtime.db.dispose()


@pytest.fixture
def caller(signer: Signer) -> dict[str, str]:
    return signer.headers(workspace_id=str(uuid.uuid4()), user_id="operator-1")


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


async def test_a_retry_gets_the_first_answer_again_and_applies_nothing(
    kit: Kit, caller: dict[str, str]
) -> None:
    headers = keyed(caller, "8e03978e-40d5-43e8-bc93-6894a57f9324")
    first = await kit.client.post("/api/v1/effects", json={"title": "a", "n": 1}, headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    # The same data in another key order and spacing is the same request.
    again = await kit.client.post(
        "/api/v1/effects",
        content=b'{ "n": 1,  "title": "a" }',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert again.status_code == 201
    assert again.json() == first.json()  # the same id: the first answer, not a new one
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["content-type"] == "application/json"
    assert await kit.effects() == 1
    # The key is the RFC 8941 string form too.
    quoted = keyed(caller, '"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    third = await kit.client.post("/api/v1/effects", json={"title": "a", "n": 1}, headers=quoted)
    assert third.json() == first.json()
    assert await kit.effects() == 1


async def test_the_same_key_with_another_request_is_a_422_naming_the_header(
    kit: Kit, caller: dict[str, str]
) -> None:
    headers = keyed(caller, "k-1")
    assert (
        await kit.client.post("/api/v1/effects", json={"title": "a"}, headers=headers)
    ).status_code == 201
    for path, body in (
        ("/api/v1/effects", {"title": "b"}),  # another body
        ("/api/v1/effects?x=1", {"title": "a"}),  # another query
    ):
        other = await kit.client.post(path, json=body, headers=headers)
        assert other.status_code == 422, other.text
        problem = other.json()
        assert problem["type"].endswith("/idempotency-key-reused")
        assert problem["errors"][0]["field"] == "header.idempotency-key"
    assert await kit.effects() == 1


async def test_keys_belong_to_their_workspace_and_principal(
    kit: Kit, caller: dict[str, str], signer: Signer
) -> None:
    body = {"title": "a"}
    first = await kit.client.post("/api/v1/effects", json=body, headers=keyed(caller, "shared"))
    for other in (
        signer.headers(workspace_id=str(uuid.uuid4()), user_id="operator-1"),
        signer.headers(workspace_id=str(uuid.uuid4()), user_id="operator-2"),
    ):
        theirs = await kit.client.post("/api/v1/effects", json=body, headers=keyed(other, "shared"))
        assert theirs.status_code == 201
        assert "idempotent-replayed" not in theirs.headers
        assert theirs.json()["id"] != first.json()["id"]
    assert await kit.effects() == 3


async def test_a_refused_request_frees_its_key_for_the_corrected_one(
    kit: Kit, caller: dict[str, str]
) -> None:
    headers = keyed(caller, "k-2")
    refused = await kit.client.post("/api/v1/effects", json={"title": ""}, headers=headers)
    assert refused.status_code == 422
    assert await kit.effects() == 0  # rolled back
    corrected = await kit.client.post("/api/v1/effects", json={"title": "ok"}, headers=headers)
    assert corrected.status_code == 201, corrected.text
    assert "idempotent-replayed" not in corrected.headers
    assert await kit.effects() == 1


async def test_a_5xx_is_not_kept_and_the_same_retry_applies_once(
    kit: Kit, caller: dict[str, str]
) -> None:
    kit.switches.outages = 1
    headers = keyed(caller, "k-3")
    outage = await kit.client.post("/api/v1/effects", json={"title": "a"}, headers=headers)
    assert outage.status_code == 503
    retried = await kit.client.post("/api/v1/effects", json={"title": "a"}, headers=headers)
    assert retried.status_code == 201
    replayed = await kit.client.post("/api/v1/effects", json={"title": "a"}, headers=headers)
    assert replayed.json() == retried.json()
    assert await kit.effects() == 1


async def test_a_second_request_while_the_first_runs_gets_a_409_and_never_applies(
    kit: Kit, caller: dict[str, str]
) -> None:
    kit.switches.release = asyncio.Event()
    headers = keyed(caller, "k-4")
    body = {"title": "slow"}
    first = asyncio.create_task(kit.client.post("/api/v1/effects", json=body, headers=headers))
    await asyncio.wait_for(kit.switches.inside.wait(), 10)  # inside its open transaction
    second = await kit.client.post("/api/v1/effects", json=body, headers=headers)
    assert second.status_code == 409, second.text
    assert second.headers["Retry-After"] == "1"
    assert second.json()["type"].endswith("/idempotency-key-in-use")
    kit.switches.release.set()
    answered = await first
    assert answered.status_code == 201
    later = await kit.client.post("/api/v1/effects", json=body, headers=headers)
    assert later.json() == answered.json()
    assert later.headers["Idempotent-Replayed"] == "true"
    assert await kit.effects() == 1


async def test_two_simultaneous_requests_apply_once(kit: Kit, caller: dict[str, str]) -> None:
    headers = keyed(caller, "k-5")
    answers = await asyncio.gather(
        *(kit.client.post("/api/v1/effects", json={"title": "x"}, headers=headers) for _ in "ab")
    )
    assert sorted(a.status_code for a in answers) in ([201, 201], [201, 409])
    created = [a.json()["id"] for a in answers if a.status_code == 201]
    assert len(set(created)) == 1  # two 201s are the first answer and its replay
    assert await kit.effects() == 1


async def test_an_upload_is_the_same_request_whatever_its_multipart_boundary(
    kit: Kit, caller: dict[str, str]
) -> None:
    headers = keyed(caller, "upload-1")
    data = b"\x89PNG" + bytes(range(256)) * 400

    def multipart(content: bytes, boundary: str) -> tuple[bytes, dict[str, str]]:
        request = httpx.Request(
            "POST",
            "http://kit/api/v1/uploads",
            files={"file": ("a.png", content, "image/png")},
            data={"note": "cover"},
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        return request.read(), {**headers, "Content-Type": request.headers["Content-Type"]}

    async def send(content: bytes, boundary: str) -> httpx.Response:
        body, with_type = multipart(content, boundary)
        return await kit.client.post("/api/v1/uploads", content=body, headers=with_type)

    first = await send(data, "aaaa1111")
    assert first.status_code == 201, first.text
    again = await send(data, "bbbb2222")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = await send(data[:-1], "cccc3333")
    assert other.status_code == 422
    assert await kit.effects() == 1


async def test_an_expired_key_runs_again_and_housekeeping_forgets_it(
    kit: Kit, caller: dict[str, str]
) -> None:
    headers = keyed(caller, "k-6")
    first = await kit.client.post("/api/v1/effects", json={"title": "a"}, headers=headers)
    await kit.age_keys(timedelta(hours=25))
    again = await kit.client.post("/api/v1/effects", json={"title": "a"}, headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert await kit.effects() == 2
    await kit.age_keys(timedelta(hours=25))
    now = utcnow()
    pruned = await prune(
        kit.runtime.db,
        OutboxMessage,
        ProcessedEvent,
        delivered_before=now,
        processed_before=now,
        idempotency_model=IdempotencyKey,
        keys_before=now - timedelta(hours=24),
    )
    assert pruned.idempotency_keys == 1


async def test_an_abandoned_claim_is_taken_over_but_an_applied_one_never_runs_twice(
    kit: Kit, caller: dict[str, str], signer: Signer
) -> None:
    workspace = str(uuid.uuid4())
    headers = signer.headers(workspace_id=workspace, user_id="operator-1")
    stale = utcnow() - timedelta(minutes=11)
    async with kit.runtime.db.transaction() as session:
        await session.execute(
            insert(IdempotencyKey),
            [
                # A process stopped before its transaction committed: nothing was stored.
                {
                    "workspace_id": workspace,
                    "principal": "operator-1",
                    "key": "crashed",
                    "created_at": stale,
                },
                # One stopped after its commit, before its answer was kept.
                {
                    "workspace_id": workspace,
                    "principal": "operator-1",
                    "key": "applied",
                    "created_at": stale,
                    "applied_at": stale,
                },
            ],
        )
    body = {"title": "a"}
    taken = await kit.client.post("/api/v1/effects", json=body, headers=keyed(headers, "crashed"))
    assert taken.status_code == 201
    lost = await kit.client.post("/api/v1/effects", json=body, headers=keyed(headers, "applied"))
    assert lost.status_code == 409
    assert "answer was lost" in lost.json()["detail"]
    assert await kit.effects() == 1


async def test_a_claim_lost_to_a_retry_before_its_transaction_applies_nothing(
    kit: Kit, caller: dict[str, str], signer: Signer
) -> None:
    """A request that reached its transaction after its claim went stale (a slow upload,
    a stalled process) and a retry took it over: the first cannot apply, the retry does."""
    workspace = str(uuid.uuid4())
    first = Claim(IdempotencyKey, workspace, "operator-1", "slow", utcnow() - timedelta(seconds=31))
    assert await claim_key(kit.runtime.db, first) is None
    retry = Claim(IdempotencyKey, workspace, "operator-1", "slow")
    assert await claim_key(kit.runtime.db, retry) is None  # stale: taken over

    async def apply(claim: Claim, title: str) -> None:
        async with kit.runtime.db.transaction() as session:
            session.add(Effect(post_id=str(uuid.uuid4()), title=title))
            await mark_applied(session, {"state": {CLAIM_STATE: claim}})

    with pytest.raises(IdempotencyKeyInUse):
        await apply(first, "first")
    await apply(retry, "retry")
    async with kit.runtime.db.transaction(read_only=True) as session:
        assert list(await session.scalars(select(Effect.title))) == ["retry"]


async def test_a_claim_of_a_crashed_request_is_free_again_within_a_minute(
    kit: Kit, caller: dict[str, str]
) -> None:
    """A client retrying after the service died mid-request is answered, not held off."""
    workspace = str(uuid.uuid4())
    crashed = Claim(IdempotencyKey, workspace, "operator-1", "k", utcnow() - timedelta(seconds=20))
    assert await claim_key(kit.runtime.db, crashed) is None
    held = await claim_key(kit.runtime.db, Claim(IdempotencyKey, workspace, "operator-1", "k"))
    assert held is not None  # still its own: 409
    assert held.status_code is None
    later = Claim(IdempotencyKey, workspace, "operator-1", "k", utcnow() + timedelta(seconds=15))
    assert await claim_key(kit.runtime.db, later) is None


async def test_bad_keys_are_422_and_requests_without_a_key_are_untouched(
    kit: Kit, caller: dict[str, str]
) -> None:
    for bad in (b"x" * 201, "caf\u00e9".encode(), b""):
        raw = [(k.encode(), v.encode()) for k, v in caller.items()]
        answer = await kit.client.post(
            "/api/v1/effects", json={"title": "a"}, headers=[*raw, (b"Idempotency-Key", bad)]
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "header.idempotency-key"
    plain = [await kit.client.post("/api/v1/effects", json={"title": "a"}, headers=caller)]
    plain.append(await kit.client.post("/api/v1/effects", json={"title": "a"}, headers=caller))
    assert [p.status_code for p in plain] == [201, 201]
    assert await kit.effects() == 2


async def test_every_post_documents_the_header_and_no_get_does(kit: Kit) -> None:
    document = (await kit.client.get("/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", [])]
            if method == "post":
                assert names.count("Idempotency-Key") == 1, path
                assert "409" in operation["responses"]
            else:
                assert "Idempotency-Key" not in names
