"""The Mediaops apps, written down once: what each is called, the module it runs as
(`python -m <module>`), its default port and its settings prefix.

The local stack (devstack), the migrate step, the gateway's list of upstreams and the
settings reference all read this table; the deployment files (compose, Kubernetes) are
held against it by tests.
"""

from __future__ import annotations

from dataclasses import dataclass

# Each app serves Prometheus `/metrics` on a port of its own: the API port + this.
METRICS_PORT_OFFSET = 1000


@dataclass(frozen=True)
class App:
    name: str  # as operators know it: "content-svc"
    module: str  # `python -m <module>`: "content_svc"
    port: int  # the default API port
    prefix: str  # the settings prefix: CONTENT_

    @property
    def key(self) -> str:
        """The short name the gateway's settings and the local stack use: "content"."""
        return self.name.removesuffix("-svc")

    @property
    def metrics_port(self) -> int:
        return self.port + METRICS_PORT_OFFSET


GATEWAY = App("gateway", "gateway", 8000, "GATEWAY_")
SERVICES: tuple[App, ...] = (
    App("content-svc", "content_svc", 8101, "CONTENT_"),
    App("channel-svc", "channel_svc", 8102, "CHANNEL_"),
    App("user-svc", "user_svc", 8103, "USER_"),
    App("metrics-svc", "metrics_svc", 8104, "METRICS_"),
)
APPS: tuple[App, ...] = (GATEWAY, *SERVICES)
