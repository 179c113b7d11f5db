"""Helpers of metrics-svc that know no domain: one module per job."""
