"""deploy/docker-compose.yml keeps uploaded media in MinIO: the store, the one-shot step
that makes its bucket, content-svc's settings for it and the public path to its files.

Held against content-svc's own Settings and media store, never against values copied from
the compose file.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.deploy.compose import (
    BUCKET_JOB,
    DEPLOY,
    OPERATOR_ENV,
    SERVING,
    build_args,
    compose,
    env_of,
    healthcheck_text,
    interpolate,
    media_link,
    on_named_volume,
    production_settings,
    raw_env,
    services,
    settings_prefix,
)

CONTENT = "content-svc"
MINIO = "minio"
CADDYFILE = DEPLOY / "caddy" / "Caddyfile"


def bucket_script() -> str:
    """The job's shell command as the container gets it (compose's `$$` is a `$`)."""
    job = services()[BUCKET_JOB]
    return interpolate(" ".join([*job["entrypoint"], *job["command"]]), OPERATOR_ENV)


@pytest.mark.parametrize("app", SERVING)
def test_every_app_setting_compose_gives_is_one_the_app_has(app: str) -> None:
    # pydantic-settings ignores a variable it has no field for: a misspelt name would leave
    # the setting at its default without a word.
    settings_class = importlib.import_module(f"{build_args(app)['MODULE']}.settings").Settings
    prefix = f"{settings_prefix(app)}_"
    for name in raw_env(app):
        if name.startswith(prefix):
            assert name.removeprefix(prefix).lower() in settings_class.model_fields, name


def test_content_svc_keeps_media_in_the_bucket_the_job_creates(tmp_path: Path) -> None:
    settings = production_settings(CONTENT, tmp_path)
    assert settings.media_s3_bucket == env_of(BUCKET_JOB)["MEDIA_BUCKET"]
    endpoint = urlsplit(settings.media_s3_endpoint_url)
    assert (endpoint.scheme, endpoint.hostname, endpoint.port) == ("http", MINIO, 9000)
    # Its keys are MinIO's own, from the operator's .env.
    minio = env_of(MINIO)
    assert settings.media_s3_access_key_id == minio["MINIO_ROOT_USER"]
    assert settings.media_s3_access_key_id == OPERATOR_ENV["MINIO_ROOT_USER"]
    secret = settings.media_s3_secret_access_key
    assert secret.get_secret_value() == minio["MINIO_ROOT_PASSWORD"]
    depends = services()[CONTENT]["depends_on"]
    assert depends[BUCKET_JOB]["condition"] == "service_completed_successfully"


def test_media_links_are_signed_for_the_public_address(tmp_path: Path) -> None:
    """What a browser is handed opens on MEDIAOPS_PUBLIC_URL's host, not on `minio:9000`,
    which only the compose network knows."""
    settings = production_settings(CONTENT, tmp_path)
    url = media_link(settings)
    public = urlsplit(OPERATOR_ENV["MEDIAOPS_PUBLIC_URL"])
    assert (url.scheme, url.netloc) == (public.scheme, public.netloc)
    assert url.path == f"/{settings.media_s3_bucket}/w/m/original"
    assert "X-Amz-Signature=" in url.query


def test_the_tls_profiles_caddy_sends_the_bucket_path_to_minio(tmp_path: Path) -> None:
    bucket = production_settings(CONTENT, tmp_path).media_s3_bucket
    text = CADDYFILE.read_text()
    handled = re.search(rf"handle /{re.escape(bucket)}/\* \{{\s*reverse_proxy (\S+)\s*\}}", text)
    assert handled, f"Caddy does not route /{bucket}/ anywhere"
    host, port = handled.group(1).split(":")
    assert (host, int(port)) == (MINIO, 9000)
    # Caddy keeps the Host header unless told otherwise: the signature covers it.
    assert "header_up Host" not in text
    caddy = compose()["services"]["caddy"]
    assert caddy["depends_on"][MINIO]["condition"] == "service_healthy"


def test_minio_keeps_its_files_on_a_named_volume_and_says_when_it_is_ready() -> None:
    minio = services()[MINIO]
    assert minio["command"][:2] == ["server", "/data"]
    assert on_named_volume(MINIO, "/data")
    assert "mc ready local" in healthcheck_text(MINIO)
    assert not minio.get("ports"), "MinIO stays on the compose network"


def test_the_bucket_job_runs_once_after_minio_and_creates_the_bucket_idempotently() -> None:
    job = services()[BUCKET_JOB]
    assert job["restart"] == "no"
    assert job["depends_on"][MINIO]["condition"] == "service_healthy"
    script = bucket_script()
    assert "mc alias set mediaops http://minio:9000" in script
    assert '"$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"' in script
    assert 'mc mb --ignore-existing "mediaops/$MEDIA_BUCKET"' in script
    assert env_of(BUCKET_JOB)["MINIO_ROOT_PASSWORD"] == OPERATOR_ENV["MINIO_ROOT_PASSWORD"]


@pytest.mark.parametrize(
    "service", [name for name, svc in compose()["services"].items() if not svc.get("build")]
)
def test_images_not_built_here_are_pinned(service: str) -> None:
    image = compose()["services"][service]["image"]
    name, _, tag = image.rpartition(":")
    assert name, f"{service}: {image} has no tag"
    assert tag, f"{service}: {image} has no tag"
    assert tag != "latest"
    if name.startswith("minio/"):
        # MinIO's releases are named by date: one named release, never a moving tag.
        assert re.fullmatch(r"RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ", tag), image
