"""The `mediaops` command line against a running gateway (real HTTP), a stand-in
metrics-svc for CSV imports (the issue-6 contract), all four real services for the demo
seed, and the test broker for `events tail`."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import stat
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from devstack.broker import Broker
from devstack.ports import free_port
from event_contracts.envelope import CloudEvent
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from gateway.cli import app as cli
from gateway.cli import seed
from gateway.cli.app import app
from gateway.identity.mails import reset_token, signup_token
from gateway.mail import newest_message
from typer.testing import CliRunner, Result

from tests.gateway.gateway_harness import PASSWORD
from tests.gateway.platform_harness import Platform, running_platform, serve

runner = CliRunner()
# Rich reads the terminal's width when the consoles are made (at import): a wide one here,
# whatever process imported them first, so that no line the tests look for is wrapped.
cli.console.width = cli.errors.width = 200


def metrics_standin() -> FastAPI:
    """POST /api/v1/stats/import as issue 6 describes it: CSV body, dry runs list bad rows,
    a real run stores all or answers 422 listing them."""
    standin = FastAPI()

    @standin.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @standin.post("/api/v1/stats/import", response_model=None)
    async def import_csv(request: Request, dry_run: bool = False) -> Any:
        assert request.headers["authorization"].startswith("Bearer ")
        text = (await request.body()).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        problems = [
            {"line": n, "field": "value", "reason": "must be a number"}
            for n, row in enumerate(rows, start=2)
            if not row["value"].isdigit()
        ]
        if problems and not dry_run:
            return JSONResponse(
                {
                    "type": "https://mediaops.dev/problems/invalid",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": f"{len(problems)} rows are invalid; nothing was stored.",
                    "errors": [
                        {"field": f"line.{p['line']}", "message": f"{p['field']}: {p['reason']}"}
                        for p in problems
                    ],
                },
                status_code=422,
                media_type="application/problem+json",
            )
        return {
            "dry_run": dry_run,
            "encoding": "utf-8",
            "rows": len(rows),
            "valid_rows": len(rows) - len(problems),
            "problems": problems,
            "problems_total": len(problems),
            "batch": None if dry_run else {"id": "batch-1"},
        }

    return standin


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "config"
    monkeypatch.setenv("MEDIAOPS_CONFIG_DIR", str(directory))
    return directory


@pytest.fixture
async def platform(tmp_path: Path, broker: Broker) -> AsyncIterator[Platform]:
    metrics_port = free_port()
    async with (
        serve(metrics_standin(), metrics_port, lifespan="off"),
        running_platform(
            tmp_path / "platform",
            broker.bootstrap,
            services=("content", "channel"),
            metrics_url=f"http://127.0.0.1:{metrics_port}",
        ) as running,
    ):
        yield running


async def mediaops(platform: Platform, *args: str, input: str | None = None) -> Result:
    """Run a command in a thread, so that the servers in this loop keep answering; on the
    gateway's machine (its mail directory is where the command looks by default)."""
    full = [*args[:2], *args[2:]]
    env = {
        "MEDIAOPS_GATEWAY_URL": platform.gateway_url,
        "GATEWAY_MAIL_DIR": str(platform.settings.mail_directory),
        "COLUMNS": "200",
    }
    return await asyncio.to_thread(runner.invoke, app, full, input=input, env=env)


async def _signed_up(platform: Platform) -> list[Result]:
    """`signup`, `confirm-signup` with the mailed token, `login`: their results."""
    started = await mediaops(
        platform,
        "signup",
        "--workspace",
        "星辰",
        "--email",
        "ada@example.com",
        "--password",
        PASSWORD,
    )
    message = newest_message(platform.settings.mail_directory, "ada@example.com")
    token = signup_token(message) if message else None
    assert token, started.output
    confirmed = await mediaops(platform, "confirm-signup", token)
    login = await mediaops(platform, "login", "--email", "ada@example.com", "--password", PASSWORD)
    return [started, confirmed, login]


