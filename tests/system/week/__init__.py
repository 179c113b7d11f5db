"""Helpers of the operator's-week system test: local feeds, the event subscriber, API calls."""
