"""The registry tells the truth: each topic's producers are exactly the services whose
`events.py` declares they emit it, and its consumers exactly the services whose runtime
handles it. Events go out only through a service's `emit` (servicekit.events.Emitter), so
what it declares is what it can send."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from event_contracts import TOPICS
from servicekit.apps import SERVICES, App
from servicekit.events import Emitter
from servicekit.settings import SharedSettings

REPO = Path(__file__).resolve().parents[2]


def emitted(app: App) -> set[str]:
    try:
        events = importlib.import_module(f"{app.module}.events")
    except ModuleNotFoundError:
        return set()  # a service that emits nothing has no events.py
    emit = events.emit
    assert isinstance(emit, Emitter)
    assert emit.source == f"/{app.name}"
    return set(emit.topics)


def handled(app: App, tmp_path: Path) -> set[str]:
    settings_class = importlib.import_module(f"{app.module}.settings").Settings
    create_runtime = importlib.import_module(f"{app.module}.app").create_runtime
    settings = settings_class(shared=SharedSettings(environment="test", data_dir=tmp_path))
    runtime = create_runtime(settings)
    return set(runtime.consumer.handlers)


@pytest.mark.parametrize("app", SERVICES, ids=lambda app: app.name)
def test_the_registry_names_what_each_service_emits_and_handles(app: App, tmp_path: Path) -> None:
    declared_producing = {topic.name for topic in TOPICS if app.name in topic.producers}
    declared_consuming = {topic.name for topic in TOPICS if app.name in topic.consumers}
    assert emitted(app) == declared_producing
    assert handled(app, tmp_path) == declared_consuming


def test_the_registry_names_what_the_gateway_handles(tmp_path: Path) -> None:
    """The gateway emits nothing; it consumes what operators hear of."""
    from gateway.app import create_app
    from gateway.settings import Settings

    settings = Settings(shared=SharedSettings(environment="test", data_dir=tmp_path))
    runtime = create_app(settings, configure_logs=False).state.runtime
    assert not any("gateway" in topic.producers for topic in TOPICS)
    assert set(runtime.consumer.handlers) == {
        topic.name for topic in TOPICS if "gateway" in topic.consumers
    }


def _calls_outside_servicekit(name: str) -> list[str]:
    found = []
    for path in sorted((REPO / "services").glob("*/src/**/*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called == name:
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return found


@pytest.mark.parametrize("name", ["add_event", "create"])
def test_services_send_events_only_through_their_emit(name: str) -> None:
    """`add_event` and `CloudEvent.create` are servicekit's business: a service calling them
    itself could send a topic its `events.py` does not declare."""
    calls = _calls_outside_servicekit(name)
    if name == "create":  # other things are created too; only CloudEvent's matters here
        calls = [c for c in calls if "CloudEvent.create" in _line(c)]
    assert calls == []


def _line(where: str) -> str:
    path, line = where.rsplit(":", 1)
    return (REPO / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
