"""Every image's environment, made as its Dockerfile makes it (`deploy/image/install-app.sh`),
holds its app and what the app imports, and nothing else.

Started with compose's environment, each is then checked by
tests/system/test_compose_stack.py, which runs the whole stack from these environments.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.compose import REPO, member_project, workspace_members
from tests.deploy.images import INSTALL_SCRIPT, ImageEnv, build_image_env, built_services

APP_MODULES = {"content_svc", "channel_svc", "user_svc", "metrics_svc", "gateway"}


@pytest.fixture(scope="module", params=built_services())
def image_env(request: pytest.FixtureRequest) -> ImageEnv:
    return build_image_env(request.param)


def importable(env: ImageEnv, modules: set[str]) -> set[str]:
    """Which of `modules` the image's python finds."""
    code = (
        "import importlib.util, sys\n"
        "print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m)))"
    )
    # Away from the checkout, whose folders would import as namespace packages.
    result = subprocess.run(
        [env.python, "-c", code, *sorted(modules)],
        cwd=env.path,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


def workspace_closure(package: str) -> set[str]:
    """The workspace packages an app installs: itself and what it depends on, transitively."""
    members = set(workspace_members())
    seen, todo = set(), [package]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for requirement in member_project(name).get("dependencies", []):
            dependency = re.split(r"[\s<>=\[;]", requirement, maxsplit=1)[0]
            if dependency in members:
                todo.append(dependency)
    return seen


def test_the_image_holds_its_app_and_runs_it(image_env: ImageEnv) -> None:
    # The install step has imported the whole app (`python -m MODULE check`); the entry
    # point the image's CMD uses answers too.
    result = subprocess.run(
        [image_env.python, "-m", image_env.module, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_image_holds_no_test_tools_and_no_other_app(image_env: ImageEnv) -> None:
    tools = {"pytest", "mypy", "ruff", "deptry", "schemathesis", "hypothesis", "devstack"}
    installed = workspace_closure(image_env.package)
    wanted = {
        module
        for module in APP_MODULES
        for package in installed
        if (workspace_members()[package] / "src" / module).is_dir()
    }
    assert image_env.module in wanted | {"mediaops_migrate"}
    assert importable(image_env, tools | APP_MODULES) == wanted


def test_a_mirror_rewrites_only_the_addresses_in_the_build_copy_of_the_lock(
    tmp_path: Path,
) -> None:
    lock = REPO / "uv.lock"
    shutil.copy(lock, tmp_path / "uv.lock")
    env = {
        **os.environ,
        "UV": "true",  # the sync itself is the one the other tests run
        "UV_PROJECT_ENVIRONMENT": str(REPO / ".venv"),
        "PYPI_MIRROR": "https://mirrors.aliyun.com/pypi/simple",
        "PYPI_FILES_MIRROR": "https://mirrors.aliyun.com/pypi/packages",
    }
    result = subprocess.run(
        ["sh", str(INSTALL_SCRIPT), "user-svc", "user_svc"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    original, mirrored = lock.read_text(), (tmp_path / "uv.lock").read_text()
    assert "pypi.org" not in mirrored
    assert "files.pythonhosted.org" not in mirrored
    assert mirrored.count("https://mirrors.aliyun.com/pypi/packages/") == original.count(
        "https://files.pythonhosted.org/packages/"
    )
    hashes = re.compile(r"sha256:[0-9a-f]{64}")
    assert hashes.findall(mirrored) == hashes.findall(original)  # every file still checked
