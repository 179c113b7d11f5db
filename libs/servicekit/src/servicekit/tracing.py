"""OpenTelemetry traces across HTTP and Kafka.

Each process continues the W3C trace it is called with (FastAPI instrumentation) and
passes it on to the HTTP calls it makes (httpx instrumentation). Events carry the trace
inside the CloudEvent (`traceparent`, the CloudEvents distributed-tracing extension):
the outbox stamps it when the event is written, the relay and the consumers continue
it, so one trace shows a publish call, the relay, the consumer, the platform call and the
outcome applied back in content-svc. Exporting is off unless the standard
`OTEL_EXPORTER_OTLP_ENDPOINT` is set; trace ids are made either way, so logs carry them.

A span records the whole address of a request, and addresses carry secrets (platform
credentials in queries, feed tokens in paths, mailed tokens): the hooks below pass every
address attribute through `servicekit.redaction` as the span starts, for incoming and
outgoing requests alike, before any exporter sees it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from servicekit.redaction import redact_path, redact_query, redact_url

_propagator = TraceContextTextMapPropagator()
_configured = False

tracer = trace.get_tracer("mediaops")

# Span attributes that hold an address or a part of one, under the old and the stable
# HTTP semantic conventions (OTEL_SEMCONV_STABILITY_OPT_IN chooses), and their redaction.
_ADDRESS_ATTRIBUTES = {
    "http.url": redact_url,
    "url.full": redact_url,
    "http.target": redact_url,
    "url.path": redact_path,
    "url.query": redact_query,
}


def redact_span(span: Span) -> None:
    """Replace the secrets in a recording span's address attributes."""
    if not span.is_recording():
        return
    attributes = getattr(span, "attributes", None) or {}
    for key, redact in _ADDRESS_ATTRIBUTES.items():
        value = attributes.get(key)
        if isinstance(value, str):
            span.set_attribute(key, redact(value))


def _redact_client_span(span: Span, _: object) -> None:
    redact_span(span)


async def _redact_async_client_span(span: Span, _: object) -> None:
    redact_span(span)


def _redact_server_span(span: Span, _: object) -> None:
    redact_span(span)


def configure_tracing(service_name: str) -> None:
    """Install the tracer provider once per process (exporting only when configured)."""
    global _configured
    if _configured:
        return
    _configured = True
    exporting = bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )
    # With nowhere to send them, new traces are not recorded (their ids still reach the
    # logs and the next process): recording every span only to drop it cost the gateway
    # a tenth of its CPU. A caller's sampled trace is still continued as sampled.
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        sampler=ParentBased(ALWAYS_ON if exporting else ALWAYS_OFF),
    )
    if exporting:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    HTTPXClientInstrumentor().instrument(
        request_hook=_redact_client_span, async_request_hook=_redact_async_client_span
    )


def instrument_app(app: FastAPI) -> None:
    """A server span per request, its address redacted, without a child span for every
    ASGI message it sends or receives (a streamed body is many messages); probes and
    scrapes are not traced."""
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls="health,ready,metrics",
        server_request_hook=_redact_server_span,
        exclude_spans=["receive", "send"],
    )


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, if there is a valid one."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


def current_trace_ids() -> tuple[str, str] | None:
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")


@contextmanager
def continue_trace(
    name: str, traceparent: str | None, *, kind: SpanKind, **attributes: Any
) -> Iterator[Span]:
    """A span that continues the trace named by `traceparent` (or starts one)."""
    parent = _propagator.extract({"traceparent": traceparent} if traceparent else {})
    token = otel_context.attach(parent)
    try:
        with tracer.start_as_current_span(name, kind=kind, attributes=attributes) as span:
            yield span
    finally:
        otel_context.detach(token)
