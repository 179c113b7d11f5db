"""idempotency keys for the gateway's own POSTs (servicekit.idempotency)"""

from servicekit import migration_steps as steps

revision: str = "5e8b0d2c7a14"
down_revision: str | None = "c41d7e9a2b63"

upgrade, downgrade = steps.IDEMPOTENCY_KEYS
