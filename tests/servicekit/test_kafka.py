"""Kafka for real clusters: the MEDIAOPS_KAFKA_* settings reach every client, bad ones are
refused at start, topics get the configured replication, and idempotence is used where the
broker can do it (the embedded broker cannot)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaConnectionError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from devstack.broker import Broker
from devstack.ports import free_port
from event_contracts import CloudEvent
from event_contracts.registry import TOPICS, dlq_topic
from pydantic import ValidationError
from servicekit import kafka
from servicekit.consumer import ConsumerRunner
from servicekit.db import Database
from servicekit.kafka import (
    IdempotenceUnavailable,
    client_options,
    ensure_topics,
    make_admin,
    make_producer,
    new_topics,
    ssl_context,
    start_producer,
)
from servicekit.outbox import OutboxRelay, add_event, outbox_backlog
from servicekit.settings import SharedSettings

from tests.servicekit.kit_models import Base, OutboxMessage, ProcessedEvent
from tests.servicekit.test_outbox_and_consumer import (
    TOPIC,
    backlog_is_empty,
    eventually,
    post_event,
    read_topic,
)

PASSWORD = "s3cret-scram-password"


def write_certificate(directory: Path, name: str, *, key_password: bytes | None = None) -> Path:
    """A self-signed certificate (`<name>.pem`) and its key (`<name>.key`); returns the
    certificate's path."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / f"{name}.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(key_password)
        if key_password
        else serialization.NoEncryption()
    )
    (directory / f"{name}.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return path


def secured(tmp_path: Path) -> SharedSettings:
    """A managed cluster's settings: SASL_SSL with SCRAM-SHA-512, our own CA."""
    return SharedSettings(
        kafka_bootstrap="kafka-1.example.net:9093,kafka-2.example.net:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="mediaops",
        kafka_sasl_password=PASSWORD,
        kafka_ssl_cafile=write_certificate(tmp_path, "Mediaops Test CA"),
    )


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/kit.db")
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


# --- the settings reach aiokafka ----------------------------------------------------------


async def test_secured_cluster_settings_reach_the_producer_consumer_and_admin(
    tmp_path: Path, sqlite_db: Database
) -> None:
    settings = secured(tmp_path)
    producer = make_producer(settings, idempotent=True)
    runner = ConsumerRunner(
        sqlite_db,
        ProcessedEvent,
        group_id="content-svc",
        handlers={TOPIC: lambda session, event: asyncio.sleep(0)},
        settings=settings,
    )
    consumer = runner.make_consumer()
    admin = make_admin(settings)

    # Where each aiokafka object keeps its connection settings: its AIOKafkaClient.
    for client in (producer.client, consumer._client, admin._client):
        assert client._bootstrap_servers == settings.kafka_bootstrap
        assert client._security_protocol == "SASL_SSL"
        assert client._sasl_mechanism == "SCRAM-SHA-512"
        assert client._sasl_plain_username == "mediaops"
        assert client._sasl_plain_password == PASSWORD
        context = client._ssl_context
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname
        loaded = [ca["subject"] for ca in context.get_ca_certs()]
        assert loaded == [((("commonName", "Mediaops Test CA"),),)]  # ours, and only ours
    assert producer._txn_manager is not None  # idempotent, as asked
    await admin.close()


def test_plaintext_sends_no_credentials_and_no_tls() -> None:
    options = client_options(SharedSettings(kafka_bootstrap="kafka:9092"))

    assert options == {"bootstrap_servers": "kafka:9092", "security_protocol": "PLAINTEXT"}


def test_without_a_ca_file_the_systems_cas_check_the_broker() -> None:
    context = ssl_context(SharedSettings(kafka_security_protocol="SSL"))

    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.cert_store_stats() == ssl.create_default_context().cert_store_stats()


def test_a_client_certificate_is_loaded_with_its_key_password(tmp_path: Path) -> None:
    certificate = write_certificate(tmp_path, "mediaops-client", key_password=b"key-pass")

    def settings(key_password: str) -> SharedSettings:
        return SharedSettings(
            kafka_security_protocol="SSL",
            kafka_ssl_certfile=certificate,
            kafka_ssl_keyfile=certificate.with_suffix(".key"),
            kafka_ssl_key_password=key_password,
        )

    assert isinstance(ssl_context(settings("key-pass")), ssl.SSLContext)
    with pytest.raises(ssl.SSLError):
        ssl_context(settings("not-the-key-pass"))


# --- refused at start ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"SECURITY_PROTOCOL": "SASL_SSL", "SASL_USERNAME": "u", "SASL_PASSWORD": PASSWORD},
            "MEDIAOPS_KAFKA_SASL_MECHANISM is required with "
            "MEDIAOPS_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
        ),
        (
            {"SECURITY_PROTOCOL": "SASL_PLAINTEXT", "SASL_MECHANISM": "PLAIN"},
            "MEDIAOPS_KAFKA_SASL_PASSWORD is required",
        ),
        (
            {"SASL_MECHANISM": "SCRAM-SHA-256", "SASL_PASSWORD": PASSWORD},
            "MEDIAOPS_KAFKA_SASL_MECHANISM is set but unused with "
            "MEDIAOPS_KAFKA_SECURITY_PROTOCOL=PLAINTEXT",
        ),
        (
            {"SECURITY_PROTOCOL": "SSL", "SSL_CAFILE": "{tmp}/missing-ca.pem"},
            "MEDIAOPS_KAFKA_SSL_CAFILE: no file at",
        ),
        (
            {"SECURITY_PROTOCOL": "SASL_PLAINTEXT", "SSL_CAFILE": "{tmp}/ca.pem"},
            "MEDIAOPS_KAFKA_SSL_CAFILE is set but unused",
        ),
        (
            {"SECURITY_PROTOCOL": "SSL", "SSL_KEYFILE": "{tmp}/ca.key"},
            "MEDIAOPS_KAFKA_SSL_KEYFILE needs MEDIAOPS_KAFKA_SSL_CERTFILE",
        ),
        (
            {"TOPIC_REPLICATION_FACTOR": "2", "TOPIC_MIN_INSYNC_REPLICAS": "3"},
            "MEDIAOPS_KAFKA_TOPIC_MIN_INSYNC_REPLICAS=3 exceeds "
            "MEDIAOPS_KAFKA_TOPIC_REPLICATION_FACTOR=2",
        ),
        (
            {"TOPIC_RETENTION_HOURS": "720"},
            "MEDIAOPS_KAFKA_TOPIC_RETENTION_HOURS=720 must be shorter than "
            "MEDIAOPS_PROCESSED_EVENT_RETENTION_DAYS",
        ),
        ({"IDEMPOTENCE": "sometimes"}, "kafka_idempotence"),
    ],
)
def test_unusable_kafka_settings_are_refused_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    write_certificate(tmp_path, "ca")
    for name, value in env.items():
        monkeypatch.setenv(f"MEDIAOPS_KAFKA_{name}", value.format(tmp=tmp_path))

    with pytest.raises(ValidationError) as refused:
        SharedSettings()

    assert message in str(refused.value)
    assert PASSWORD not in str(refused.value)


