"""Prometheus collector and /metrics server: values, labels, thread safety, a real scrape, missing extra."""

from __future__ import annotations

import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from types import MappingProxyType

import pytest

pytest.importorskip("prometheus_client")

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

import aifootprint as af
from aifootprint import TokenUsage
from aifootprint._values import INDICATORS, Impacts
from aifootprint.errors import ConfigError
from aifootprint.ledger import hub
from aifootprint.ledger.entry import Entry
from aifootprint.telemetry.prometheus import FootprintCollector

UNITS = {"energy": "kwh", "gwp": "kgco2eq", "adpe": "kgsbeq", "pe": "mj", "water": "liters"}
BOUNDS = ("low", "value", "high")


def impacts(input_tokens: int = 100, output_tokens: int = 200, model: str = "openai/gpt-4o-mini") -> Impacts:
    return af.estimate(model, input_tokens=input_tokens, output_tokens=output_tokens)


def entry(
    imp: Impacts | None,
    *,
    model: str = "gpt-4o-mini",
    labels: Mapping[str, str] | None = None,
    usage: TokenUsage | None = None,
    error: str | None = None,
) -> Entry:
    return Entry(
        kind="api",
        ts=time.time(),
        source="openai",
        impacts=imp,
        provider="openai",
        model=model,
        operation="chat",
        server="https://api.openai.com/v1",
        usage=usage or TokenUsage(100, 200),
        error=error,
        labels=MappingProxyType(dict(labels or {})),
    )


def name(indicator: str, bound: str) -> str:
    mid = "" if bound == "value" else f"_{bound}"
    return f"aifootprint_{indicator}{mid}_{UNITS[indicator]}_total"


def scrape(text: str) -> dict[str, list[Sample]]:
    """Sample name -> samples, from the text exposition format."""
    out: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out.setdefault(s.name, []).append(s)
    return out


def total(samples: dict[str, list[Sample]], metric: str, **where: str) -> float:
    return sum(
        s.value for s in samples.get(metric, []) if all(s.labels.get(k) == v for k, v in where.items())
    )


def expected(imps: list[Impacts], indicator: str, bound: str, share: str | None = None) -> float:
    return sum(getattr(getattr(getattr(i, share) if share else i, indicator), bound) for i in imps)


@pytest.fixture
def collector() -> Iterator[FootprintCollector]:
    c = af.prometheus_collector()
    yield c
    c.close()


@pytest.fixture
def registry(collector: FootprintCollector) -> CollectorRegistry:
    reg = CollectorRegistry()
    reg.register(collector)
    return reg


def test_counters_are_the_sums_of_the_entries(registry: CollectorRegistry) -> None:
    a, b, c = impacts(100, 200), impacts(50, 400), impacts(1000, 30, model="openai/gpt-4o")
    hub.publish(entry(a, labels={"project": "x"}, usage=TokenUsage(100, 200)))
    hub.publish(entry(b, usage=TokenUsage(50, 400)))
    hub.publish(entry(c, model="gpt-4o", usage=TokenUsage(1000, 30)))
    samples = scrape(generate_latest(registry).decode())
    for indicator in INDICATORS:
        for bound in BOUNDS:
            metric = name(indicator, bound)
            assert total(samples, metric) == pytest.approx(expected([a, b, c], indicator, bound), rel=1e-12)
            for share in ("usage", "embodied"):
                got = total(samples, metric, share=share)
                assert got == pytest.approx(expected([a, b, c], indicator, bound, share), rel=1e-12, abs=0)
            assert total(samples, metric, model="gpt-4o") == pytest.approx(expected([c], indicator, bound))
            assert total(samples, metric, label_project="x") == pytest.approx(expected([a], indicator, bound))
    assert total(samples, "aifootprint_entries_total") == 3
    assert total(samples, "aifootprint_input_tokens_total") == 1150
    assert total(samples, "aifootprint_output_tokens_total") == 630
    assert total(samples, "aifootprint_output_tokens_total", model="gpt-4o") == 30


def test_labels_are_the_union_of_names_seen(registry: CollectorRegistry) -> None:
    imp = impacts()
    hub.publish(entry(imp, labels={"project": "x", "team.name": "search"}))
    hub.publish(entry(imp, labels={"feature": "triage"}))
    samples = scrape(generate_latest(registry).decode())
    energy = samples["aifootprint_energy_kwh_total"]
    assert {frozenset(s.labels) for s in energy} == {
        frozenset(
            {
                "provider",
                "model",
                "kind",
                "share",
                "zone",
                "label_feature",
                "label_project",
                "label_team_name",
            }
        )
    }
    usage = {
        (s.labels["label_project"], s.labels["label_feature"]) for s in energy if s.labels["share"] == "usage"
    }
    assert usage == {("x", ""), ("", "triage")}
    one = next(s for s in energy if s.labels["label_project"] == "x")
    assert one.labels["provider"] == "openai"
    assert one.labels["model"] == "gpt-4o-mini"
    assert one.labels["kind"] == "api"
    assert one.labels["zone"] == imp.zone
    assert one.labels["label_team_name"] == "search"


def test_entries_without_impacts_are_counted_apart(registry: CollectorRegistry) -> None:
    hub.publish(entry(impacts()))
    hub.publish(entry(None, model="gpt-9", error="model-not-registered"))
    samples = scrape(generate_latest(registry).decode())
    assert total(samples, "aifootprint_entries_total", has_impacts="true") == 1
    assert total(samples, "aifootprint_entries_total", has_impacts="false", error="model-not-registered") == 1
    assert total(samples, "aifootprint_energy_kwh_total", model="gpt-9") == 0


