"""Structured logs: JSON in containers, readable on a console; request id and event id bound."""

from __future__ import annotations

import logging
import sys

import httpx
import structlog

from servicekit.redaction import redact_url
from servicekit.tracing import current_trace_ids

REQUEST_ID_HEADER = "X-Request-ID"


def add_trace_ids(
    _: object, __: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Put the current trace and span ids on every log line, to find a request's trace."""
    ids = current_trace_ids()
    if ids is not None:
        event_dict.setdefault("trace_id", ids[0])
        event_dict.setdefault("span_id", ids[1])
    return event_dict


class RedactAddresses(logging.Filter):
    """httpx logs every request at INFO with its whole URL (`HTTP Request: GET
    https://api.weixin.qq.com/cgi-bin/token?...&secret=...`): redact the URL it logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(str(arg)) if isinstance(arg, httpx.URL) else arg for arg in record.args
            )
        return True


def redact_library_logs() -> None:
    """Install `RedactAddresses` on the loggers of the libraries that log addresses."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(existing, RedactAddresses) for existing in logger.filters):
        logger.addFilter(RedactAddresses())


def configure_logging(*, fmt: str = "console", level: str = "INFO", service: str = "") -> None:
    renderer: structlog.types.Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    if service:
        structlog.contextvars.bind_contextvars(service=service)
    # Route the standard library's logs (uvicorn, aiokafka, alembic) through the same renderer.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processor=renderer)
    )
    root = logging.getLogger()
    root.handlers = [handler]
    # DEBUG is for our own lines (each event a consumer applies); the libraries' debug
    # output (every SQLite statement, every HTTP connection step) would drown them.
    root.setLevel(max(logging.getLevelName(level.upper()), logging.INFO))
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    redact_library_logs()


access_log = structlog.get_logger("mediaops.access")
