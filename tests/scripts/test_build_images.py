"""`make images` builds the six images under the names compose runs, with its build args."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dry_run(env: dict[str, str], *services: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_images.py"), "--dry-run", *services],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_every_image_is_built_with_the_prefix_tag_and_mirrors() -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "MEDIAOPS_IMAGE_PREFIX": "registry.cn-hangzhou.aliyuncs.com/acme/",
        "MEDIAOPS_TAG": "1.4.0",
        "MEDIAOPS_PYPI_MIRROR": "https://mirrors.aliyun.com/pypi/simple",
    }
    lines = dry_run(env)
    tags = sorted(line.split(" -t ")[1].split()[0] for line in lines)
    assert tags == [
        f"registry.cn-hangzhou.aliyuncs.com/acme/{name}:1.4.0"
        for name in sorted(
            ["channel-svc", "content-svc", "gateway", "metrics-svc", "migrate", "user-svc"]
        )
    ]
    gateway = next(line for line in lines if "/acme/gateway:" in line)
    assert "--build-arg SERVICE=gateway" in gateway
    assert "--build-arg MODULE=gateway" in gateway
    assert "--build-arg PORT=8000" in gateway
    assert "--build-arg PYPI_MIRROR=https://mirrors.aliyun.com/pypi/simple" in gateway
    assert "--build-arg PYTHON_IMAGE=python:3.11-slim" in gateway
    assert gateway.endswith(str(ROOT))


def test_defaults_and_one_image() -> None:
    [line] = dry_run({"PATH": "/usr/bin:/bin"}, "migrate")
    assert " -t mediaops/migrate:latest " in line
    assert "--build-arg SERVICE=mediaops-migrate" in line
