"""The TypeScript client's tooling for tests: `scripts/typescript_client.py` (and the
export of the merged OpenAPI document it uses), and Node's packages installed from the
client's lock. Without npm a test skips with the reason, except with `CI=true`, where it
fails: CI has Node.js 20."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "typescript"


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


typescript_client: Any = _script("typescript_client")
export_openapi: Any = _script("export_openapi")


def require_npm() -> None:
    if shutil.which("npm") is None:
        reason = "npm is not installed (Node.js 20 brings it)"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true: the TypeScript client's tests must run")
        pytest.skip(reason)


def node_tool(name: str) -> str:
    """The path of a command the client's packages install (`tsc`, `spectral`), after
    `npm ci` when they are missing."""
    require_npm()
    return str(typescript_client.tool(name))
