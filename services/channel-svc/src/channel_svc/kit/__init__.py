"""Domain-free helpers of channel-svc."""