async def test_signup_confirm_login_store_tokens_privately_and_whoami_uses_them(
    platform: Platform, config_dir: Path
) -> None:
    started, confirmed, login = await _signed_up(platform)
    who = await mediaops(platform, "whoami")

    assert started.exit_code == 0, started.output
    assert "a confirmation link is on its way" in started.output
    assert "mediaops confirm-signup TOKEN" in started.output
    assert confirmed.exit_code == 0, confirmed.output
    assert "星辰" in confirmed.output
    assert "created with ada@example.com as its owner" in confirmed.output
    assert login.exit_code == 0, login.output
    stored = config_dir / "credentials.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert json.loads(stored.read_text())["refresh_token"].startswith("mrt_")
    assert who.exit_code == 0
    assert "ada@example.com (owner) in 星辰" in who.output


async def test_confirm_signup_with_a_used_token_fails_readably(
    platform: Platform, config_dir: Path
) -> None:
    await _signed_up(platform)
    message = newest_message(platform.settings.mail_directory, "ada@example.com")
    token = signup_token(message) if message else None
    assert token

    again = await mediaops(platform, "confirm-signup", token)

    assert again.exit_code == 1
    assert "400" in again.output
    assert "invalid, expired or already used" in again.output


async def test_a_forgotten_password_is_reset_from_the_command_line(
    platform: Platform, config_dir: Path
) -> None:
    await _signed_up(platform)

    asked = await mediaops(platform, "forgot-password", "--email", "ada@example.com")
    message = newest_message(platform.settings.mail_directory, "ada@example.com")
    token = reset_token(message) if message else None
    assert token, asked.output
    reset = await mediaops(
        platform, "reset-password", token, input="brand-new-secret-5\nbrand-new-secret-5\n"
    )
    again = await mediaops(platform, "reset-password", token, "--password", "other-secret-66")
    old = await mediaops(platform, "login", "--email", "ada@example.com", "--password", PASSWORD)
    new = await mediaops(
        platform, "login", "--email", "ada@example.com", "--password", "brand-new-secret-5"
    )

    assert asked.exit_code == 0, asked.output
    assert "mediaops reset-password TOKEN" in asked.output
    assert reset.exit_code == 0, reset.output
    assert "every session ended" in reset.output
    assert again.exit_code == 1
    assert "invalid, expired or already used" in again.output
    assert old.exit_code == 1
    assert new.exit_code == 0, new.output


async def test_login_with_a_wrong_password_fails_readably(
    platform: Platform, config_dir: Path
) -> None:
    await _signed_up(platform)

    failed = await mediaops(
        platform, "login", "--email", "ada@example.com", "--password", "Wrong-pass-123"
    )

    assert failed.exit_code == 1
    assert "401" in failed.output
    assert "incorrect" in failed.output


async def test_an_expired_access_token_is_refreshed_by_itself(
    platform: Platform, config_dir: Path
) -> None:
    await _signed_up(platform)
    stored = config_dir / "credentials.json"
    credentials = json.loads(stored.read_text())
    credentials["access_token"] = "expired.or.bad"
    stored.write_text(json.dumps(credentials))

    who = await mediaops(platform, "whoami")

    assert who.exit_code == 0, who.output
    assert json.loads(stored.read_text())["access_token"] != "expired.or.bad"


async def test_keys_create_list_revoke(platform: Platform, config_dir: Path) -> None:
    await _signed_up(platform)

    created = await mediaops(platform, "keys", "create", "importer", "-s", "stats:write")
    key = next(line for line in created.output.splitlines() if line.startswith("mok_"))
    listed = await mediaops(platform, "keys", "list")
    key_id = created.output.split("(")[1].split(")")[0]
    revoked = await mediaops(platform, "keys", "revoke", key_id)
    after = await mediaops(platform, "keys", "list")

    assert created.exit_code == 0, created.output
    assert "importer" in listed.output
    assert key not in listed.output
    assert revoked.exit_code == 0
    assert "never" in after.output
    assert key_id in after.output


