"""Static checks of deploy/: the compose file, the Dockerfile and the postgres init script.

Docker cannot run everywhere the tests run, so these parse the files and hold them against
the workspace itself (the root pyproject.toml and each member's pyproject.toml and src/),
never against expectations copied from the compose file.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest

from tests.deploy.compose import (
    _VAR,
    APPS,
    BUCKET_JOB,
    COMPOSE_FILE,
    DEPLOY,
    DOCKERFILE,
    DOCKERIGNORE,
    ENV_EXAMPLE,
    GATEWAY,
    INFRA,
    INIT_SCRIPT,
    INSTALL_SCRIPT,
    MIGRATE,
    OPERATOR_ENV,
    REPO,
    SERVING,
    app_port,
    build_args,
    compose,
    compose_name,
    database_url,
    dockerfile_args,
    dockerfile_lines,
    dockerfile_stages,
    env_of,
    healthcheck_text,
    interpolate,
    member_project,
    on_named_volume,
    production_settings,
    raw_env,
    services,
    settings_prefix,
    workspace_members,
)

# ============================================================================== tests


def test_workspace_has_apps() -> None:
    # Guards the derivations below against passing vacuously.
    assert GATEWAY in APPS
    assert len(SERVING) >= 2


def test_compose_runs_every_app_and_the_infrastructure() -> None:
    built = {name for name, svc in services().items() if svc.get("build")}
    assert {build_args(name)["SERVICE"] for name in built} == set(APPS)
    assert set(services()) == built | set(INFRA) | {BUCKET_JOB}
    assert compose_name("mediaops-migrate") == MIGRATE


@pytest.mark.parametrize("service", [*INFRA, *SERVING])
def test_every_long_running_service_has_a_healthcheck(service: str) -> None:
    check = services()[service].get("healthcheck")
    assert check, f"{service} has no healthcheck"
    assert not check.get("disable", False)
    test = check["test"]
    if isinstance(test, list):
        assert test[0] in ("CMD", "CMD-SHELL")
        assert len(test) > 1
    assert healthcheck_text(service).strip()


@pytest.mark.parametrize("service", [*INFRA, *SERVING])
def test_every_long_running_service_restarts_unless_stopped(service: str) -> None:
    assert services()[service].get("restart") == "unless-stopped"


def test_the_migrate_step_runs_once_and_is_not_restarted() -> None:
    migrate = services()[MIGRATE]
    assert migrate["restart"] == "no"
    assert "ports" not in migrate
    assert "PORT" not in build_args(MIGRATE)
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("app", APPS)
def test_app_build_args_name_a_real_workspace_app(app: str) -> None:
    service = compose_name(app)
    build = services()[service]["build"]
    assert (DEPLOY / build["context"]).resolve() == REPO
    assert (REPO / build["dockerfile"]).resolve() == DOCKERFILE
    args = build_args(service)
    assert args["SERVICE"] in workspace_members(), f"{args['SERVICE']} is no workspace member"
    module = args["MODULE"]
    package_dir = workspace_members()[args["SERVICE"]] / "src" / module
    assert (package_dir / "__init__.py").is_file(), f"no package {package_dir}"
    assert (package_dir / "__main__.py").is_file(), f"python -m {module} cannot run"
    scripts = member_project(app)["scripts"]
    assert all(target.split(":")[0].split(".")[0] == module for target in scripts.values())


@pytest.mark.parametrize("app", APPS)
def test_image_names_follow_the_prefix_and_tag(app: str) -> None:
    service = compose_name(app)
    image = services()[service]["image"]
    assert image == f"${{MEDIAOPS_IMAGE_PREFIX:-mediaops/}}{service}:${{MEDIAOPS_TAG:-latest}}"
    named = {"MEDIAOPS_IMAGE_PREFIX": "registry.example.com/mo/", "MEDIAOPS_TAG": "1.4.0"}
    assert interpolate(image, named) == f"registry.example.com/mo/{service}:1.4.0"


@pytest.mark.parametrize("app", APPS)
def test_images_are_built_not_pulled_unless_asked(app: str) -> None:
    # `mediaops/...` on Docker Hub is someone else's: never run it with our secrets.
    policy = services()[compose_name(app)]["pull_policy"]
    assert interpolate(policy, OPERATOR_ENV) == "build"
    assert interpolate(policy, {"MEDIAOPS_PULL_POLICY": "always"}) == "always"


def test_apps_use_distinct_modules_and_ports() -> None:
    built = [name for name, svc in services().items() if svc.get("build")]
    assert len({build_args(name)["MODULE"] for name in built}) == len(built)
    assert len({app_port(app) for app in SERVING}) == len(SERVING)


@pytest.mark.parametrize("app", SERVING)
def test_app_port_is_consistent(app: str) -> None:
    env = env_of(app)
    port = app_port(app)
    assert int(build_args(app)["PORT"]) == port
    assert env[f"{settings_prefix(app)}_HOST"] == "0.0.0.0"
    assert f"127.0.0.1:{port}/health" in healthcheck_text(app)


@pytest.mark.parametrize("service", [name for name, svc in services().items() if svc.get("build")])
def test_compose_passes_only_args_the_dockerfile_declares(service: str) -> None:
    args = set(build_args(service))
    assert args <= dockerfile_args()
    assert {"SERVICE", "MODULE", "PYTHON_IMAGE", "PYPI_MIRROR", "PYPI_FILES_MIRROR"} <= args


def test_dockerfile_installs_and_runs_one_app() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2, "expected a multi-stage build"
    assert any(
        re.fullmatch(r"ARG PYTHON_IMAGE=python:3\.11-slim", line) for line in dockerfile_lines()
    )
    for stage in stages:
        assert re.match(r"FROM \$\{PYTHON_IMAGE\}(\s|$)", stage[0])
    build, runtime = "\n".join(stages[0]), "\n".join(stages[-1])
    assert re.search(r'pip install .*"uv>=[\d.]+,<[\d.]+"', build), "pin uv to a range"
    # The install is one script, which the image tests run too (tests/deploy/test_images.py).
    assert re.search(r'install-app\.sh "\$SERVICE" "\$MODULE"', build)
    script = INSTALL_SCRIPT.read_text()
    assert 'sync --locked --no-dev --package "$SERVICE"' in script
    assert '-m "$MODULE" check' in script
    assert "--from=build /app/.venv" in runtime
    users = [line.split()[1] for line in stages[-1] if line.startswith("USER ")]
    assert users, "runtime stage runs as root"
    assert users[-1] not in ("root", "0")
    assert re.search(r"^ENV .*\bMODULE=\$\{?MODULE\b", runtime, re.M)
    assert re.search(r"^EXPOSE \$\{?PORT\b", runtime, re.M)
    healthcheck = next(line for line in stages[-1] if line.startswith("HEALTHCHECK "))
    assert "urllib.request" in healthcheck
    assert "PORT" in healthcheck
    assert "/health" in healthcheck
    cmd = next(line for line in reversed(stages[-1]) if line.startswith("CMD "))
    assert "python -m" in cmd
    assert "$MODULE" in cmd


def test_dockerfile_copies_the_whole_workspace_and_the_context_allows_it() -> None:
    build = dockerfile_stages()[0]
    sources = {
        src
        for line in build
        if line.startswith("COPY ") and "--from" not in line
        for src in line.split()[1:-1]
    }
    needed = {"pyproject.toml", "uv.lock"} | {
        d.relative_to(REPO).parts[0] for d in workspace_members().values()
    }
    assert needed <= {source.split("/")[0] for source in sources}, (
        f"not copied into the build stage: {needed - sources}"
    )
    ignore = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert ignore[0] == "*", "the context is an allow-list"
    for source in sources:
        allowed = source if source.count("/") < 1 else str(PurePosixPath(source).parent)
        assert f"!{allowed}" in ignore, f"{source} is excluded from the build context"
    assert "**/.env" in ignore
    assert "**/.venv" in ignore


@pytest.mark.parametrize("app", SERVING)
def test_app_reaches_kafka_with_the_idempotent_producer_where_it_can(app: str) -> None:
    env = env_of(app)
    assert env["MEDIAOPS_KAFKA_BOOTSTRAP"] == "kafka:9092"
    # auto: idempotent on Apache Kafka; the same file runs against brokers without it.
    assert env["MEDIAOPS_KAFKA_IDEMPOTENCE"] == "auto"
    advertised = env_of("kafka")["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert any(entry.endswith("://" + env["MEDIAOPS_KAFKA_BOOTSTRAP"]) for entry in advertised)


@pytest.mark.parametrize("app", SERVING)
def test_app_shared_settings(app: str) -> None:
    env = env_of(app)
    assert env["MEDIAOPS_ENVIRONMENT"] == "production"
    assert env["MEDIAOPS_LOG_FORMAT"] == "json"
    assert env["MEDIAOPS_DATA_DIR"] == "/data"
    assert env["MEDIAOPS_PUBLIC_URL"] == OPERATOR_ENV["MEDIAOPS_PUBLIC_URL"]
    jwks = urlsplit(env["MEDIAOPS_JWKS_URL"])
    assert (jwks.hostname, jwks.port) == (GATEWAY, app_port(GATEWAY))
    assert jwks.path == "/.well-known/jwks.json"


@pytest.mark.parametrize("app", SERVING)
def test_compose_leaves_no_setting_at_an_unsafe_default(app: str, tmp_path: Path) -> None:
    """Each app's own production check passes with exactly compose's environment: a
    cross-service URL, the public address or a key compose forgot fails here."""
    assert production_settings(app, tmp_path).production_problems() == []


@pytest.mark.parametrize(
    ("app", "forgotten"),
    [
        ("content-svc", "CONTENT_CHANNEL_SVC_URL"),
        ("content-svc", "CONTENT_MEDIA_S3_PUBLIC_URL"),
        ("gateway", "GATEWAY_CHANNEL_URL"),
        ("channel-svc", "MEDIAOPS_JWKS_URL"),
        ("user-svc", "MEDIAOPS_KAFKA_BOOTSTRAP"),
        ("metrics-svc", "METRICS_DATABASE_URL"),
    ],
)
def test_a_forgotten_setting_is_named(app: str, forgotten: str, tmp_path: Path) -> None:
    # The check above is not vacuous: without one of compose's settings, it names it.
    env = {k: v for k, v in env_of(app).items() if k != forgotten}
    problems = production_settings(app, tmp_path, env).production_problems()
    assert any(problem.startswith(forgotten) for problem in problems), problems


def test_a_localhost_public_url_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPERATOR_ENV, "MEDIAOPS_PUBLIC_URL", "http://localhost:8000")
    problems = production_settings("user-svc", tmp_path).production_problems()
    assert [p for p in problems if p.startswith("MEDIAOPS_PUBLIC_URL")], problems


@pytest.mark.parametrize("app", SERVING)
def test_app_database_url_is_its_own_database_on_postgres(app: str) -> None:
    prefix = settings_prefix(app)
    url_keys = [key for key in raw_env(app) if key.endswith("_DATABASE_URL")]
    assert url_keys == [f"{prefix}_DATABASE_URL"], "one database URL, under the app's prefix"
    url = database_url(app)
    assert url.scheme == "postgresql+asyncpg"
    assert url.hostname == "postgres"
    assert url.port == 5432
    assert url.username == "mediaops"
    assert url.password == OPERATOR_ENV["POSTGRES_PASSWORD"], "password not from the env"
    assert re.fullmatch(r"/\w+", url.path)


def test_each_app_has_a_distinct_database() -> None:
    names = [database_url(app).path.lstrip("/") for app in SERVING]
    assert len(set(names)) == len(names), names


def test_the_migrate_step_gets_exactly_every_apps_database() -> None:
    env = env_of(MIGRATE)
    given = {key: value for key, value in env.items() if key.endswith("_DATABASE_URL")}
    assert given == {
        f"{settings_prefix(app)}_DATABASE_URL": env_of(app)[f"{settings_prefix(app)}_DATABASE_URL"]
        for app in SERVING
    }
    assert env["MEDIAOPS_ENVIRONMENT"] == "production"


def test_init_script_creates_exactly_the_databases_the_urls_name() -> None:
    script = INIT_SCRIPT.read_text()
    created = re.findall(r"CREATE DATABASE\s+\"?(\w+)\"?", script, re.I)
    assert len(created) == len(set(created))
    assert set(created) == {database_url(app).path.lstrip("/") for app in SERVING}
    roles = set(re.findall(r"CREATE ROLE\s+\"?(\w+)\"?", script, re.I))
    assert {database_url(app).username for app in SERVING} <= roles
    assert os.stat(INIT_SCRIPT).st_mode & stat.S_IXUSR, "init.sh must be executable"
    mounts = services()["postgres"]["volumes"]
    assert any(
        isinstance(m, str)
        and (DEPLOY / m.split(":")[0]).resolve() == INIT_SCRIPT
        and m.split(":")[1].startswith("/docker-entrypoint-initdb.d/")
        for m in mounts
    )


@pytest.mark.parametrize(
    "required",
    [
        "POSTGRES_PASSWORD",
        "CHANNEL_CREDENTIALS_KEY",
        "GATEWAY_NOTIFICATION_KEY",
        "MEDIAOPS_PUBLIC_URL",
        "MINIO_ROOT_USER",
        "MINIO_ROOT_PASSWORD",
    ],
)
def test_compose_refuses_to_start_without_a_required_value(required: str) -> None:
    without = {k: v for k, v in OPERATOR_ENV.items() if k != required}
    users = [
        name
        for name in services()
        if required in COMPOSE_FILE.read_text()
        and any(required in value for value in raw_env(name).values())
    ]
    assert users, f"nothing uses {required}"
    for name in users:
        with pytest.raises(KeyError, match=f"{required} is required"):
            env_of(name, without)


def test_postgres_password_comes_from_the_environment() -> None:
    env = env_of("postgres")
    assert env["POSTGRES_PASSWORD"] == OPERATOR_ENV["POSTGRES_PASSWORD"]
    assert on_named_volume("postgres", "/var/lib/postgresql/data")
    assert "pg_isready" in healthcheck_text("postgres")


@pytest.mark.parametrize("app", SERVING)
def test_app_waits_for_the_infrastructure_and_the_migrate_step(app: str) -> None:
    depends = services()[app]["depends_on"]
    assert isinstance(depends, dict), "use the long form with conditions"
    for infra in ("kafka", "postgres"):
        assert depends[infra]["condition"] == "service_healthy"
    assert depends[MIGRATE]["condition"] == "service_completed_successfully"


def test_gateway_waits_for_every_service_and_routes_to_it() -> None:
    depends = services()[GATEWAY]["depends_on"]
    env = env_of(GATEWAY)
    for app in SERVING:
        if app == GATEWAY:
            continue
        assert depends[app]["condition"] == "service_healthy"
        upstream = urlsplit(env[f"GATEWAY_{settings_prefix(app)}_URL"])
        assert (upstream.scheme, upstream.hostname, upstream.port) == ("http", app, app_port(app))


def test_content_svc_reaches_channel_svc() -> None:
    url = urlsplit(env_of("content-svc")["CONTENT_CHANNEL_SVC_URL"])
    assert (url.scheme, url.hostname, url.port) == ("http", "channel-svc", app_port("channel-svc"))


def test_gateways_share_their_rate_limits_in_redis() -> None:
    url = urlsplit(env_of(GATEWAY)["GATEWAY_REDIS_URL"])
    assert (url.scheme, url.hostname, url.port) == ("redis", "redis", 6379)
    assert services()[GATEWAY]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "redis-cli" in healthcheck_text("redis")


def test_cors_origins_come_from_the_environment() -> None:
    given = {**OPERATOR_ENV, "MEDIAOPS_CORS_ORIGINS": "https://console.example.com"}
    assert env_of(GATEWAY, given)["GATEWAY_CORS_ORIGINS"] == "https://console.example.com"
    assert env_of(GATEWAY)["GATEWAY_CORS_ORIGINS"] == ""


def test_only_the_gateway_publishes_ports() -> None:
    published = {name for name, svc in services().items() if svc.get("ports")}
    assert published == {GATEWAY}
    ports = [interpolate(p, OPERATOR_ENV) for p in services()[GATEWAY]["ports"]]
    assert ports == [f"{app_port(GATEWAY)}:{app_port(GATEWAY)}"]
    local = [
        interpolate(p, {"MEDIAOPS_HTTP_PUBLISH": "127.0.0.1:8000"})
        for p in services()[GATEWAY]["ports"]
    ]
    assert local == [f"127.0.0.1:{app_port(GATEWAY)}:{app_port(GATEWAY)}"]
    assert all(svc.get("network_mode") != "host" for svc in services().values())


def test_the_tls_profile_puts_caddy_in_front_of_the_gateway() -> None:
    caddy = compose()["services"]["caddy"]
    assert caddy["profiles"] == ["tls"]
    assert caddy["depends_on"][GATEWAY]["condition"] == "service_healthy"
    caddyfile = DEPLOY / "caddy" / "Caddyfile"
    assert any(
        (DEPLOY / m.split(":")[0]).resolve() == caddyfile
        for m in caddy["volumes"]
        if isinstance(m, str)
    )
    text = caddyfile.read_text()
    assert "{$MEDIAOPS_PUBLIC_URL}" in text
    assert f"reverse_proxy {GATEWAY}:{app_port(GATEWAY)}" in text


def test_gateway_signing_keys_are_on_a_named_volume() -> None:
    assert on_named_volume(GATEWAY, env_of(GATEWAY)["GATEWAY_JWT_KEY_DIR"])


def test_kafka_is_a_single_kraft_node() -> None:
    kafka = services()["kafka"]
    env = env_of("kafka")
    assert kafka["image"] == "apache/kafka:3.9.0"
    assert env["CLUSTER_ID"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    listeners = dict(item.split("://") for item in env["KAFKA_LISTENERS"].split(","))
    assert controller in listeners
    voter_id, voter_address = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split("@")
    assert voter_id == env["KAFKA_NODE_ID"]
    assert voter_address.split(":")[1] == listeners[controller].split(":")[-1]
    protocols = dict(
        item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    assert set(listeners) <= set(protocols)
    for key in (
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
    ):
        assert env[key] == "1", key
    # The services create the registry's topics with their partition counts.
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert on_named_volume("kafka", env["KAFKA_LOG_DIRS"])
    assert "kafka-broker-api-versions.sh --bootstrap-server localhost:9092" in healthcheck_text(
        "kafka"
    )


def test_every_interpolated_variable_is_documented_without_a_value() -> None:
    used = {m.group(2) or m.group(5) for m in _VAR.finditer(COMPOSE_FILE.read_text())} - {None}
    documented = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    assert used == set(documented)
    assert all(value == "" for value in documented.values()), "no secrets in .env.example"
    assert ".env" in (DEPLOY / ".gitignore").read_text().split()
