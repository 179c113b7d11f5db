"""Settings every service shares, and the base class each service's own settings extend.

Defaults run the embedded stack (SQLite under `.data/`, the local broker on 9092) with no
configuration at all; production sets URLs through the environment. A default that is
right on a laptop is wrong in production (a localhost address, a SQLite file, a trial
password), so in production an app refuses to start while `production_problems()` names
one: a container that starts and then cannot do its job is worse than one that says why.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from servicekit.apps import METRICS_PORT_OFFSET

# Passwords that ship in examples and images (compose's trial default was "mediaops").
KNOWN_DATABASE_PASSWORDS = frozenset({"", "mediaops", "postgres", "password", "changeme"})

SASL_PROTOCOLS = ("SASL_PLAINTEXT", "SASL_SSL")
TLS_PROTOCOLS = ("SSL", "SASL_SSL")


class SharedSettings(BaseSettings):
    """Settings with the `MEDIAOPS_` prefix, read by every process."""

    # Errors name the setting and never echo the input: it may hold the broker's password.
    # An empty variable is an unset one: compose passes `${VAR:-}` as "", and a Kubernetes
    # ConfigMap cannot drop a key an overlay wants unset.
    model_config = SettingsConfigDict(
        env_prefix="MEDIAOPS_", extra="ignore", hide_input_in_errors=True, env_ignore_empty=True
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".data")
    # The one address the public reaches Mediaops at (the gateway, usually behind a TLS
    # reverse proxy): tracked links (`/l/`), feed links (`/feeds/`) and the links in mail
    # are all built from it.
    public_url: str = "http://127.0.0.1:8000"
    kafka_bootstrap: str = "127.0.0.1:9092"
    # How every Kafka client reaches the cluster (servicekit.kafka.client_options): a
    # managed Kafka wants SASL_SSL; the embedded broker speaks PLAINTEXT only.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    # PEM files. Without a CA file the system's CAs check the broker (managed clusters have
    # publicly signed certificates); a client certificate only where the cluster asks for one.
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    kafka_ssl_key_password: SecretStr | None = None
    # Given to the topics the services create (servicekit.kafka.ensure_topics); a topic that
    # exists keeps what it has. Unset: the broker's default. Three brokers: 3 and 2.
    kafka_topic_replication_factor: int = Field(default=1, ge=1)
    kafka_topic_min_insync_replicas: int | None = Field(default=None, ge=1)
    kafka_topic_retention_hours: float | None = Field(default=None, gt=0)
    # `auto`: idempotent where the broker hands out producer ids (Apache Kafka), plain
    # acks=all where it does not (the embedded broker); `true` refuses to run without it.
    kafka_idempotence: Literal["auto"] | bool = "auto"
    allow_private_urls: bool = False
    jwks_url: str = "http://127.0.0.1:8000/.well-known/jwks.json"
    # A JWKS document given inline wins over jwks_url (tests, air-gapped setups).
    jwks: str | None = None
    # Who a token is for: the gateway accepts only what it gives callers (`jwt_audience`);
    # the services only what it mints for them on each request (`jwt_upstream_audience`),
    # so a caller's own token sent straight to a service port is refused.
    jwt_audience: str = "mediaops"
    jwt_upstream_audience: str = "mediaops-upstream"
    jwt_issuer: str = "mediaops-gateway"
    log_format: Literal["console", "json"] = "console"
    log_level: str = "INFO"
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_retry_backoff_seconds: float = Field(default=0.2, ge=0)
    # How long the broker may hold a fetch open when no data is there: the floor of an
    # event's latency per hop, paid in idle polling when it is small.
    consumer_fetch_max_wait_ms: int = Field(default=5, ge=1, le=500)
    # The same while a consumer has had nothing for a while (servicekit.fetch_wait): what
    # an idle service costs, and on the embedded broker how long the first event after a
    # quiet spell may wait (up to half of it per hop; Apache Kafka answers when data comes).
    consumer_idle_fetch_max_wait_ms: int = Field(default=1000, ge=1, le=5000)
    # /ready fails when the oldest undelivered event is older than this.
    ready_max_outbox_age_seconds: float = Field(default=300, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1, le=5000)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    # Background pollers (the outbox relay, channel-svc's delivery workers) that find
    # nothing poll less often, their interval doubling up to this; what creates their work
    # wakes them at once, so only work falling due by time waits up to this long.
    idle_poll_max_seconds: float = Field(default=10.0, gt=0)
    # When the broker comes back without its log (the embedded broker keeps it in memory),
    # events sent this long before are sent again (consumers skip the ones they applied);
    # 0 turns it off.
    outbox_replay_seconds: float = Field(default=60.0, ge=0)
    # Housekeeping (servicekit.housekeeping): delivered outbox rows are kept this long for
    # investigations (undelivered ones always); applied events' ids, which make a
    # redelivery a no-op, must be kept longer than the broker keeps events (Kafka: 7 days).
    outbox_retention_days: float = Field(default=7, gt=0)
    processed_event_retention_days: float = Field(default=30, gt=0)
    housekeeping_interval_seconds: float = Field(default=3600, gt=0)
    # The largest request body any route reads (servicekit.bodylimit), 413 beyond it. Routes
    # that take bulk bodies have their own allowance (the gateway's proxied resources:
    # GATEWAY_MAX_BODY_BYTES; metrics-svc's CSV import: METRICS_IMPORT_MAX_BYTES).
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Proxies whose X-Forwarded-For/-Proto are believed (uvicorn's forwarded_allow_ips):
    # behind a reverse proxy the client's address, which rate limits count by, comes from it.
    forwarded_allow_ips: str = "127.0.0.1"
    # How often gauges that need the database (outbox backlog...) are refreshed for scrapes.
    metrics_refresh_seconds: float = Field(default=5.0, gt=0)
    # `serve` starts only once the database schema is at the newest migration (the migrate
    # step runs first); it waits this long for it, then exits saying so.
    migration_wait_seconds: float = Field(default=300.0, ge=0)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError("must be an http:// or https:// URL without a query")
        return value.rstrip("/")

    def production_problems(self, *, verifies_tokens: bool) -> list[str]:
        problems = []
        host = urlsplit(self.public_url).hostname or ""
        if _is_local(host):
            problems.append(
                f"MEDIAOPS_PUBLIC_URL is {self.public_url}: set it to the address the public "
                "reaches Mediaops at (tracked links, feeds and mailed links are built from it)"
            )
        if "kafka_bootstrap" not in self.model_fields_set:
            problems.append("MEDIAOPS_KAFKA_BOOTSTRAP is not set: name the Kafka brokers")
        if verifies_tokens and not self.jwks and "jwks_url" not in self.model_fields_set:
            problems.append(
                "MEDIAOPS_JWKS_URL is not set: name the gateway's "
                "/.well-known/jwks.json, from which access tokens are verified"
            )
        return problems

    @field_validator("kafka_ssl_cafile", "kafka_ssl_certfile", "kafka_ssl_keyfile")
    @classmethod
    def _existing_file(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        # Checked at start: a missing file would otherwise surface as a TLS error on the
        # first connection, naming no setting.
        if value is not None and not value.is_file():
            raise ValueError(f"{_env(info.field_name or '')}: no file at {value}")
        return value

    @model_validator(mode="after")
    def _audiences_differ(self) -> SharedSettings:
        if self.jwt_audience == self.jwt_upstream_audience:
            raise ValueError(
                "MEDIAOPS_JWT_AUDIENCE and MEDIAOPS_JWT_UPSTREAM_AUDIENCE must differ: "
                "otherwise callers' own tokens work at the services, unchecked by the gateway"
            )
        return self

    @model_validator(mode="after")
    def _kafka_consistent(self) -> SharedSettings:
        problems = _kafka_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _password_elsewhere(query: Mapping[str, object]) -> bool:
    """Whether PostgreSQL gets a password (or needs none) without one in the URL."""
    if os.environ.get("PGPASSWORD") or os.environ.get("PGPASSFILE"):
        return True
    if (Path.home() / ".pgpass").is_file():
        return True
    return any(key in query for key in ("sslcert", "ssl_cert", "passfile"))


def _is_local(host: str) -> bool:
    """A host only this machine, or only the deployment's own network, can reach: a
    loopback or unspecified address, `localhost`, or a name without a dot (`gateway`,
    compose's name for the gateway, is no address a reader can open)."""
    if host in ("localhost", "") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return "." not in host
    return address.is_loopback or address.is_unspecified


def _env(field: str) -> str:
    return f"MEDIAOPS_{field.upper()}"


def _kafka_problems(settings: SharedSettings) -> list[str]:
    """What makes these Kafka settings unusable, each naming the setting to change."""
    protocol = settings.kafka_security_protocol
    at = f"with {_env('kafka_security_protocol')}={protocol}"
    problems: list[str] = []
    sasl = {
        "kafka_sasl_mechanism": settings.kafka_sasl_mechanism,
        "kafka_sasl_username": settings.kafka_sasl_username,
        "kafka_sasl_password": settings.kafka_sasl_password,
    }
    tls = {
        "kafka_ssl_cafile": settings.kafka_ssl_cafile,
        "kafka_ssl_certfile": settings.kafka_ssl_certfile,
        "kafka_ssl_keyfile": settings.kafka_ssl_keyfile,
        "kafka_ssl_key_password": settings.kafka_ssl_key_password,
    }
    if protocol in SASL_PROTOCOLS:
        if settings.kafka_sasl_mechanism is None:
            problems.append(
                f"{_env('kafka_sasl_mechanism')} is required {at} "
                "(PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)"
            )
        problems += [
            f"{_env(name)} is required {at}"
            for name in ("kafka_sasl_username", "kafka_sasl_password")
            if not sasl[name]
        ]
    else:
        # Credentials given to a client that would not send them mean a protocol left at
        # its default: refuse rather than connect without authenticating.
        problems += [f"{_env(name)} is set but unused {at}" for name, v in sasl.items() if v]
    if protocol not in TLS_PROTOCOLS:
        problems += [f"{_env(name)} is set but unused {at}" for name, v in tls.items() if v]
    if settings.kafka_ssl_certfile is None:
        problems += [
            f"{_env(name)} needs {_env('kafka_ssl_certfile')}"
            for name in ("kafka_ssl_keyfile", "kafka_ssl_key_password")
            if tls[name]
        ]
    isr = settings.kafka_topic_min_insync_replicas
    factor = settings.kafka_topic_replication_factor
    if isr is not None and isr > factor:
        problems.append(
            f"{_env('kafka_topic_min_insync_replicas')}={isr} exceeds "
            f"{_env('kafka_topic_replication_factor')}={factor}: no write could be acknowledged"
        )
    retention = settings.kafka_topic_retention_hours
    applied_ids_kept = settings.processed_event_retention_days * 24
    if retention is not None and retention >= applied_ids_kept:
        # A redelivered event older than its id's record would be applied a second time.
        problems.append(
            f"{_env('kafka_topic_retention_hours')}={retention:g} must be shorter than "
            f"{_env('processed_event_retention_days')} ({applied_ids_kept:g} hours)"
        )
    return problems


class ServiceSettings(BaseSettings):
    """Base of each app's settings class; subclasses set `env_prefix` and the defaults."""

    # As for the shared settings: errors never echo values (keys, URLs with passwords), and
    # an empty variable is an unset one. Subclasses' model_config adds only env_prefix.
    model_config = SettingsConfigDict(
        extra="ignore", hide_input_in_errors=True, env_ignore_empty=True
    )

    service_name: ClassVar[str] = "service"
    database_name: ClassVar[str] = "service"

    # Apps that check access tokens need the gateway's keys (the gateway has its own).
    verifies_tokens: ClassVar[bool] = True

    host: str = "127.0.0.1"
    port: int = 8000
    # Prometheus `/metrics`, on a port of its own (never the API's): the API port + 1000
    # when unset, 0 to serve no metrics.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    database_url: str = ""
    shared: SharedSettings = Field(default_factory=SharedSettings)

    @model_validator(mode="after")
    def _default_database(self) -> ServiceSettings:
        if not self.database_url:
            path = self.shared.data_dir / f"{self.database_name}.db"
            self.database_url = f"sqlite+aiosqlite:///{path}"
        return self

    @property
    def metrics_listen_port(self) -> int:
        return self.port + METRICS_PORT_OFFSET if self.metrics_port is None else self.metrics_port

    def setting_name(self, field: str) -> str:
        """The environment variable of one of this app's own settings."""
        return f"{self.model_config.get('env_prefix', '')}{field}".upper()

    def database_problems(self) -> list[str]:
        """What makes this app's database unfit for production, each naming the setting."""
        name = self.setting_name("database_url")
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite":
            return [
                f"{name} is not set: production keeps its data in PostgreSQL "
                "(postgresql+asyncpg://user:password@host:5432/database), not in a SQLite file"
            ]
        if url.password:
            if url.password in KNOWN_DATABASE_PASSWORDS:
                return [f"{name} uses a well-known password: set a strong one"]
        elif not _password_elsewhere(url.query):
            return [
                f"{name} has no password, and none is given another way "
                "(PGPASSWORD, PGPASSFILE or ~/.pgpass, or a client certificate): set one"
            ]
        return []

    def production_problems(self) -> list[str]:
        """Every setting left at a default that is unsafe in production (subclasses add
        their own); an app in production refuses to start while there is one."""
        return [
            *self.database_problems(),
            *self.shared.production_problems(verifies_tokens=self.verifies_tokens),
        ]

    def unset_setting_problems(self, reasons: dict[str, str]) -> list[str]:
        """A problem for each of `reasons`' settings not given: `{field: why it matters}`."""
        return [
            f"{self.setting_name(field)} is not set: {why}"
            for field, why in reasons.items()
            if field not in self.model_fields_set
        ]