def test_a_three_broker_clusters_values_and_each_idempotence_word_are_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAOPS_KAFKA_TOPIC_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("MEDIAOPS_KAFKA_TOPIC_MIN_INSYNC_REPLICAS", "2")
    monkeypatch.setenv("MEDIAOPS_KAFKA_TOPIC_RETENTION_HOURS", "168")
    monkeypatch.setenv("MEDIAOPS_KAFKA_IDEMPOTENCE", "true")
    settings = SharedSettings()
    monkeypatch.setenv("MEDIAOPS_KAFKA_IDEMPOTENCE", "false")
    off = SharedSettings()
    monkeypatch.delenv("MEDIAOPS_KAFKA_IDEMPOTENCE")

    assert (settings.kafka_topic_replication_factor, settings.kafka_topic_min_insync_replicas) == (
        3,
        2,
    )
    assert settings.kafka_idempotence is True
    assert off.kafka_idempotence is False
    assert SharedSettings().kafka_idempotence == "auto"


def test_the_password_is_never_shown(tmp_path: Path) -> None:
    settings = secured(tmp_path)

    assert PASSWORD not in repr(settings)
    assert PASSWORD not in str(settings.model_dump())


# --- topics -------------------------------------------------------------------------------


async def test_topics_are_created_with_the_configured_replication_isr_and_retention() -> None:
    async with Broker(port=free_port(), topics=[]) as bare:
        settings = SharedSettings(
            kafka_bootstrap=bare.bootstrap,
            kafka_topic_replication_factor=3,
            kafka_topic_min_insync_replicas=2,
            kafka_topic_retention_hours=48,
        )
        await ensure_topics(settings)
        admin = make_admin(settings)
        await admin.start()
        try:
            described = await admin.describe_topics()
            configs = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, TOPIC)]
            )
        finally:
            await admin.close()

    # The embedded broker has one node, yet records the factor asked for (listing that
    # node as each replica): what a three-broker cluster would be asked for shows here.
    replicas = {
        entry["topic"]: {len(p["replicas"]) for p in entry["partitions"]} for entry in described
    }
    partitions = {entry["topic"]: len(entry["partitions"]) for entry in described}
    for topic in TOPICS:
        for name in (topic.name, dlq_topic(topic.name)):
            assert replicas[name] == {3}
            assert partitions[name] == topic.partitions
    entries = {
        entry["config_names"]: entry["config_value"]
        for entry in configs[0].to_object()["resources"][0]["config_entries"]
    }
    assert entries["min.insync.replicas"] == "2"
    assert entries["retention.ms"] == str(48 * 3_600_000)


