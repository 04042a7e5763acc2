"""Prometheus: a collector that adds entries up at scrape time, and a standalone ``/metrics`` server.

The hub subscriber only queues entries (caller's thread); ``collect()`` computes their impacts and adds them
to cumulative counters. No registry is created here unless :class:`MetricsServer` is started.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, Metric

from .._layout import PER_SHARE, SHARES, share_entries
from .._log import log_once
from . import Accumulator, entry_values
from . import semconv as sc

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from ..ledger.entry import Entry

_INVALID = re.compile(r"[^A-Za-z0-9_]")
_DOCS = {
    "energy": "Energy (kWh)",
    "gwp": "Greenhouse gas emissions, GWP (kgCO2eq)",
    "adpe": "Abiotic resource depletion, elements (kgSbeq)",
    "pe": "Primary energy (MJ)",
    "water": "Water consumption (liters)",
}
_BOUND_DOCS = {"low": ", low bound", "value": "", "high": ", high bound"}

Labels = tuple[tuple[str, str], ...]  # (sanitised label name, value), sorted


def label_name(name: str) -> str:
    """``team.name`` -> ``label_team_name`` (a valid Prometheus label name)."""
    return sc.PROM_LABEL_PREFIX + _INVALID.sub("_", name)


def _labels(labels: Mapping[str, str]) -> Labels:
    if not labels:
        return ()
    out: dict[str, str] = {}
    for name in sorted(labels):
        out.setdefault(label_name(name), labels[name])  # names that sanitise alike: the first (sorted) wins
    return tuple(out.items())


class FootprintCollector(Accumulator):
    """Cumulative counters of every entry published since it was made (thread-safe).

    Register it in a registry (``REGISTRY.register(c)``); one collector per registry, as two would count
    every entry twice. ``close()`` stops receiving entries (the totals stay).
    """

    def __init__(self) -> None:
        super().__init__()
        # (provider, model, kind, share, zone, labels) -> one share of the impact vector (aifootprint._layout)
        self._impacts: dict[tuple[str, str, str, str, str, Labels], list[float]] = {}
        # (provider, model, kind, has_impacts, error, labels) -> count
        self._entries: dict[tuple[str, str, str, str, str, Labels], int] = {}
        # (provider, model, kind, labels) -> [input tokens, output tokens]
        self._tokens: dict[tuple[str, str, str, Labels], list[int]] = {}
        self._label_names: set[str] = set()
        self._subscribe()

    def close(self) -> None:
        """Stop receiving entries (idempotent); what was counted is still collected."""
        self._unsubscribe_now()

    def _add(self, entry: Entry) -> None:
        provider, model, kind = entry.provider or "", entry.model or "", entry.kind
        labels = _labels(entry.labels)
        self._label_names.update(name for name, _ in labels)
        imp = entry.impacts
        rows, error = entry_values(entry, "Prometheus")
        if imp is not None and rows is not None:
            for share, row in zip(SHARES, rows, strict=True):
                key = (provider, model, kind, share, imp.zone, labels)
                total = self._impacts.get(key)
                if total is None:
                    self._impacts[key] = list(row)
                else:
                    for j in range(PER_SHARE):
                        total[j] += row[j]
        ekey = (provider, model, kind, "true" if rows is not None else "false", error, labels)
        self._entries[ekey] = self._entries.get(ekey, 0) + 1
        usage = entry.usage
        if usage is not None:
            tkey = (provider, model, kind, labels)
            tokens = self._tokens.setdefault(tkey, [0, 0])
            tokens[0] += usage.input_tokens
            tokens[1] += usage.output_tokens

    def describe(self) -> Iterator[Metric]:
        """The metric names, for the registry's duplicate check (no entry is read)."""
        yield from self._families((), {}, {}, {})

    def collect(self) -> Iterator[Metric]:
        """Counters of every entry so far: impacts by indicator and bound, entries, tokens."""
        try:
            with self._lock:
                self._fold()
                names = tuple(sorted(self._label_names))
                impacts = {k: tuple(v) for k, v in self._impacts.items()}
                entries = dict(self._entries)
                tokens = {k: tuple(v) for k, v in self._tokens.items()}
        except Exception:
            log_once("prom-collect", "aifootprint: Prometheus collection failed", exc_info=True)
            return
        yield from self._families(names, impacts, entries, tokens)

    @staticmethod
    def _families(
        names: tuple[str, ...],
        impacts: Mapping[tuple[str, str, str, str, str, Labels], tuple[float, ...]],
        entries: Mapping[tuple[str, str, str, str, str, Labels], int],
        tokens: Mapping[tuple[str, str, str, Labels], tuple[int, ...]],
    ) -> Iterator[Metric]:
        def values(labels: Labels) -> list[str]:
            have = dict(labels)
            return [have.get(n, "") for n in names]

        for j, (indicator, bound) in enumerate(share_entries()):  # j: the position in a share's row
            family = CounterMetricFamily(
                sc.prom_impact_metric(indicator, bound),
                f"{_DOCS[indicator]}{_BOUND_DOCS[bound]}; share=usage|embodied, their sum is the total",
                labels=["provider", "model", "kind", "share", "zone", *names],
                unit=sc.PROM_UNITS[indicator],
            )
            for (provider, model, kind, share, zone, labels), row in sorted(impacts.items()):
                family.add_metric([provider, model, kind, share, zone, *values(labels)], row[j])
            yield family
        family = CounterMetricFamily(
            sc.PROM_ENTRIES,
            "Entries recorded (instrumented calls, local runs); error says why one has no impacts",
            labels=["provider", "model", "kind", "has_impacts", "error", *names],
        )
        for (provider, model, kind, has, error, labels), n in sorted(entries.items()):
            family.add_metric([provider, model, kind, has, error, *values(labels)], n)
        yield family
        for j, (name, doc) in enumerate(
            (
                (sc.PROM_INPUT_TOKENS, "Input tokens"),
                (sc.PROM_OUTPUT_TOKENS, "Output tokens (incl. reasoning)"),
            )
        ):
            family = CounterMetricFamily(
                name, doc, labels=["provider", "model", "kind", *names], unit="tokens"
            )
            for (provider, model, kind, labels), counts in sorted(tokens.items()):
                family.add_metric([provider, model, kind, *values(labels)], counts[j])
            yield family


class MetricsServer:
    """A ``/metrics`` HTTP endpoint with its own registry and collector; made by :func:`serve_metrics`."""

    def __init__(self, port: int, addr: str) -> None:
        self.collector = FootprintCollector()
        self.registry = CollectorRegistry()
        self.registry.register(self.collector)
        self._lock = threading.Lock()
        try:
            server, thread = start_http_server(port, addr, registry=self.registry)
        except BaseException:
            self.collector.close()
            raise
        self._server: WSGIServer | None = server
        self._thread = thread
        self.addr = addr
        self.port: int = server.server_port
        host = f"[{addr}]" if ":" in addr else addr
        self.url = f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        """Stop the server, close its socket and stop receiving entries (idempotent)."""
        with self._lock:
            server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        self._thread.join()
        self.collector.close()

    def __enter__(self) -> MetricsServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MetricsServer({self.url}, {'closed' if self._server is None else 'serving'})"
