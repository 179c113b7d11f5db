"""No endpoint of a service waits for a worker thread: FastAPI runs a plain `def`
dependency in its thread pool, a hop per request that a busy callback pays in CPU and,
once the pool is busy, in queueing."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from servicekit.settings import SharedSettings

SERVICES = ("content_svc", "channel_svc", "user_svc", "metrics_svc")


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _app(package: str, shared: SharedSettings, data: Path) -> FastAPI:
    app_module = importlib.import_module(f"{package}.app")
    settings_module = importlib.import_module(f"{package}.settings")
    settings = settings_module.Settings(
        database_url=f"sqlite:///{data / package}.db", shared=shared
    )
    app: FastAPI = app_module.create_app(app_module.create_runtime(settings))
    return app


@pytest.mark.parametrize("package", SERVICES)
def test_every_dependency_of_every_endpoint_is_async(
    package: str, shared_settings: SharedSettings, tmp_path: Path
) -> None:
    app = _app(package, shared_settings, tmp_path)
    routes = [
        context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
    ]
    assert len(routes) > 10
    threaded = {
        f"{route.path} {getattr(call, '__qualname__', call)}"
        for route in routes
        for call in _calls(route.dependant)
        if not (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call))
        and not inspect.isclass(call)
    }
    assert not threaded
