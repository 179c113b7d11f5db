"""deploy/docker-compose.yml, run the way compose would run it, without Docker.

What compose does, and what stands in for it here:

- an image per app (deploy/Dockerfile): the app's environment made by the same install
  script (tests/deploy/images.py), started with the image's `ENV` and `CMD`;
- `postgres:16` and its `docker-entrypoint-initdb.d/init.sh`: a private PostgreSQL cluster
  (initdb, superuser `postgres` with `POSTGRES_PASSWORD`, password authentication over
  TCP), then `deploy/postgres/init.sh` run the way the image's entrypoint runs it;
- `apache/kafka`: the embedded Kafka-protocol broker (tansu);
- `redis`: a private `redis-server`, started with compose's command;
- `minio` and `minio-bucket`: moto's S3 server (the same S3 API), with the bucket the job
  makes, signed into with MinIO's root user and password from the operator's `.env`;
- each service's `environment:`, with the operator's `.env`: exactly that, interpolated;
  container host names and ports mapped to 127.0.0.1 and free ports, container paths
  (`/data`) to folders;
- `depends_on`: the same order: migrate to completion, the services healthy, the gateway.

Nothing else is set for an app: a setting compose forgets is missing here too.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import httpx
from botocore.exceptions import EndpointConnectionError
from cryptography.fernet import Fernet
from devstack.broker import Broker
from devstack.ports import free_port

from tests.deploy.compose import (
    BUCKET_JOB,
    INIT_SCRIPT,
    build_args,
    dockerfile_stages,
    env_of,
    services,
    settings_prefix,
)
from tests.deploy.images import ImageEnv

HOST = "127.0.0.1"
PUBLIC_URL = "https://mediaops.example.com"


class Missing(RuntimeError):
    """A program the stand-in needs is not on this machine."""


# ------------------------------------------------------------------------------ postgres


def postgres_binary(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise Missing(f"PostgreSQL's {name} is not installed")
    return found[-1]


class PrivatePostgres:
    """A PostgreSQL cluster of its own, set up as the `postgres` image sets one up."""

    def __init__(self, password: str) -> None:
        self.password = password
        # Under /tmp itself: pytest's folders are private to us, and the server runs as
        # `postgres` when we are root (initdb refuses root).
        self.root = Path(tempfile.mkdtemp(prefix="mediaops-pg-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log = self.root / "server.log"
        self.port = 0
        self._as_server = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _server_owned(self, *paths: Path) -> None:
        for path in paths:
            if self._as_server:
                shutil.chown(path, "postgres", "postgres")

    def start(self) -> None:
        initdb = postgres_binary("initdb")
        postgres_binary("pg_ctl")  # missing: say so before initdb made anything
        if self._as_server and shutil.which("runuser") is None:
            raise Missing("runuser is needed to run PostgreSQL as root")
        self.data.mkdir()
        self.socket_dir.mkdir()
        self.socket_dir.chmod(0o777)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        self.log.touch()
        self._server_owned(self.data, self.socket_dir, pwfile, self.log)
        # The image's initdb: superuser `postgres` with POSTGRES_PASSWORD; trust on the
        # socket (for init scripts), scram-sha-256 over TCP (for the apps).
        subprocess.run(
            [
                *self._as_server,
                initdb,
                "-D",
                str(self.data),
                "--username=postgres",
                f"--pwfile={pwfile}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        pwfile.unlink()
        self.port = free_port()
        self.start_server()
        # docker-entrypoint-initdb.d: run with the image's variables, on the socket.
        subprocess.run(
            ["bash", str(INIT_SCRIPT)],
            env={
                **os.environ,
                "POSTGRES_USER": "postgres",
                "POSTGRES_DB": "postgres",
                "POSTGRES_PASSWORD": self.password,
                "PGHOST": str(self.socket_dir),
                "PGPORT": str(self.port),
            },
            check=True,
            capture_output=True,
        )

    def start_server(self) -> None:
        """Start the server on the cluster (again, after `stop_server`), on the same port."""
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses={HOST} -c fsync=off"
        subprocess.run(
            [*self._as_server, postgres_binary("pg_ctl"), "-D", str(self.data)]
            + ["-o", options, "-l", str(self.log), "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
        )

    def stop_server(self, mode: str = "fast") -> None:
        """Stop the server, keeping the cluster: `fast` ends every session, as a restart
        for an upgrade or a failover does; `immediate` is a crash."""
        subprocess.run(
            [*self._as_server, postgres_binary("pg_ctl"), "-D", str(self.data)]
            + ["-m", mode, "-w", "stop"],
            check=True,
            capture_output=True,
        )

    def restart(self, mode: str = "fast") -> None:
        self.stop_server(mode)
        self.start_server()

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                [*self._as_server, postgres_binary("pg_ctl"), "-D", str(self.data)]
                + ["-m", "immediate", "-w", "stop"],
                check=False,
                capture_output=True,
            )
        shutil.rmtree(self.root, ignore_errors=True)


# --------------------------------------------------------------------------------- redis


class PrivateRedis:
    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if shutil.which(self.command[0]) is None:
            raise Missing(f"{self.command[0]} is not installed")
        self.port = free_port()
        self.process = subprocess.Popen(
            [*self.command, "--port", str(self.port), "--bind", HOST],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            _terminate(self.process)


# --------------------------------------------------------------------------------- minio


class PrivateS3:
    """MinIO's S3 API (moto's server, in its own process), and the bucket `minio-bucket`
    creates in it. Like MinIO without MINIO_DOMAIN, it takes every request path-style,
    whatever its Host header (moto would read a bucket from a subdomain by default)."""

    def __init__(self, bucket_job_env: dict[str, str]) -> None:
        self.env = bucket_job_env
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if importlib.util.find_spec("moto.server") is None:
            raise Missing("moto's S3 server is not installed")
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
            env={**os.environ, "S3_IGNORE_SUBDOMAIN_BUCKETNAME": "true"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = boto3.client(
            "s3",
            endpoint_url=f"http://{HOST}:{self.port}",
            region_name="us-east-1",
            aws_access_key_id=self.env["MINIO_ROOT_USER"],
            aws_secret_access_key=self.env["MINIO_ROOT_PASSWORD"],
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                client.create_bucket(Bucket=self.env["MEDIA_BUCKET"])
                return
            except EndpointConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            _terminate(self.process)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# ----------------------------------------------------------------------------- the apps


def operator_env(smtp_port: int) -> dict[str, str]:
    """What an operator's deploy/.env says, for this run."""
    return {
        "MEDIAOPS_PUBLIC_URL": PUBLIC_URL,
        "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
        "CHANNEL_CREDENTIALS_KEY": Fernet.generate_key().decode(),
        "GATEWAY_NOTIFICATION_KEY": Fernet.generate_key().decode(),
        "MINIO_ROOT_USER": "mediaops",
        "MINIO_ROOT_PASSWORD": secrets.token_urlsafe(24),
        "MEDIAOPS_MAIL_URL": f"smtp://{HOST}:{smtp_port}",
        "MEDIAOPS_MAIL_FROM": "Mediaops <no-reply@mediaops.example.com>",
        # The brand's webhook receiver of this test listens on 127.0.0.1.
        "MEDIAOPS_ALLOW_PRIVATE_URLS": "true",
    }


