"""OpenTelemetry exporter: impact metrics, gen_ai client metrics, span attributes, global providers."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import metrics, trace
from opentelemetry.metrics import _internal as metrics_internal
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once

import aifootprint as af
from aifootprint import TokenUsage
from aifootprint._log import reset_log_once
from aifootprint._values import INDICATORS, UNITS, Impacts
from aifootprint.errors import ConfigError
from aifootprint.ledger import hub
from aifootprint.ledger.entry import Entry
from aifootprint.telemetry.otel import OtelExporter

BOUNDS = ("low", "value", "high")


# -- helpers -------------------------------------------------------------------------------------------------
def impacts(input_tokens: int = 100, output_tokens: int = 200, model: str = "openai/gpt-4o-mini") -> Impacts:
    return af.estimate(model, input_tokens=input_tokens, output_tokens=output_tokens)


def entry(
    imp: Impacts | None,
    *,
    model: str = "gpt-4o-mini",
    labels: Mapping[str, str] | None = None,
    error: str | None = None,
    usage: TokenUsage | None = None,
    latency_s: float | None = 0.5,
    server: str | None = "https://api.openai.com/v1",
) -> Entry:
    return Entry(
        kind="api",
        ts=time.time(),
        source="openai",
        impacts=imp,
        provider="openai",
        model=model,
        response_model=f"{model}-2024-07-18",
        operation="chat",
        server=server,
        usage=usage or TokenUsage(100, 200),
        latency_s=latency_s,
        error=error,
        labels=MappingProxyType(dict(labels or {})),
    )


Points = dict[str, list[tuple[dict[str, Any], Any]]]


def points(reader: InMemoryMetricReader) -> tuple[Points, dict[str, str]]:
    """Collect: metric name -> [(attributes, data point)], and metric name -> unit."""
    out: Points = {}
    units: dict[str, str] = {}
    data = reader.get_metrics_data()
    if data is None:
        return out, units
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                units[m.name] = m.unit or ""
                out.setdefault(m.name, []).extend((dict(p.attributes or {}), p) for p in m.data.data_points)
    return out, units


def total(pts: Points, name: str, **where: Any) -> float:
    return sum(p.value for attrs, p in pts.get(name, []) if all(attrs.get(k) == v for k, v in where.items()))


def metric(indicator: str, bound: str) -> str:
    return f"aifootprint.{indicator}" if bound == "value" else f"aifootprint.{indicator}.{bound}"


def expected(imps: list[Impacts], indicator: str, bound: str, share: str = "total") -> float:
    q = [getattr(getattr(i, share) if share != "total" else i, indicator) for i in imps]
    return sum(getattr(x, bound) for x in q)


@pytest.fixture(autouse=True)
def _fresh_log_once() -> Iterator[None]:
    reset_log_once()
    yield
    reset_log_once()


@pytest.fixture
def reader() -> Iterator[InMemoryMetricReader]:
    yield InMemoryMetricReader()


@pytest.fixture
def provider(reader: InMemoryMetricReader) -> Iterator[MeterProvider]:
    mp = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    yield mp
    mp.shutdown()


@pytest.fixture
def exporter(provider: MeterProvider) -> Iterator[OtelExporter]:
    exp = af.export_to_otel(meter_provider=provider, spans=False)
    yield exp
    exp.close()


@pytest.fixture
def spans() -> Iterator[tuple[trace.Tracer, InMemorySpanExporter]]:
    memory = InMemorySpanExporter()
    tp = TracerProvider(shutdown_on_exit=False)
    tp.add_span_processor(SimpleSpanProcessor(memory))
    yield tp.get_tracer("test"), memory
    tp.shutdown()


# -- impact metrics ------------------------------------------------------------------------------------------
def test_each_metric_is_the_sum_of_the_entries(exporter: OtelExporter, reader: InMemoryMetricReader) -> None:
    a, b, c = impacts(100, 200), impacts(50, 400), impacts(1000, 30, model="openai/gpt-4o")
    for imp, model in ((a, "gpt-4o-mini"), (b, "gpt-4o-mini"), (c, "gpt-4o")):
        hub.publish(entry(imp, model=model, labels={"project": "x"}))
    pts, units = points(reader)
    for indicator in INDICATORS:
        for bound in BOUNDS:
            name = metric(indicator, bound)
            assert units[name] == UNITS[indicator]
            assert total(pts, name) == pytest.approx(expected([a, b, c], indicator, bound), rel=1e-12)
            for share in ("usage", "embodied"):
                got = total(pts, name, **{"aifootprint.share": share})
                assert got == pytest.approx(expected([a, b, c], indicator, bound, share), rel=1e-12, abs=0)
            mini = total(pts, name, **{"gen_ai.request.model": "gpt-4o-mini"})
            assert mini == pytest.approx(expected([a, b], indicator, bound), rel=1e-12)
    assert total(pts, "aifootprint.entries") == 3
    assert units["aifootprint.entries"] == "{entry}"


def test_attributes_follow_the_gen_ai_semantic_conventions(
    exporter: OtelExporter, reader: InMemoryMetricReader
) -> None:
    imp = impacts()
    hub.publish(entry(imp, labels={"project": "x", "team.name": "search"}, server="http://10.0.0.5:8000/v1"))
    pts, _ = points(reader)
    (usage_attrs,) = [a for a, _ in pts["aifootprint.energy"] if a["aifootprint.share"] == "usage"]
    assert usage_attrs == {
        "gen_ai.provider.name": "openai",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "server.address": "10.0.0.5",
        "server.port": 8000,
        "aifootprint.kind": "api",
        "aifootprint.zone": imp.zone,
        "aifootprint.boundary": imp.boundary,
        "aifootprint.share": "usage",
        "aifootprint.label.project": "x",
        "aifootprint.label.team.name": "search",
    }
    assert "gen_ai.system" not in usage_attrs  # deprecated in favour of gen_ai.provider.name
    ((entries_attrs, point),) = pts["aifootprint.entries"]
    assert entries_attrs["aifootprint.has_impacts"] is True
    assert "aifootprint.share" not in entries_attrs
    assert point.value == 1


def test_provider_names_use_the_semantic_convention_values() -> None:
    from aifootprint.telemetry.semconv import operation_name, provider_name

    assert provider_name("mistral", None) == "mistral_ai"
    assert provider_name("bedrock", "bedrock-runtime.us-east-1.amazonaws.com") == "aws.bedrock"
    assert provider_name("azure-openai", "x.openai.azure.com") == "azure.ai.openai"
    assert provider_name("google", "generativelanguage.googleapis.com") == "gcp.gemini"
    assert provider_name("google", "us-central1-aiplatform.googleapis.com") == "gcp.vertex_ai"
    assert provider_name("google", None) == "gcp.gen_ai"
    assert provider_name("ollama", "localhost:11434") == "ollama"
    assert operation_name("text") == "text_completion"
    assert operation_name("embeddings") == "embeddings"


def test_entries_without_impacts_are_counted_apart(
    exporter: OtelExporter, reader: InMemoryMetricReader
) -> None:
    imp = impacts()
    hub.publish(entry(imp))
    hub.publish(entry(None, model="gpt-9", error="model-not-registered"))
    pts, _ = points(reader)
    assert total(pts, "aifootprint.entries", **{"aifootprint.has_impacts": True}) == 1
    missing = [(a, p.value) for a, p in pts["aifootprint.entries"] if a["aifootprint.has_impacts"] is False]
    assert [n for _, n in missing] == [1]
    assert missing[0][0]["aifootprint.error"] == "model-not-registered"
    assert missing[0][0]["gen_ai.request.model"] == "gpt-9"
    assert all(a["gen_ai.request.model"] == "gpt-4o-mini" for a, _ in pts["aifootprint.energy"])
    assert total(pts, "aifootprint.energy") == pytest.approx(imp.energy.value)


def test_collection_is_cumulative_and_counts_each_entry_once(
    exporter: OtelExporter, reader: InMemoryMetricReader
) -> None:
    a, b = impacts(10, 20), impacts(30, 40)
    hub.publish(entry(a))
    first, _ = points(reader)
    again, _ = points(reader)  # a second collection with nothing new: same totals
    hub.publish(entry(b))
    last, _ = points(reader)
    assert total(first, "aifootprint.gwp") == pytest.approx(a.gwp.value)
    assert total(again, "aifootprint.gwp") == pytest.approx(a.gwp.value)
    assert total(last, "aifootprint.gwp") == pytest.approx(a.gwp.value + b.gwp.value)
    assert total(last, "aifootprint.entries") == 2


def test_impacts_are_computed_at_collection_not_in_the_callers_thread(
    exporter: OtelExporter, reader: InMemoryMetricReader
) -> None:
    computed: list[str] = []
    base = impacts()
    values = tuple(v for share in (base.usage, base.embodied) for i in INDICATORS for v in _lvh(share, i))

    def compute() -> tuple[float, ...]:
        computed.append(threading.current_thread().name)
        return values

    lazy = Impacts(
        compute, model="m", zone="USA", boundary="datacenter", warnings=(), requests=1, explainer=tuple
    )
    caller = threading.current_thread().name
    worker = threading.Thread(target=hub.publish, args=(entry(lazy),), name="caller-thread")
    worker.start()
    worker.join()
    assert computed == []  # the subscriber only queued the entry
    result: list[Points] = []
    collector = threading.Thread(target=lambda: result.append(points(reader)[0]), name="collector")
    collector.start()
    collector.join()
    assert computed == ["collector"]
    assert caller != "collector"
    assert total(result[0], "aifootprint.energy") == pytest.approx(base.energy.value)


def _lvh(share: Any, indicator: str) -> tuple[float, float, float]:
    q = getattr(share, indicator)
    return q.low, q.value, q.high


def test_a_failing_estimate_never_raises_and_is_logged_once(
    exporter: OtelExporter, reader: InMemoryMetricReader, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> tuple[float, ...]:
        raise RuntimeError("boom")

    bad = Impacts(
        broken, model="m", zone="USA", boundary="datacenter", warnings=(), requests=1, explainer=tuple
    )
    with caplog.at_level(logging.WARNING, logger="aifootprint"):
        hub.publish(entry(bad))
        hub.publish(entry(bad))
        pts, _ = points(reader)
    assert total(pts, "aifootprint.entries", **{"aifootprint.error": "estimation-failed"}) == 2
    assert "aifootprint.energy" not in pts or total(pts, "aifootprint.energy") == 0
    assert len([r for r in caplog.records if "OpenTelemetry" in r.getMessage()]) == 1


def test_threads_publishing_at_once_are_each_counted_once(
    exporter: OtelExporter, reader: InMemoryMetricReader
) -> None:
    imp = impacts()
    per_thread, threads = 200, 8
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def publish(i: int) -> None:
        e = entry(imp, labels={"worker": str(i % 2)})
        start.wait()
        for _ in range(per_thread):
            hub.publish(e)

    def collect() -> None:
        start.wait()
        while not stop.is_set():
            points(reader)

    workers = [threading.Thread(target=publish, args=(i,)) for i in range(threads)]
    workers.append(threading.Thread(target=collect))
    for t in workers:
        t.start()
    for t in workers[:-1]:
        t.join()
    stop.set()
    workers[-1].join()
    pts, _ = points(reader)
    assert total(pts, "aifootprint.entries") == per_thread * threads
    assert total(pts, "aifootprint.entries", **{"aifootprint.label.worker": "0"}) == per_thread * threads / 2
    assert total(pts, "aifootprint.water") == pytest.approx(imp.water.value * per_thread * threads, rel=1e-9)


# -- one exporter per meter provider, close ------------------------------------------------------------------
def test_exporting_twice_keeps_one_exporter_per_provider(
    provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    first = af.export_to_otel(meter_provider=provider, spans=False)
    try:
        second = af.export_to_otel(meter_provider=provider, spans=False)
        assert second is first
        imp = impacts()
        hub.publish(entry(imp))
        pts, _ = points(reader)
        assert total(pts, "aifootprint.entries") == 1
        assert total(pts, "aifootprint.energy") == pytest.approx(imp.energy.value)
    finally:
        first.close()


def test_close_unsubscribes_and_export_again_resumes(
    provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    exp = af.export_to_otel(meter_provider=provider, spans=False)
    hub.publish(entry(impacts()))
    exp.close()
    exp.close()  # idempotent
    assert exp.closed
    assert not any(getattr(s, "__self__", None) is exp for s in hub.subscribers())
    hub.publish(entry(impacts()))  # not received
    pts, _ = points(reader)
    assert total(pts, "aifootprint.entries") == 0  # a closed exporter reports nothing
    again = af.export_to_otel(meter_provider=provider, spans=False)
    try:
        assert again is exp  # the instruments registered on this provider are reused
        hub.publish(entry(impacts()))
        pts, _ = points(reader)
        assert total(pts, "aifootprint.entries") == 2  # cumulative: the one before close, the one after
    finally:
        again.close()


def test_two_providers_each_get_every_entry() -> None:
    readers = [InMemoryMetricReader(), InMemoryMetricReader()]
    providers = [MeterProvider(metric_readers=[r], shutdown_on_exit=False) for r in readers]
    exporters = [af.export_to_otel(meter_provider=p, spans=False) for p in providers]
    try:
        assert exporters[0] is not exporters[1]
        imp = impacts()
        hub.publish(entry(imp))
        for r in readers:
            pts, _ = points(r)
            assert total(pts, "aifootprint.entries") == 1
            assert total(pts, "aifootprint.pe") == pytest.approx(imp.pe.value)
    finally:
        for e in exporters:
            e.close()
        for p in providers:
            p.shutdown()


# -- global providers ----------------------------------------------------------------------------------------
@pytest.fixture
def fresh_globals(monkeypatch: pytest.MonkeyPatch) -> None:
    """No global meter provider set yet, and a proxy of its own (the real ones are restored afterwards)."""
    monkeypatch.delenv("OTEL_PYTHON_METER_PROVIDER", raising=False)
    monkeypatch.setattr(metrics_internal, "_METER_PROVIDER", None)
    monkeypatch.setattr(metrics_internal, "_METER_PROVIDER_SET_ONCE", Once())
    monkeypatch.setattr(
        metrics_internal, "_PROXY_METER_PROVIDER", type(metrics_internal._PROXY_METER_PROVIDER)()
    )


def test_the_global_provider_is_used_and_never_replaced(
    fresh_globals: None, reader: InMemoryMetricReader
) -> None:
    app_provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    metrics.set_meter_provider(app_provider)  # the application's doing, not aifootprint's
    tracer_provider_before = trace.get_tracer_provider()
    exp = af.export_to_otel()
    try:
        assert metrics.get_meter_provider() is app_provider
        assert metrics_internal._METER_PROVIDER is app_provider
        assert trace.get_tracer_provider() is tracer_provider_before
        imp = impacts()
        hub.publish(entry(imp))
        pts, _ = points(reader)
        assert total(pts, "aifootprint.gwp") == pytest.approx(imp.gwp.value)
    finally:
        exp.close()
        app_provider.shutdown()


def test_before_the_app_sets_a_provider_the_proxy_is_used_and_nothing_is_set(
    fresh_globals: None, reader: InMemoryMetricReader
) -> None:
    exp = af.export_to_otel()
    try:
        assert metrics_internal._METER_PROVIDER is None  # still unset: aifootprint set nothing
        imp = impacts()
        hub.publish(entry(imp))  # queued until something collects
        app_provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
        metrics.set_meter_provider(app_provider)  # later, by the application
        assert af.export_to_otel() is exp  # the proxy's exporter already feeds it: no double counting
        assert af.export_to_otel(meter_provider=app_provider) is exp
        pts, _ = points(reader)
        assert total(pts, "aifootprint.entries") == 1
        assert total(pts, "aifootprint.energy") == pytest.approx(imp.energy.value)
    finally:
        exp.close()


def test_package_code_imports_the_api_only() -> None:
    code = (
        "import sys, aifootprint.telemetry.otel, aifootprint.telemetry;"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry.sdk')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_importing_the_exporters_loads_no_optional_library() -> None:
    code = (
        "import sys, aifootprint.telemetry;"
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry', 'prometheus_client'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_opentelemetry_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.metrics", None)
    with pytest.raises(ConfigError, match=r"pip install 'aifootprint\[otel\]'"):
        af.export_to_otel()


# -- gen_ai client metrics -----------------------------------------------------------------------------------
def test_client_metrics_are_off_by_default(exporter: OtelExporter, reader: InMemoryMetricReader) -> None:
    hub.publish(entry(impacts()))
    pts, _ = points(reader)
    assert "gen_ai.client.token.usage" not in pts
    assert "gen_ai.client.operation.duration" not in pts


def test_client_metrics_record_reported_tokens_and_duration(
    provider: MeterProvider, reader: InMemoryMetricReader
) -> None:
    exp = af.export_to_otel(meter_provider=provider, spans=False, client_metrics=True)
    try:
        hub.publish(entry(impacts(), usage=TokenUsage(19, 10), latency_s=0.25))
        hub.publish(entry(impacts(), usage=TokenUsage(5, 7), latency_s=0.75))
        # streamed text counted by aifootprint: not the provider's figure, so not a semconv token count
        hub.publish(entry(impacts(), usage=TokenUsage(3, 100, source="counted"), latency_s=1.0))
        pts, units = points(reader)
    finally:
        exp.close()
    tokens = pts["gen_ai.client.token.usage"]
    assert units["gen_ai.client.token.usage"] == "{token}"
    assert units["gen_ai.client.operation.duration"] == "s"
    by_type = {t: sum(p.sum for a, p in tokens if a["gen_ai.token.type"] == t) for t in ("input", "output")}
    assert by_type == {"input": 19 + 5 + 3, "output": 10 + 7}
    (attrs, duration) = pts["gen_ai.client.operation.duration"][0]
    assert duration.count == 3
    assert duration.sum == pytest.approx(2.0)
    assert attrs["gen_ai.provider.name"] == "openai"
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.request.model"] == "gpt-4o-mini"
    assert attrs["server.address"] == "api.openai.com"
    assert "aifootprint.kind" not in attrs


# -- span attributes -----------------------------------------------------------------------------------------
def test_impacts_land_on_the_current_span(
    provider: MeterProvider, spans: tuple[trace.Tracer, InMemorySpanExporter]
) -> None:
    tracer, memory = spans
    exp = af.export_to_otel(meter_provider=provider, spans=True)
    try:
        imp = impacts()
        with tracer.start_as_current_span("handler"):
            hub.publish(entry(imp))
    finally:
        exp.close()
    (span,) = memory.get_finished_spans()
    attrs = dict(span.attributes or {})
    for indicator, unit in (
        ("energy", "kwh"),
        ("gwp", "kgco2eq"),
        ("adpe", "kgsbeq"),
        ("pe", "mj"),
        ("water", "l"),
    ):
        q = getattr(imp, indicator)
        assert attrs[f"aifootprint.{indicator}_{unit}"] == pytest.approx(q.value)
        assert attrs[f"aifootprint.{indicator}_{unit}.low"] == pytest.approx(q.low)
        assert attrs[f"aifootprint.{indicator}_{unit}.high"] == pytest.approx(q.high)
    assert attrs["aifootprint.zone"] == imp.zone
    assert attrs["aifootprint.warnings"] == imp.warnings
    assert attrs["aifootprint.calls"] == 1
    assert "aifootprint.error" not in attrs


def test_several_calls_under_one_span_are_summed(
    provider: MeterProvider, spans: tuple[trace.Tracer, InMemorySpanExporter]
) -> None:
    tracer, memory = spans
    exp = af.export_to_otel(meter_provider=provider)
    try:
        a, b = impacts(10, 20), impacts(100, 300)
        with tracer.start_as_current_span("handler"):
            hub.publish(entry(a))
            with tracer.start_as_current_span("inner"):
                hub.publish(entry(b))
            hub.publish(entry(None, error="model-not-registered"))
    finally:
        exp.close()
    spans_by_name = {s.name: dict(s.attributes or {}) for s in memory.get_finished_spans()}
    outer, inner = spans_by_name["handler"], spans_by_name["inner"]
    assert outer["aifootprint.gwp_kgco2eq"] == pytest.approx(a.gwp.value)
    assert inner["aifootprint.gwp_kgco2eq"] == pytest.approx(b.gwp.value)
    assert outer["aifootprint.calls"] == 2
    assert outer["aifootprint.error"] == "model-not-registered"


def test_no_recording_span_no_attributes_no_error(
    provider: MeterProvider,
    spans: tuple[trace.Tracer, InMemorySpanExporter],
    reader: InMemoryMetricReader,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tracer, memory = spans
    exp = af.export_to_otel(meter_provider=provider)
    try:
        with caplog.at_level(logging.WARNING, logger="aifootprint"):
            hub.publish(entry(impacts()))  # no span at all
            with trace.use_span(trace.NonRecordingSpan(trace.INVALID_SPAN_CONTEXT)):
                hub.publish(entry(impacts()))
            with tracer.start_as_current_span("recorded"):
                pass
        pts, _ = points(reader)
    finally:
        exp.close()
    (span,) = memory.get_finished_spans()
    assert not any(k.startswith("aifootprint.") for k in (span.attributes or {}))
    assert [r for r in caplog.records if r.name.startswith("aifootprint")] == []
    assert total(pts, "aifootprint.entries") == 2  # the metrics still count both


def test_span_attributes_when_impacts_fail_or_are_missing(
    provider: MeterProvider, spans: tuple[trace.Tracer, InMemorySpanExporter]
) -> None:
    tracer, memory = spans

    def broken() -> tuple[float, ...]:
        raise RuntimeError("boom")

    bad = Impacts(
        broken, model="m", zone="USA", boundary="datacenter", warnings=(), requests=1, explainer=tuple
    )
    exp = af.export_to_otel(meter_provider=provider)
    try:
        with tracer.start_as_current_span("failed"):
            hub.publish(entry(bad))
        with tracer.start_as_current_span("missing"):
            hub.publish(entry(None, error="usage-missing"))
    finally:
        exp.close()
    got = {s.name: dict(s.attributes or {}) for s in memory.get_finished_spans()}
    assert got["failed"]["aifootprint.error"] == "estimation-failed"
    assert got["missing"]["aifootprint.error"] == "usage-missing"
    assert "aifootprint.energy_kwh" not in got["missing"]


def test_spans_false_leaves_spans_alone(
    exporter: OtelExporter, spans: tuple[trace.Tracer, InMemorySpanExporter]
) -> None:
    tracer, memory = spans
    with tracer.start_as_current_span("handler"):
        hub.publish(entry(impacts()))
    (span,) = memory.get_finished_spans()
    assert not any(k.startswith("aifootprint.") for k in (span.attributes or {}))


# -- end to end: an instrumented OpenAI client ---------------------------------------------------------------
CHAT_COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Paris.", "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29},
}


@pytest.fixture
def instrumented_openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    openai = pytest.importorskip("openai")
    httpx = pytest.importorskip("httpx")
    monkeypatch.setenv("AIFOOTPRINT_LEDGER", "off")

    def handler(request: Any) -> Any:
        assert request.url.path == "/v1/chat/completions"
        return httpx.Response(200, json=CHAT_COMPLETION)

    af.instrument(["openai"], strict=True)
    http = httpx.Client(transport=httpx.MockTransport(handler))
    try:
        yield openai.OpenAI(api_key="test-key", http_client=http, max_retries=0)
    finally:
        http.close()
        af.uninstrument()


def test_instrumented_call_with_labels_reaches_the_otel_metrics(
    instrumented_openai: Any,
    provider: MeterProvider,
    reader: InMemoryMetricReader,
    spans: tuple[trace.Tracer, InMemorySpanExporter],
) -> None:
    from aifootprint._labels import labels

    tracer, memory = spans
    exp = af.export_to_otel(meter_provider=provider, client_metrics=True)
    try:
        with labels(project="x"), tracer.start_as_current_span("request"):
            resp = instrumented_openai.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "Capital of France?"}]
            )
        pts, _ = points(reader)
    finally:
        exp.close()
    imp = af.impacts_of(resp)
    ((attrs, point),) = pts["aifootprint.entries"]
    assert point.value == 1
    assert attrs["aifootprint.label.project"] == "x"
    assert attrs["gen_ai.provider.name"] == "openai"
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.request.model"] == "gpt-4o-mini"
    assert attrs["gen_ai.response.model"] == "gpt-4o-mini-2024-07-18"
    assert attrs["server.address"] == "api.openai.com"
    assert attrs["aifootprint.kind"] == "api"
    assert all(a["aifootprint.label.project"] == "x" for a, _ in pts["aifootprint.energy"])
    assert total(pts, "aifootprint.energy") == pytest.approx(imp.energy.value)
    tokens = {a["gen_ai.token.type"]: p.sum for a, p in pts["gen_ai.client.token.usage"]}
    assert tokens == {"input": 19, "output": 10}
    (span,) = memory.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["aifootprint.energy_kwh"] == pytest.approx(imp.energy.value)
