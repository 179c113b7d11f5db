"""`mediaops`: the operators' command line, talking to the gateway.

Run it as `python -m gateway.cli` (a `mediaops` console script is the lead's to declare).
"""

from __future__ import annotations


def main() -> None:
    from gateway.cli.app import app

    app()
