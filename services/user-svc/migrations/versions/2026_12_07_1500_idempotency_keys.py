"""The keys of requests sent with an Idempotency-Key and their first answers (servicekit's
idempotency): a retried POST is answered again instead of applied twice."""

from servicekit.migration_steps import IDEMPOTENCY_KEYS

revision: str = "27091241897d"
down_revision: str | None = "d1c4m3nu0001"

upgrade, downgrade = IDEMPOTENCY_KEYS