async def test_operators_invite_list_and_disable(platform: Platform, config_dir: Path) -> None:
    await _signed_up(platform)

    invited = await mediaops(
        platform, "operators", "invite", "bob@example.com", "--role", "analyst"
    )
    token = invited.output.split("Invitation token (shown once): ")[1].split()[0]
    import httpx

    async with httpx.AsyncClient(base_url=platform.gateway_url, trust_env=False) as client:
        accepted = await client.post(
            "/api/v1/auth/invitations/accept", json={"token": token, "password": PASSWORD}
        )
    bob = accepted.json()["operator"]["id"]
    disabled = await mediaops(platform, "operators", "set", bob, "--disable")
    listed = await mediaops(platform, "operators", "list")

    assert invited.exit_code == 0
    assert "a link to accept is on its way to them" in invited.output
    assert accepted.status_code == 201
    assert "bob@example.com: analyst, disabled." in disabled.output
    assert "bob@example.com" in listed.output
    assert "disabled" in listed.output


async def test_stats_import_summarises_stored_and_rejected_rows(
    platform: Platform, config_dir: Path, tmp_path: Path
) -> None:
    await _signed_up(platform)
    good = tmp_path / "good.csv"
    good.write_text(
        "post_id,metric,value,observed_at\n"
        + "".join(f"p{i},reads,{i},2026-01-01T00:00:00Z\n" for i in range(2000)),
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "post_id,metric,value,observed_at\np1,reads,12,2026-01-01\np2,reads,many,2026-01-01\n"
        "p3,likes,-,2026-01-01\n",
        encoding="utf-8",
    )

    stored = await mediaops(platform, "stats", "import", str(good))
    dry = await mediaops(platform, "stats", "import", str(bad), "--dry-run")
    refused = await mediaops(platform, "stats", "import", str(bad))

    assert stored.exit_code == 0, stored.output
    assert "2000 rows read (utf-8), 2000 valid; stored as batch batch-1." in stored.output
    assert "uploading good.csv" in stored.output  # the progress bar
    assert dry.exit_code == 1
    assert "dry run: nothing stored" in dry.output
    assert "Rejected rows (2)" in dry.output
    assert "must be a number" in dry.output
    assert refused.exit_code == 1
    assert "Nothing was stored: rejected rows" in refused.output
    lines = [line.split("│")[1].strip() for line in refused.output.splitlines() if "value:" in line]
    assert lines == ["3", "4"]


async def test_stats_import_with_an_api_key(
    platform: Platform, config_dir: Path, tmp_path: Path
) -> None:
    await _signed_up(platform)
    created = await mediaops(platform, "keys", "create", "importer", "-s", "stats:write")
    key = next(line for line in created.output.splitlines() if line.startswith("mok_"))
    data = tmp_path / "one.csv"
    data.write_text("post_id,metric,value,observed_at\np1,reads,3,2026-01-01\n")
    await mediaops(platform, "logout")

    imported = await mediaops(platform, "stats", "import", str(data), "--api-key", key)

    assert imported.exit_code == 0, imported.output
    assert "1 rows read" in imported.output


@pytest.fixture
async def full_platform(tmp_path: Path, broker: Broker) -> AsyncIterator[Platform]:
    """The gateway and all four real services (metrics-svc included)."""
    async with running_platform(tmp_path / "full", broker.bootstrap) as running:
        yield running


