"""Helpers of the fault test: its own stack, the workload, the Kafka tools, the checks."""
