"""OpenTelemetry: set up once per process entrypoint, and W3C trace context carried in Kafka headers.

Domain code never opens spans: the stage runner and the gateway do, around each hop.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind

from relaydesk.common.settings import TelemetrySettings

log = logging.getLogger(__name__)
_configured = False


def setup_tracing(service_name: str, settings: TelemetrySettings | None = None) -> None:
    """Install a tracer provider for this process. Exporter by env: none | console | otlp | file."""
    global _configured
    if _configured:
        return
    settings = settings or TelemetrySettings()
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": f"relaydesk-{service_name}", "service.namespace": settings.service_namespace}
        )
    )
    exporter: SpanExporter | None = None
    if settings.exporter == "console":
        exporter = ConsoleSpanExporter()
    elif settings.exporter == "file":
        if settings.file is None:
            raise ValueError("RELAYDESK_OTEL_EXPORTER=file needs RELAYDESK_OTEL_FILE")
        settings.file.parent.mkdir(parents=True, exist_ok=True)
        out = settings.file.open("a", encoding="utf-8")  # one JSON span per line, closed at exit
        exporter = ConsoleSpanExporter(out=out, formatter=lambda span: span.to_json(indent=None) + "\n")
    elif settings.exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # endpoint from OTEL_EXPORTER_OTLP_ENDPOINT
    elif settings.exporter != "none":
        raise ValueError(f"unknown RELAYDESK_OTEL_EXPORTER {settings.exporter!r}")
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
    trace.set_tracer_provider(provider)
    _configured = True


def shutdown_tracing() -> None:
    provider = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if callable(shutdown):
        shutdown()


def tracer() -> trace.Tracer:
    return trace.get_tracer("relaydesk")


def inject_headers(headers: list[tuple[str, bytes]] | None = None) -> list[tuple[str, bytes]]:
    """Current trace context as Kafka headers (`traceparent`, `tracestate`)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    out = [(k, v) for k, v in (headers or []) if k not in carrier]
    out.extend((k, v.encode("ascii")) for k, v in carrier.items())
    return out


def extract_context(headers: Any) -> otel_context.Context:
    carrier: dict[str, str] = {}
    for key, value in headers or []:
        if isinstance(value, bytes):
            try:
                carrier[key.lower()] = value.decode("ascii")
            except UnicodeDecodeError:
                continue
    return propagate.extract(carrier)


@contextmanager
def consumer_span(name: str, headers: Any, attributes: dict[str, Any] | None = None) -> Iterator[Span]:
    """A CONSUMER span continuing the trace found in the record's headers."""
    ctx = extract_context(headers)
    with tracer().start_as_current_span(name, context=ctx, kind=SpanKind.CONSUMER, attributes=attributes) as span:
        yield span


def current_trace_id() -> str:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""