def test_by_default_topics_leave_isr_and_retention_to_the_broker() -> None:
    wanted = new_topics(SharedSettings(), existing={"post.published"})

    assert "post.published" not in [t.name for t in wanted]
    assert "post.published.dlq" in [t.name for t in wanted]
    assert {t.replication_factor for t in wanted} == {1}
    assert all(t.topic_configs == {} for t in wanted)


# --- idempotence --------------------------------------------------------------------------


async def test_auto_falls_back_on_the_embedded_broker_and_events_still_go_out(
    sqlite_db: Database,
) -> None:
    event = post_event("幂等")
    async with Broker(port=free_port()) as own:
        settings = SharedSettings(kafka_bootstrap=own.bootstrap, kafka_idempotence="auto")
        relay = OutboxRelay(sqlite_db, OutboxMessage, settings, max_backoff_s=0.2)
        relay.start()
        try:
            async with sqlite_db.transaction() as session:
                add_event(session, OutboxMessage, event)
            await eventually(lambda: backlog_is_empty(sqlite_db))
            producer = relay._producer
            records = await read_topic(own.bootstrap, TOPIC, expected=1)
        finally:
            await relay.stop()

    assert [CloudEvent.from_bytes(r.value).id for r in records] == [event.id]
    assert producer is not None
    assert producer._txn_manager is None  # not idempotent: the broker gave it no producer id
    assert producer._sender._acks == -1  # acks=all all the same
    assert "UnknownError" in kafka._refused_idempotence[own.bootstrap]


async def test_true_refuses_to_send_without_idempotence(
    sqlite_db: Database, broker: Broker
) -> None:
    settings = SharedSettings(kafka_bootstrap=broker.bootstrap, kafka_idempotence=True)

    with pytest.raises(IdempotenceUnavailable, match="MEDIAOPS_KAFKA_IDEMPOTENCE=true"):
        await start_producer(settings)
    relay = OutboxRelay(sqlite_db, OutboxMessage, settings, max_backoff_s=0.2)
    relay.start()
    try:
        async with sqlite_db.transaction() as session:
            add_event(session, OutboxMessage, post_event("不发"))
        await asyncio.sleep(1.5)
        async with sqlite_db.transaction() as session:
            waiting, _ = await outbox_backlog(session, OutboxMessage)
    finally:
        await relay.stop()
    assert waiting == 1
    assert not relay.broker_ok


async def test_a_broker_out_of_reach_is_no_reason_to_give_up_idempotence() -> None:
    bootstrap = f"127.0.0.1:{free_port()}"
    settings = SharedSettings(kafka_bootstrap=bootstrap)

    with pytest.raises(KafkaConnectionError):
        await start_producer(settings)

    assert bootstrap not in kafka._refused_idempotence
