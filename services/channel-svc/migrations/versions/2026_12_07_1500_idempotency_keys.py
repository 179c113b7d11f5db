"""The keys of requests sent with an Idempotency-Key and their first answers (servicekit's
idempotency): a retried POST is answered again instead of applied twice."""

from servicekit.migration_steps import IDEMPOTENCY_KEYS

revision: str = "7fee9ac8490f"
down_revision: str | None = "0cc7e4a1b604"

upgrade, downgrade = IDEMPOTENCY_KEYS
