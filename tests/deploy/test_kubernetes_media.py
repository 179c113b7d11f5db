"""deploy/kubernetes keeps uploaded media in MinIO as compose does: the StatefulSet and its
volume, the bucket Job, content-svc's settings, and the public path to the files.

Rendered with the locked kubectl and held against the compose file and content-svc's own
settings and media store, never against values copied from the manifests.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.deploy.compose import (
    BUCKET_JOB,
    DEPLOY,
    OPERATOR_ENV,
    env_of,
    media_link,
    production_settings,
    services,
)
from tests.deploy.manifests import (
    ANYONE,
    Manifest,
    container,
    container_env,
    container_port,
    ingress_peers,
    named,
    of_kind,
    pod_labels,
    pod_spec,
    render,
    selects,
    workload_of,
)

KUBERNETES = DEPLOY / "kubernetes"
RENDERS = {"base": KUBERNETES / "base", "production": KUBERNETES / "overlays" / "production"}
CONTENT = "content-svc"
MINIO = "minio"
# What the Secret mediaops-minio holds, for content-svc's own store below.
MINIO_SECRET = {"MINIO_ROOT_USER": "mediaops", "MINIO_ROOT_PASSWORD": "a-minio-password"}


@pytest.fixture(params=list(RENDERS))
def docs(request: pytest.FixtureRequest) -> tuple[Manifest, ...]:
    return render(RENDERS[request.param])


def content_env(docs: tuple[Manifest, ...]) -> dict[str, str]:
    """content-svc's environment as the pod gets it, mediaops-minio's keys filled in."""
    env: dict[str, str] = {}
    for name, source in container_env(docs, workload_of(docs, CONTENT)).items():
        if source.value is not None:
            env[name] = source.value
        elif source.secret == "mediaops-minio":
            env[name] = MINIO_SECRET[str(source.key)]
    return env


def test_content_svc_uses_minios_service_bucket_and_keys(docs: tuple[Manifest, ...]) -> None:
    env = content_env(docs)
    job_env = container_env(docs, workload_of(docs, BUCKET_JOB))
    assert env["CONTENT_MEDIA_S3_BUCKET"] == job_env["MEDIA_BUCKET"].value
    endpoint = urlsplit(env["CONTENT_MEDIA_S3_ENDPOINT_URL"])
    service = named(docs, "Service", MINIO)
    assert endpoint.hostname == MINIO
    (port,) = [p for p in service["spec"]["ports"] if p["port"] == endpoint.port]
    minio = workload_of(docs, MINIO)
    assert port["targetPort"] in ("http", container_port(minio, "http"))
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(minio))
    # content-svc signs in with MinIO's own root user, from the same Secret.
    minio_env = container_env(docs, minio)
    content = container_env(docs, workload_of(docs, CONTENT))
    for setting, variable in (
        ("CONTENT_MEDIA_S3_ACCESS_KEY_ID", "MINIO_ROOT_USER"),
        ("CONTENT_MEDIA_S3_SECRET_ACCESS_KEY", "MINIO_ROOT_PASSWORD"),
    ):
        assert (content[setting].secret, content[setting].key) == (
            minio_env[variable].secret,
            minio_env[variable].key,
        )
        assert not content[setting].optional


def test_media_links_open_on_the_public_host(docs: tuple[Manifest, ...], tmp_path: Path) -> None:
    env = content_env(docs)
    media = {k: v for k, v in env.items() if k.startswith("CONTENT_MEDIA_")}
    url = media_link(production_settings(CONTENT, tmp_path, media))
    public = urlsplit(env["MEDIAOPS_PUBLIC_URL"])
    assert (url.scheme, url.netloc) == (public.scheme, public.netloc)
    assert url.path == f"/{env['CONTENT_MEDIA_S3_BUCKET']}/w/m/original"


def test_production_ingress_sends_the_bucket_path_to_minio() -> None:
    docs = render(RENDERS["production"])
    env = content_env(docs)
    public = urlsplit(env["MEDIAOPS_PUBLIC_URL"])
    (ingress,) = of_kind(docs, "Ingress")
    (rule,) = [r for r in ingress["spec"]["rules"] if r["host"] == public.hostname]
    bucket_path = f"/{env['CONTENT_MEDIA_S3_BUCKET']}/w/m/original"
    matching = [
        p
        for p in rule["http"]["paths"]
        if p["pathType"] == "Prefix" and bucket_path.startswith(p["path"])
    ]
    longest = max(matching, key=lambda p: len(p["path"]))  # the longest prefix wins
    backend = longest["backend"]["service"]
    assert backend["name"] == MINIO
    ports = {p["name"]: p["port"] for p in named(docs, "Service", MINIO)["spec"]["ports"]}
    assert ports[backend["port"]["name"]] == urlsplit(env["CONTENT_MEDIA_S3_ENDPOINT_URL"]).port
    # The controller's rewrites would break the signature, which covers the path.
    annotations = ingress["metadata"].get("annotations") or {}
    assert not [key for key in annotations if "rewrite-target" in key]


def test_minio_keeps_its_files_on_its_own_volume(docs: tuple[Manifest, ...]) -> None:
    minio = workload_of(docs, MINIO)
    assert minio["kind"] == "StatefulSet"
    assert minio["spec"]["replicas"] == 1  # one volume, one server
    box = container(minio)
    assert box["args"][:2] == ["server", "/data"]
    (data,) = [m for m in box["volumeMounts"] if m["mountPath"] == "/data"]
    claims = {c["metadata"]["name"]: c for c in minio["spec"]["volumeClaimTemplates"]}
    assert data["name"] in claims
    assert claims[data["name"]]["spec"]["accessModes"] == ["ReadWriteOnce"]
    for probe in ("livenessProbe", "readinessProbe"):
        assert box[probe]["httpGet"]["path"].startswith("/minio/health/")
        assert box[probe]["httpGet"]["port"] in ("http", container_port(minio, "http"))


@pytest.mark.parametrize("service", [MINIO, BUCKET_JOB])
def test_the_object_store_runs_compose_images(docs: tuple[Manifest, ...], service: str) -> None:
    assert container(workload_of(docs, service))["image"] == services()[service]["image"]


def test_the_bucket_job_creates_the_bucket_idempotently(docs: tuple[Manifest, ...]) -> None:
    job = workload_of(docs, BUCKET_JOB)
    assert job["kind"] == "Job"
    assert job["spec"]["backoffLimit"] >= 3, "MinIO may still be starting"
    assert pod_spec(job)["restartPolicy"] in ("Never", "OnFailure")
    script = " ".join([*container(job)["command"], *container(job)["args"]])
    assert "alias set mediaops http://minio:9000" in script
    assert 'mb --ignore-existing "mediaops/$MEDIA_BUCKET"' in script
    # mc writes its configuration: on /tmp, an emptyDir, the root being read-only.
    (shell_script,) = container(job)["args"]
    for step in shell_script.split("&&"):
        assert step.strip().startswith("mc --config-dir /tmp/"), step
    assert env_of(BUCKET_JOB)["MINIO_ROOT_USER"] == OPERATOR_ENV["MINIO_ROOT_USER"]


def test_content_svc_and_the_bucket_job_may_reach_minio(docs: tuple[Manifest, ...]) -> None:
    peers = ingress_peers(docs, workload_of(docs, MINIO), "http")
    for client in (CONTENT, BUCKET_JOB):
        labels = pod_labels(workload_of(docs, client))
        assert ANYONE in peers or any(
            peer[0] == "pods" and selects(peer[1], labels) for peer in peers
        ), f"{client} cannot reach MinIO"
