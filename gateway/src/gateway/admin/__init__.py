"""`mediaops-admin`: the gateway's operations command, run on its machine or in its image
(`docker compose exec gateway mediaops-admin ...`), against its database, its key files and
the Kafka cluster directly: `create-owner`, `rotate-keys`, `dlq list|replay`, `events tail`.

The operators' own command line (`mediaops`: sign-in, keys, imports, the demo) is a client
of the API in its own package (`clients/cli/`).
"""

from __future__ import annotations


def main() -> None:
    from gateway.admin.app import app

    app()
