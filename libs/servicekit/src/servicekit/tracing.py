"""OpenTelemetry traces across HTTP and Kafka.

Each process continues the W3C trace it is called with (FastAPI instrumentation) and
passes it on to the HTTP calls it makes (httpx instrumentation). Events carry the trace
inside the CloudEvent (`traceparent`, the CloudEvents distributed-tracing extension):
the outbox stamps it when the event is written, the relay and the consumers continue
it, so one trace shows a publish call, the relay, the consumer, the platform call and the
outcome applied back in content-svc. Exporting is off unless the standard
`OTEL_EXPORTER_OTLP_ENDPOINT` is set; trace ids are made either way, so logs carry them.
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

_propagator = TraceContextTextMapPropagator()
_configured = False

tracer = trace.get_tracer("mediaops")


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
    HTTPXClientInstrumentor().instrument()


def instrument_app(app: FastAPI, *, untraced: tuple[str, ...] = ()) -> None:
    """A server span per request, without a child span for every ASGI message it sends or
    receives (a streamed body is many messages).

    `untraced`: more regular expressions (searched in the URL, without its query) of
    requests to leave out, such as pages whose query string holds a secret: a span records
    the whole URL.
    """
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls=",".join(["health", "ready", "metrics", *untraced]),
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
