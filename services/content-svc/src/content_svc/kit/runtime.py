"""Endpoint dependencies for the app's own parts: its settings and its database."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from servicekit.runtime import ServiceRuntime

from content_svc.settings import Settings


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


def _settings(request: Request) -> Settings:
    settings = _runtime(request).settings
    assert isinstance(settings, Settings), "content-svc runs on content_svc.settings.Settings"
    return settings


Runtime = Annotated[ServiceRuntime, Depends(_runtime)]
ContentSettings = Annotated[Settings, Depends(_settings)]
