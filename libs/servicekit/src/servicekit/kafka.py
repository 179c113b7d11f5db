"""Kafka clients configured the one way every service uses them.

Every producer, consumer and admin client takes its connection from `client_options`, so a
secured cluster (SASL, TLS) is one set of `MEDIAOPS_KAFKA_*` settings for all of them: the
services, `mediaops-admin events tail` and `mediaops-admin dlq`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    TopicAlreadyExistsError,
    UnknownError,
    UnsupportedVersionError,
    for_code,
)
from aiokafka.helpers import create_ssl_context
from event_contracts.registry import TOPICS, dlq_topic

from servicekit.background import STOP_SECONDS, within
from servicekit.settings import SASL_PROTOCOLS, TLS_PROTOCOLS, SharedSettings

log = structlog.get_logger(__name__)

# How a broker says it will not give this client a producer id: the embedded broker
# (UnknownError), a broker too old for it, a cluster without the IdempotentWrite right.
IDEMPOTENCE_REFUSED = (UnknownError, UnsupportedVersionError, ClusterAuthorizationFailedError)


class IdempotenceUnavailable(RuntimeError):
    """MEDIAOPS_KAFKA_IDEMPOTENCE=true, and the broker cannot do it."""


class TopicsNotCreated(RuntimeError):
    """The broker refused to create some of the registry's topics."""


def client_options(settings: SharedSettings) -> dict[str, Any]:
    """The keyword arguments that connect any aiokafka client to the configured cluster."""
    protocol = settings.kafka_security_protocol
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": protocol,
    }
    if protocol in SASL_PROTOCOLS:
        password = settings.kafka_sasl_password
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = password.get_secret_value() if password else None
    if protocol in TLS_PROTOCOLS:
        options["ssl_context"] = ssl_context(settings)
    return options


def ssl_context(settings: SharedSettings) -> ssl.SSLContext:
    """A TLS context that checks the broker against the CA file, else the system's CAs.

    Made for each client rather than kept, so that certificates renewed on disk are read
    at the next connection.
    """
    key_password = settings.kafka_ssl_key_password
    return create_ssl_context(
        cafile=settings.kafka_ssl_cafile,
        certfile=settings.kafka_ssl_certfile,
        keyfile=settings.kafka_ssl_keyfile,
        password=key_password.get_secret_value() if key_password else None,
    )


def make_producer(settings: SharedSettings, *, idempotent: bool) -> AIOKafkaProducer:
    # acks=all so that an event counts as sent only once the broker has it durably, with
    # or without idempotence (which only stops a retried batch being written twice).
    return AIOKafkaProducer(
        **client_options(settings),
        acks="all",
        enable_idempotence=idempotent,
        linger_ms=0,
        request_timeout_ms=10_000,
        retry_backoff_ms=100,
    )


# The brokers (by bootstrap address) that refused an idempotent producer in this process,
# with their reason: `auto` asks each broker once, and says so once.
_refused_idempotence: dict[str, str] = {}


async def start_producer(settings: SharedSettings) -> AIOKafkaProducer:
    """A started producer, idempotent as MEDIAOPS_KAFKA_IDEMPOTENCE says.

    `auto` starts an idempotent producer and, when the broker refuses to give it a producer
    id, a plain one instead; a broker that cannot be reached is no refusal, and that error
    goes to the caller, who retries. `true` raises `IdempotenceUnavailable` on a refusal.
    """
    mode = settings.kafka_idempotence
    bootstrap = settings.kafka_bootstrap
    if mode is False or (mode == "auto" and bootstrap in _refused_idempotence):
        return await _started(make_producer(settings, idempotent=False))
    try:
        return await _started(make_producer(settings, idempotent=True))
    except IDEMPOTENCE_REFUSED as exc:
        reason = f"{type(exc).__name__}: {exc}"
        if mode is True:
            raise IdempotenceUnavailable(
                f"MEDIAOPS_KAFKA_IDEMPOTENCE=true, but the broker at {bootstrap} refused an "
                f"idempotent producer ({reason}). Grant the IdempotentWrite right, or set "
                "MEDIAOPS_KAFKA_IDEMPOTENCE=auto to send without it."
            ) from exc
        _refused_idempotence[bootstrap] = reason
        log.info("kafka_idempotence_off", bootstrap=bootstrap, reason=reason)
    return await _started(make_producer(settings, idempotent=False))


async def _started(producer: AIOKafkaProducer) -> AIOKafkaProducer:
    try:
        await producer.start()
    except BaseException:
        with contextlib.suppress(Exception):  # close the connections it opened
            await within(producer.stop(), STOP_SECONDS, what="producer that did not start")
        raise
    return producer


def make_admin(settings: SharedSettings, timeout_s: float = 10.0) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(**client_options(settings), request_timeout_ms=int(timeout_s * 1000))


def new_topics(settings: SharedSettings, existing: set[str]) -> list[NewTopic]:
    """The registry's topics and their dead-letter topics that are not in `existing`, with
    the registry's partitions and the configured replication, ISR and retention."""
    configs: dict[str, str] = {}
    if settings.kafka_topic_min_insync_replicas is not None:
        configs["min.insync.replicas"] = str(settings.kafka_topic_min_insync_replicas)
    if settings.kafka_topic_retention_hours is not None:
        configs["retention.ms"] = str(round(settings.kafka_topic_retention_hours * 3_600_000))
    return [
        NewTopic(
            name=name,
            num_partitions=topic.partitions,
            replication_factor=settings.kafka_topic_replication_factor,
            topic_configs=dict(configs),
        )
        for topic in TOPICS
        for name in (topic.name, dlq_topic(topic.name))
        if name not in existing
    ]


async def ensure_topics(settings: SharedSettings, timeout_s: float = 10.0) -> None:
    """Create every registry topic and its dead-letter topic that the cluster lacks.

    The embedded broker forgets topics when it restarts; a topic auto-created by a
    producer could get another partition count, so clients create them first. A topic the
    broker will not create (a replication factor above its broker count) raises
    `TopicsNotCreated`, so /ready and the logs say why rather than clients failing later.
    """
    admin = make_admin(settings, timeout_s)
    try:
        # Inside the try: a start that times out (or fails to authenticate) still closes.
        async with asyncio.timeout(timeout_s):
            await admin.start()
        wanted = new_topics(settings, set(await admin.list_topics()))
        if not wanted:
            return
        response = await admin.create_topics(wanted)
    finally:
        await admin.close()
    failures = [
        f"{error['topic']}: {for_code(error['error_code']).__name__} "
        f"{error.get('error_message') or ''}".strip()
        for error in response.to_object()["topic_errors"]
        # A topic that already exists was created by another replica first.
        if error["error_code"] not in (0, TopicAlreadyExistsError.errno)
    ]
    if failures:
        raise TopicsNotCreated("; ".join(failures))
    log.info("topics_created", topics=[t.name for t in wanted])
