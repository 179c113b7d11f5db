"""Domain-free helpers of the gateway."""
