"""Recording the spans a process exports, as an OTLP exporter would receive them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from servicekit.tracing import configure_tracing

# A caller's trace that is sampled: the spans it leads to are recorded and exported.
SAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@contextmanager
def recorded_spans() -> Iterator[list[ReadableSpan]]:
    """The spans that end inside the block, exported to memory through the process's
    own tracer provider (with its instrumentation and hooks)."""
    configure_tracing("tests")  # once per process; an app under test may have done it
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    spans: list[ReadableSpan] = []
    try:
        yield spans
    finally:
        spans.extend(exporter.get_finished_spans())
        exporter.shutdown()  # the provider is the process's: stop keeping its spans


def attributes(spans: list[ReadableSpan]) -> list[dict[str, Any]]:
    return [{"name": span.name, **dict(span.attributes or {})} for span in spans]


def addresses(spans: list[ReadableSpan]) -> list[str]:
    """Every address a span recorded, in either semantic convention."""
    return [
        str(value)
        for recorded in attributes(spans)
        for key, value in recorded.items()
        if key in ("http.url", "url.full", "http.target", "url.path")
    ]