def test_scrapes_are_cumulative_and_count_each_entry_once(registry: CollectorRegistry) -> None:
    a, b = impacts(10, 20), impacts(30, 40)
    hub.publish(entry(a))
    first = scrape(generate_latest(registry).decode())
    again = scrape(generate_latest(registry).decode())
    hub.publish(entry(b))
    last = scrape(generate_latest(registry).decode())
    assert total(first, "aifootprint_gwp_kgco2eq_total") == pytest.approx(a.gwp.value)
    assert total(again, "aifootprint_gwp_kgco2eq_total") == pytest.approx(a.gwp.value)
    assert total(last, "aifootprint_gwp_kgco2eq_total") == pytest.approx(a.gwp.value + b.gwp.value)
    assert total(last, "aifootprint_entries_total") == 2


def test_impacts_are_computed_at_scrape_time(registry: CollectorRegistry) -> None:
    computed: list[int] = []
    base = impacts()
    values = tuple(
        v
        for share in (base.usage, base.embodied)
        for i in INDICATORS
        for v in (getattr(share, i).low, getattr(share, i).value, getattr(share, i).high)
    )

    def compute() -> tuple[float, ...]:
        computed.append(1)
        return values

    lazy = Impacts(
        compute, model="m", zone="USA", boundary="datacenter", warnings=(), requests=1, explainer=tuple
    )
    hub.publish(entry(lazy))
    assert computed == []
    samples = scrape(generate_latest(registry).decode())
    assert computed == [1]
    assert total(samples, "aifootprint_water_liters_total") == pytest.approx(base.water.value)


def test_a_failing_estimate_never_raises(registry: CollectorRegistry) -> None:
    def broken() -> tuple[float, ...]:
        raise RuntimeError("boom")

    bad = Impacts(
        broken, model="m", zone="USA", boundary="datacenter", warnings=(), requests=1, explainer=tuple
    )
    hub.publish(entry(bad))
    samples = scrape(generate_latest(registry).decode())
    assert total(samples, "aifootprint_entries_total", has_impacts="false", error="estimation-failed") == 1


def test_threads_publishing_at_once_are_each_counted_once(registry: CollectorRegistry) -> None:
    imp = impacts()
    per_thread, threads = 200, 8
    start = threading.Barrier(threads + 1)
    stop = threading.Event()

    def publish(i: int) -> None:
        e = entry(imp, labels={"worker": str(i)})
        start.wait()
        for _ in range(per_thread):
            hub.publish(e)

    def scrape_loop() -> None:
        start.wait()
        while not stop.is_set():
            generate_latest(registry)

    workers = [threading.Thread(target=publish, args=(i,)) for i in range(threads)]
    workers.append(threading.Thread(target=scrape_loop))
    for t in workers:
        t.start()
    for t in workers[:-1]:
        t.join()
    stop.set()
    workers[-1].join()
    samples = scrape(generate_latest(registry).decode())
    assert total(samples, "aifootprint_entries_total") == per_thread * threads
    for i in range(threads):
        assert total(samples, "aifootprint_entries_total", label_worker=str(i)) == per_thread
    assert total(samples, "aifootprint_energy_kwh_total") == pytest.approx(
        imp.energy.value * per_thread * threads, rel=1e-9
    )


def test_close_stops_receiving_and_keeps_the_totals(
    registry: CollectorRegistry, collector: FootprintCollector
) -> None:
    hub.publish(entry(impacts()))
    collector.close()
    collector.close()
    assert collector.closed
    hub.publish(entry(impacts()))
    samples = scrape(generate_latest(registry).decode())
    assert total(samples, "aifootprint_entries_total") == 1


def test_one_collector_per_registry(registry: CollectorRegistry) -> None:
    other = af.prometheus_collector()
    try:
        with pytest.raises(ValueError, match="Duplicated timeseries"):
            registry.register(other)  # two collectors would count every entry twice
    finally:
        other.close()


def test_no_registry_is_created_at_import() -> None:
    import aifootprint.telemetry.prometheus as module

    assert not any(isinstance(v, CollectorRegistry) for v in vars(module).values())


def test_real_scrape_of_the_metrics_server() -> None:
    imp = impacts()
    server = af.serve_metrics(port=0)
    try:
        assert server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}/metrics"
        hub.publish(entry(imp, labels={"project": "x"}))
        with urllib.request.urlopen(server.url, timeout=10) as response:
            assert response.status == 200
            body = response.read().decode()
    finally:
        server.close()
    server.close()  # idempotent
    samples = scrape(body)
    assert total(samples, "aifootprint_energy_kwh_total", label_project="x") == pytest.approx(
        imp.energy.value
    )
    assert total(samples, "aifootprint_entries_total") == 1
    assert server.collector.closed
    with pytest.raises(OSError), urllib.request.urlopen(server.url, timeout=10):
        pass


def test_metrics_server_as_a_context_manager() -> None:
    with af.serve_metrics(port=0) as server:
        hub.publish(entry(impacts()))
        with urllib.request.urlopen(server.url, timeout=10) as response:
            samples = scrape(response.read().decode())
    assert total(samples, "aifootprint_entries_total") == 1
    assert server.collector.closed


def test_missing_prometheus_client_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "prometheus_client", None)
    with pytest.raises(ConfigError, match=r"pip install 'aifootprint\[prometheus\]'"):
        af.prometheus_collector()
    with pytest.raises(ConfigError, match=r"pip install 'aifootprint\[prometheus\]'"):
        af.serve_metrics(port=0)
