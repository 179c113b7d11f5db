"""The optional observability profile: Prometheus scrapes every process, Grafana's
dashboard asks only for metrics the code defines, Jaeger takes OTLP traces."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import REGISTRY

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
OBSERVABILITY = ("prometheus", "grafana", "jaeger")
TELEMETRY_MODULES = (
    "servicekit.metrics",
    "content_svc.telemetry",
    "channel_svc.telemetry",
    "metrics_svc.telemetry",
    "gateway.telemetry",
)


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return loaded


def metrics_ports() -> dict[str, int]:
    """Every serving app (built from the Dockerfile with a PORT) and the port its own
    settings serve Prometheus on, given that API port."""
    ports = {}
    for name, svc in compose()["services"].items():
        args = (svc.get("build") or {}).get("args", {})
        if "PORT" in args:
            settings = importlib.import_module(f"{args['MODULE']}.settings").Settings
            port = settings(port=int(args["PORT"])).metrics_listen_port
            assert port != int(args["PORT"]), f"{name} serves metrics on its API port"
            ports[name] = port
    return ports


def defined_metric_names() -> set[str]:
    """Every sample name the code registers (counters' `_total`, histograms' `_bucket`...)."""
    for module in TELEMETRY_MODULES:
        importlib.import_module(module)
    return set(REGISTRY._names_to_collectors)


def dashboard_exprs() -> list[str]:
    folder = DEPLOY / "observability" / "grafana" / "dashboards"
    exprs: list[str] = []
    for path in folder.glob("*.json"):
        for panel in json.loads(path.read_text())["panels"]:
            exprs.extend(target["expr"] for target in panel["targets"])
    return exprs


def test_observability_services_run_only_with_their_profile() -> None:
    services = compose()["services"]
    for name in OBSERVABILITY:
        assert services[name]["profiles"] == ["observability"]
        assert services[name]["healthcheck"]["test"]


def test_prometheus_scrapes_every_process_on_its_metrics_port() -> None:
    config = yaml.safe_load((DEPLOY / "observability" / "prometheus.yml").read_text())
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    assert targets == {f"{name}:{port}" for name, port in metrics_ports().items()}
    assert len(targets) == 5


def test_dashboard_asks_only_for_metrics_the_code_defines() -> None:
    defined = defined_metric_names()
    used = {name for expr in dashboard_exprs() for name in re.findall(r"mediaops_[a-z_]+", expr)}
    assert used, "the dashboard has no Mediaops panels"
    assert used <= defined, f"unknown metrics on the dashboard: {sorted(used - defined)}"


def test_dashboard_covers_the_pipeline() -> None:
    text = " ".join(dashboard_exprs())
    for needed in (
        "mediaops_events_published_total",
        "mediaops_consumer_lag_messages",
        "mediaops_events_dead_lettered_total",
        "mediaops_platform_errors_total",
        "mediaops_http_request_duration_seconds_bucket",
        "mediaops_outbox_oldest_age_seconds",
    ):
        assert needed in text


def test_grafana_is_provisioned_with_prometheus_and_the_dashboard() -> None:
    grafana = compose()["services"]["grafana"]
    mounts = " ".join(grafana["volumes"])
    assert "provisioning" in mounts
    assert "dashboards" in mounts
    sources = yaml.safe_load(
        (DEPLOY / "observability/grafana/provisioning/datasources/datasources.yml").read_text()
    )
    urls = {source["url"] for source in sources["datasources"]}
    assert "http://prometheus:9090" in urls


def test_traces_export_only_when_configured() -> None:
    env = compose()["x-service-env"]
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "${OTEL_EXPORTER_OTLP_ENDPOINT:-}"
    assert compose()["services"]["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"


def test_observability_ports_are_published_on_the_hosts_loopback_only() -> None:
    """Prometheus and Jaeger have no login: nothing of the profile is on the network."""
    services = compose()["services"]
    for name in OBSERVABILITY:
        ports = services[name]["ports"]
        assert ports, name
        assert all(str(port).startswith("127.0.0.1:") for port in ports), (name, ports)


def test_grafana_needs_a_login_with_the_operators_password() -> None:
    grafana = compose()["services"]["grafana"]
    env = grafana["environment"]
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert env["GF_USERS_ALLOW_SIGN_UP"] == "false"
    # Default-empty, so that compose (which interpolates every service, whatever its
    # profile) still starts the stack without the variable...
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == "${MEDIAOPS_GRAFANA_ADMIN_PASSWORD:-}"


def _grafana_entrypoint(tmp_path: Path) -> list[str]:
    """Grafana's entrypoint as the container runs it ($$ is compose's escaped $), with
    the image's /run.sh replaced by a script that says it started."""
    run = tmp_path / "run.sh"
    run.write_text("#!/bin/sh\necho grafana started\n")
    run.chmod(0o755)
    entrypoint = compose()["services"]["grafana"]["entrypoint"]
    return [part.replace("$$", "$").replace("/run.sh", str(run)) for part in entrypoint]


def test_grafana_refuses_to_start_without_its_admin_password(tmp_path: Path) -> None:
    """...and Grafana, which would take an empty password as admin/admin, does not start."""
    command = _grafana_entrypoint(tmp_path)
    env = {"PATH": os.environ["PATH"]}
    for password in (None, ""):
        given = env if password is None else {**env, "GF_SECURITY_ADMIN_PASSWORD": password}
        refused = subprocess.run(command, env=given, capture_output=True, text=True, check=False)
        assert refused.returncode != 0
        assert "MEDIAOPS_GRAFANA_ADMIN_PASSWORD" in refused.stderr
        assert "started" not in refused.stdout
    started = subprocess.run(
        command,
        env={**env, "GF_SECURITY_ADMIN_PASSWORD": "from-deploy-env"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (started.returncode, started.stdout.strip()) == (0, "grafana started")
