"""The embedded stack: the local Kafka-protocol broker and the process supervisor."""

from devstack.broker import Broker, BrokerError, create_topics, registry_topics, topic_partitions
from devstack.ports import free_port, port_is_free
from devstack.stack import DEFAULT_PORTS, ProcessSpec, Stack, StackError

__all__ = [
    "DEFAULT_PORTS",
    "Broker",
    "BrokerError",
    "ProcessSpec",
    "Stack",
    "StackError",
    "create_topics",
    "free_port",
    "port_is_free",
    "registry_topics",
    "topic_partitions",
]
