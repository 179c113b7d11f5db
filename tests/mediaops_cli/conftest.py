"""The `mediaops` command line's fixtures: its own config directory, and a platform to talk
to (the gateway with content-svc, channel-svc and a stand-in metrics-svc)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from devstack.broker import Broker
from devstack.ports import free_port

from tests.gateway.platform_harness import Platform, running_platform, serve
from tests.mediaops_cli.cli_harness import metrics_standin


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