def image_runtime(image: ImageEnv, data_dir: Path) -> tuple[dict[str, str], list[str]]:
    """The runtime stage's `ENV` (as the image sets it) and its `CMD`."""
    args = build_args(image.service)
    variables = {"MODULE": args["MODULE"], "PORT": args.get("PORT", "8000")}
    env: dict[str, str] = {}
    command: list[str] = []
    for line in dockerfile_stages()[-1]:
        keyword, _, rest = line.partition(" ")
        if keyword == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                value = value.replace("/app/.venv/bin", str(image.path / "bin"))
                value = value.replace("$PATH", os.environ.get("PATH", ""))
                value = re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), ""), value)
                env[key] = value.replace("/data", str(data_dir))
        elif keyword == "CMD":
            command = json.loads(rest)
    return env, command


@dataclass
class App:
    service: str
    image: ImageEnv
    env: dict[str, str]
    command: list[str]
    port: int | None
    metrics_port: int | None
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def metrics_url(self) -> str:
        return f"http://{HOST}:{self.metrics_port}/metrics"

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class ComposeStack:
    images: Mapping[str, ImageEnv]
    root: Path
    smtp_port: int
    operator: dict[str, str] = field(default_factory=dict)
    apps: dict[str, App] = field(default_factory=dict)
    minio_url: str = ""
    _infra: list[PrivatePostgres | PrivateRedis | Broker | PrivateS3] = field(default_factory=list)

    def start(self) -> None:
        self.operator = operator_env(self.smtp_port)
        postgres = PrivatePostgres(self.operator["POSTGRES_PASSWORD"])
        self._infra.append(postgres)
        postgres.start()
        redis = PrivateRedis(list(services()["redis"]["command"]))
        self._infra.append(redis)
        redis.start()
        broker = Broker(port=free_port())
        self._infra.append(broker)
        broker.start()
        minio = PrivateS3(env_of(BUCKET_JOB, self.operator))
        self._infra.append(minio)
        minio.start()
        self.minio_url = f"http://{HOST}:{minio.port}"
        addresses = {
            "postgres:5432": f"{HOST}:{postgres.port}",
            "redis:6379": f"{HOST}:{redis.port}",
            "kafka:9092": broker.bootstrap,
            "minio:9000": f"{HOST}:{minio.port}",
        }
        for service in self.images:
            args = build_args(service)
            port = free_port() if "PORT" in args else None
            if port is not None:
                addresses[f"{service}:{args['PORT']}"] = f"{HOST}:{port}"
            self.apps[service] = self._app(service, port)
        for app in self.apps.values():
            app.env = {key: _mapped(value, addresses) for key, value in app.env.items()}

        self._run_to_completion(self.apps["migrate"])
        serving = [app for name, app in self.apps.items() if name not in ("migrate", "gateway")]
        for app in serving:
            self._spawn(app)
        self._wait_healthy(serving)
        self._spawn(self.apps["gateway"])
        self._wait_healthy([self.apps["gateway"]])

    def _app(self, service: str, port: int | None) -> App:
        data_dir = self.root / service / "data"
        data_dir.mkdir(parents=True)
        image_env, command = image_runtime(self.images[service], data_dir)
        compose_env = {
            key: value.replace("/data", str(data_dir))
            for key, value in env_of(service, self.operator).items()
        }
        env = {
            # What any container has; nothing of this test run's own settings.
            "HOME": str(self.root / service),
            "LANG": "C.UTF-8",
            **image_env,
            **compose_env,
        }
        metrics_port = None
        if port is not None:
            prefix = settings_prefix(service)
            # The ports a container has to itself, published on free ones here.
            env[f"{prefix}_PORT"] = str(port)
            metrics_port = free_port()
            env[f"{prefix}_METRICS_PORT"] = str(metrics_port)
        return App(
            service=service,
            image=self.images[service],
            env=env,
            command=command,
            port=port,
            metrics_port=metrics_port,
            log=self.root / f"{service}.log",
        )

    def _spawn(self, app: App) -> None:
        workdir = self.root / app.service / "app"  # the image's WORKDIR, not our checkout
        workdir.mkdir(exist_ok=True)
        with app.log.open("ab") as log:
            app.process = subprocess.Popen(
                app.command,
                cwd=workdir,
                env=app.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _run_to_completion(self, app: App, timeout: float = 180) -> None:
        self._spawn(app)
        assert app.process is not None
        code = app.process.wait(timeout)
        if code != 0:
            raise RuntimeError(f"{app.service} exited with {code}:\n{app.tail()}")

    def _wait_healthy(self, apps: list[App], timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        waiting = list(apps)
        with httpx.Client(timeout=2, trust_env=False) as client:
            while waiting:
                for app in list(waiting):
                    assert app.process is not None
                    if app.process.poll() is not None:
                        raise RuntimeError(
                            f"{app.service} exited with {app.process.returncode}:\n{app.tail()}"
                        )
                    try:
                        if client.get(f"{app.url}/health").status_code == 200:
                            waiting.remove(app)
                    except httpx.HTTPError:
                        pass
                if waiting and time.monotonic() > deadline:
                    late = waiting[0]
                    raise RuntimeError(f"{late.service} is not healthy:\n{late.tail()}")
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop every app, then every piece of infrastructure, whatever fails on the way."""
        for app in self.apps.values():
            if app.process is not None and app.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(app.process.pid, signal.SIGTERM)
        for app in self.apps.values():
            if app.process is None:
                continue
            try:
                app.process.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(app.process.pid, signal.SIGKILL)
                app.process.wait()
        failures = []
        for part in reversed(self._infra):
            try:
                part.stop()
            except Exception as exc:  # the others must still stop
                failures.append(f"{type(part).__name__}: {exc!r}")
        if failures:
            raise RuntimeError("; ".join(failures))

    def admin(self, *argv: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        """`docker compose exec gateway mediaops-admin ...`: the gateway's ops command in its
        image, with the gateway's environment."""
        gateway = self.apps["gateway"]
        return subprocess.run(
            [str(gateway.image.path / "bin" / "mediaops-admin"), *argv],
            env=gateway.env,
            cwd=self.root / "gateway" / "app",
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _mapped(value: str, addresses: Mapping[str, str]) -> str:
    """Container `host:port` references (in URLs, bootstrap lists) to where they run here."""
    for container, local in addresses.items():
        value = re.sub(rf"(?<![\w.-]){re.escape(container)}(?![\d])", local, value)
    return value
