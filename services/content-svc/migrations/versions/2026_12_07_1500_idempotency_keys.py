"""The keys of requests sent with an Idempotency-Key and their first answers (servicekit's
idempotency): a retried POST is answered again instead of applied twice."""

from servicekit.migration_steps import IDEMPOTENCY_KEYS

revision: str = "30bfc8378a6a"
down_revision: str | None = "e3c8a5f17d20"

upgrade, downgrade = IDEMPOTENCY_KEYS