async def test_seed_demo_makes_a_living_workspace_and_a_second_one_on_a_rerun(
    full_platform: Platform, config_dir: Path
) -> None:
    seeded = await mediaops(full_platform, "seed-demo", "--email", "demo@example.com")
    again = await mediaops(
        full_platform,
        "seed-demo",
        "--email",
        "demo@example.com",
        "--wechat-base-url",
        "http://127.0.0.1:9/fake-wechat",  # an API channel; nothing is published to it
    )

    assert seeded.exit_code == 0, seeded.output
    assert "Demo workspace 星辰咖啡 (demo)" in seeded.output  # the summary table
    assert "mediaops login --email demo@example.com" in seeded.output
    assert "skipped: WeChat and Weibo channels" in seeded.output
    assert "nothing listens" in seeded.output
    assert "since their publication" in seeded.output
    assert again.exit_code == 0, again.output
    assert "signed in as demo+2@example.com (owner)" in again.output
    assert "skipped: WeChat" not in again.output
    import httpx

    token = json.loads((config_dir / "credentials.json").read_text())["access_token"]
    async with httpx.AsyncClient(
        base_url=full_platform.gateway_url,
        trust_env=False,
        headers={"Authorization": f"Bearer {token}"},
    ) as client:

        async def get(path: str) -> Any:
            response = await client.get(path)
            assert response.status_code == 200, (path, response.text)
            return response.json()

        me = await get("/api/v1/auth/me")
        sources = (await get("/api/v1/sources"))["items"]
        ideas = (await get("/api/v1/ideas?limit=100"))["items"]
        posts = (await get("/api/v1/posts?limit=100"))["items"]
        channels = (await get("/api/v1/channels"))["items"]
        campaigns = (await get("/api/v1/campaigns"))["items"]
        wordlists = await get("/api/v1/wordlists")
        members = (await get("/api/v1/members"))["items"]
        segments = await get("/api/v1/segments?with_counts=true")
        groups = (await get("/api/v1/communities"))["items"]
        flagged = next(p for p in posts if p["title"].startswith("广告用语示例"))
        analysis = await get(f"/api/v1/posts/{flagged['id']}/analysis")
        published = [p for p in posts if p["status"] == "published"]
        reports = [await get(f"/api/v1/reports/posts/{p['id']}") for p in published]
        start = (datetime.now(UTC) - timedelta(days=85)).date().isoformat()
        overview = await get(f"/api/v1/reports/overview?from={start}&interval=week")

    # The second run's workspace is as full as the first one's.
    assert me["workspace"]["name"] == "星辰咖啡 (demo) 2"
    assert len(sources) == 2
    assert {s["kind"] for s in sources} == {"news", "peer"}
    assert all(s["last_success_at"] and s["ideas_created"] > 0 for s in sources)
    assert {i["origin"] for i in ideas} >= {"source_entry", "manual"}
    statuses = {p["status"] for p in posts}
    assert statuses >= {"draft", "in_review", "approved", "scheduled", "published", "archived"}
    assert any(p["idea_id"] for p in posts)  # a draft started from a feed idea
    assert sum(1 for p in posts if p["campaign_id"] == campaigns[0]["id"]) >= 2
    assert campaigns[0]["goals"]["reads"] == 20000
    assert {c["mode"] for c in channels} == {"webhook", "feed", "manual", "api"}
    assert len(wordlists) == 1
    assert any(f["code"].startswith("word_") for f in analysis["findings"])
    assert len(members) >= 10
    assert segments
    assert all(s["count"] > 0 for s in segments)
    assert groups[0]["summary"]["size"] > 0
    assert published
    assert all(r["totals"].get("reads", 0) > 0 for r in reports)
    # Three months of account figures: followers were reported in the oldest week too.
    oldest = [c["buckets"][0] for c in overview["channels"] if c["buckets"]]
    assert sum(1 for b in oldest if b["followers"] and b["follows_gained"] > 0) == 2


async def test_seed_demo_says_where_it_looked_for_the_mail(
    platform: Platform, config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seed, "MAIL_WAIT_SECONDS", 0.0)
    elsewhere = tmp_path / "not-the-gateways-mail"

    seeded = await mediaops(platform, "seed-demo", "--mail-dir", str(elsewhere))

    assert seeded.exit_code == 1
    assert "no mail to demo@example.com arrived in" in seeded.output
    assert "mediaops confirm-signup TOKEN" in seeded.output


async def test_events_tail_prints_readable_lines(broker: Broker) -> None:
    topic = "post.published"
    workspace = str(uuid.uuid4())
    event = CloudEvent(
        source="/content-svc",
        type=topic,
        subject="post-1",
        workspaceid=workspace,
        data={"post_id": "post-1", "title": "秋季新品上市", "channel_ids": ["a", "b"]},
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, event.model_dump_json().encode(), key=b"post-1")
    finally:
        await producer.stop()

    result = await asyncio.to_thread(
        runner.invoke,
        app,
        [
            "events",
            "tail",
            topic,
            "--bootstrap",
            broker.bootstrap,
            "--from-beginning",
            "--workspace",
            workspace,
            "--limit",
            "1",
            "--idle-seconds",
            "20",
        ],
        env={"COLUMNS": "200"},
    )

    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.strip()]
    assert "post.published" in line
    assert f"ws={workspace[:8]}" in line
    assert "subject=post-1" in line
    assert "title=秋季新品上市" in line
    assert "channel_ids=[2]" in line
