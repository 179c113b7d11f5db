"""`mediaops`: the operators' command line, a client of the gateway's API over HTTP.

Sign up and in, manage API keys and the team, import figures, make a demo workspace. What
needs the gateway's own database or the Kafka cluster (the first owner, key rotation, the
dead-letter topics, following events) is `mediaops-admin`, in the gateway's image.
"""

from __future__ import annotations


def main() -> None:
    from mediaops_cli.app import app

    app()
