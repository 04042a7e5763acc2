"""OpenTelemetry exporter: impact metrics as observable counters, gen_ai client metrics, span attributes.

Only the ``opentelemetry-api`` package is used, and no global provider is ever set: metrics go to the meter
provider given, else to the application's global one (``metrics.get_meter_provider()``, a proxy until the
application sets its provider). The hub subscriber runs in the caller's thread and only queues the entry;
impacts are computed when the metrics are collected, except for span attributes (only when a span records).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Union

from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions, Histogram, MeterProvider, Observation

from .._layout import PER_SHARE, SHARES, share_entries
from .._log import log_once
from .._values import UNITS
from .._version import __version__
from ..ledger import hub
from ..ledger.entry import server_address
from . import Accumulator, entry_values
from . import semconv as sc

if TYPE_CHECKING:
    from ..ledger.entry import Entry

AttrValue = Union[str, bool, int, float, tuple[str, ...]]  # noqa: UP007 - evaluated at runtime on 3.10
Attrs = dict[str, AttrValue]
Key = tuple[tuple[str, AttrValue], ...]

_DESCRIPTIONS = {
    "energy": "Energy of GenAI calls and local runs",
    "gwp": "Greenhouse gas emissions (global warming potential)",
    "adpe": "Abiotic resource depletion (elements)",
    "pe": "Primary energy",
    "water": "Water consumption",
}
_BOUND_TEXT = {"low": " (low bound)", "value": "", "high": " (high bound)"}


# -- attributes ----------------------------------------------------------------------------------------------
def entry_attributes(entry: Entry, *, kind: bool = True) -> Attrs:
    """gen_ai semantic-convention attributes of an entry, its kind and its labels."""
    host, port = server_address(entry.server)
    attrs: Attrs = {}
    provider = sc.provider_name(entry.provider, host)
    if provider:
        attrs[sc.GEN_AI_PROVIDER_NAME] = provider
    operation = sc.operation_name(entry.operation)
    if operation:
        attrs[sc.GEN_AI_OPERATION_NAME] = operation
    if entry.model:
        attrs[sc.GEN_AI_REQUEST_MODEL] = entry.model
    if entry.response_model:
        attrs[sc.GEN_AI_RESPONSE_MODEL] = entry.response_model
    if host:
        attrs[sc.SERVER_ADDRESS] = host
        if port is not None:
            attrs[sc.SERVER_PORT] = port
    if kind:
        attrs[sc.KIND] = entry.kind
    for name, value in entry.labels.items():
        attrs[sc.LABEL_PREFIX + name] = value
    return attrs


def _key(attrs: Attrs) -> Key:
    return tuple(sorted(attrs.items(), key=lambda kv: kv[0]))


# -- the exporter --------------------------------------------------------------------------------------------
class OtelExporter(Accumulator):
    """Feeds one meter provider; made by :func:`aifootprint.export_to_otel`, stopped by :meth:`close`."""

    def __init__(self, meter_provider: MeterProvider) -> None:
        super().__init__()
        self.spans = True
        self.client_metrics = False
        self._impacts: dict[Key, tuple[Attrs, list[float]]] = {}
        self._entries: dict[Key, tuple[Attrs, list[int]]] = {}
        self._meter = meter_provider.get_meter(sc.METER_NAME, __version__)
        self._tokens: Histogram | None = None
        self._duration: Histogram | None = None
        for j, (indicator, bound) in enumerate(share_entries()):  # j: the position in a share's row
            self._meter.create_observable_counter(
                sc.impact_metric(indicator, bound),
                callbacks=[self._callback(j)],
                unit=UNITS[indicator],
                description=_DESCRIPTIONS[indicator] + _BOUND_TEXT[bound],
            )
        self._meter.create_observable_counter(
            sc.ENTRIES,
            callbacks=[self._observe_entries],
            unit="{entry}",
            description="Entries recorded (instrumented calls, local runs)",
        )

    # -- options, open / close -------------------------------------------------------------------------------
    def _configure(self, *, spans: bool, client_metrics: bool) -> None:
        self.spans = spans
        if client_metrics and self._tokens is None:
            self._tokens = self._histogram(
                sc.GEN_AI_CLIENT_TOKEN_USAGE,
                "{token}",
                "Number of input and output tokens used.",
                [float(b) for b in sc.TOKEN_USAGE_BUCKETS],
            )
            self._duration = self._histogram(
                sc.GEN_AI_CLIENT_OPERATION_DURATION,
                "s",
                "GenAI operation duration.",
                list(sc.DURATION_BUCKETS),
            )
        self.client_metrics = client_metrics
        self._subscribe()
        _span_users(self, add=spans)

    def _histogram(self, name: str, unit: str, description: str, buckets: list[float]) -> Histogram:
        try:
            return self._meter.create_histogram(
                name, unit=unit, description=description, explicit_bucket_boundaries_advisory=buckets
            )
        except TypeError:  # an older opentelemetry-api without advisory buckets: the SDK defaults apply
            return self._meter.create_histogram(name, unit=unit, description=description)

    def close(self) -> None:
        """Stop: no more entries are received and nothing more is reported (idempotent)."""
        with _registry_lock:
            self._unsubscribe_now()
            _span_users(self, add=False)

    def __enter__(self) -> OtelExporter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"OtelExporter({state}, spans={self.spans}, client_metrics={self.client_metrics})"

    # -- caller's thread -------------------------------------------------------------------------------------
    def _on_entry(self, entry: Entry) -> None:
        super()._on_entry(entry)
        if self.client_metrics and entry.kind == "api":
            try:
                self._record_client(entry)
            except Exception:
                log_once(
                    "otel-client-metrics",
                    "aifootprint: recording gen_ai client metrics failed",
                    exc_info=True,
                )

    def _record_client(self, entry: Entry) -> None:
        tokens, duration = self._tokens, self._duration
        if tokens is None or duration is None:
            return
        attrs = entry_attributes(entry, kind=False)
        usage = entry.usage
        # the semantic conventions ask for the provider's counts: tokens counted from text are left out
        if usage is not None:
            if usage.input_source == "reported":
                tokens.record(usage.input_tokens, {**attrs, sc.GEN_AI_TOKEN_TYPE: "input"})
            if usage.source == "reported":
                tokens.record(usage.output_tokens, {**attrs, sc.GEN_AI_TOKEN_TYPE: "output"})
        if entry.latency_s is not None:
            duration.record(entry.latency_s, attrs)

    # -- collection ------------------------------------------------------------------------------------------
    def _add(self, entry: Entry) -> None:
        attrs = entry_attributes(entry)
        imp = entry.impacts
        rows, error = entry_values(entry, "OpenTelemetry")
        if imp is not None and rows is not None:
            attrs[sc.ZONE] = imp.zone
            attrs[sc.BOUNDARY] = imp.boundary
            for share, row in zip(SHARES, rows, strict=True):
                shared = {**attrs, sc.SHARE: share}
                key = _key(shared)
                slot = self._impacts.get(key)
                if slot is None:
                    self._impacts[key] = (shared, list(row))
                else:
                    total = slot[1]
                    for j in range(PER_SHARE):
                        total[j] += row[j]
        attrs[sc.HAS_IMPACTS] = rows is not None
        if rows is None and error:
            attrs[sc.ERROR] = error
        key = _key(attrs)
        counted = self._entries.get(key)
        if counted is None:
            self._entries[key] = (attrs, [1])
        else:
            counted[1][0] += 1

    def _callback(self, slot: int) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def observe(options: CallbackOptions) -> Iterable[Observation]:
            if self.closed:
                return ()
            try:
                with self._lock:
                    self._fold()
                    return [Observation(values[slot], attrs) for attrs, values in self._impacts.values()]
            except Exception:
                log_once("otel-collect", "aifootprint: OpenTelemetry collection failed", exc_info=True)
                return ()

        return observe

    def _observe_entries(self, options: CallbackOptions) -> Iterable[Observation]:
        if self.closed:
            return ()
        try:
            with self._lock:
                self._fold()
                return [Observation(n[0], attrs) for attrs, n in self._entries.values()]
        except Exception:
            log_once("otel-collect", "aifootprint: OpenTelemetry collection failed", exc_info=True)
            return ()


# -- span attributes -----------------------------------------------------------------------------------------
class _SpanTotals:
    __slots__ = ("calls", "errors", "values", "warnings", "zones")

    def __init__(self) -> None:
        self.calls = 0
        self.values: list[float] | None = None
        self.warnings: dict[str, None] = {}
        self.zones: dict[str, None] = {}
        self.errors: dict[str, None] = {}


_span_lock = threading.Lock()
_span_totals: weakref.WeakKeyDictionary[object, _SpanTotals] = weakref.WeakKeyDictionary()
_span_exporters: set[OtelExporter] = set()
_span_unsubscribe: Callable[[], None] | None = None


def _span_users(exporter: OtelExporter, *, add: bool) -> None:
    """One span subscriber however many exporters ask for span attributes."""
    global _span_unsubscribe  # noqa: PLW0603 - subscribed while at least one exporter wants spans
    if add:
        _span_exporters.add(exporter)
    else:
        _span_exporters.discard(exporter)
    if _span_exporters and _span_unsubscribe is None:
        _span_unsubscribe = hub.subscribe(_annotate_span)
    elif not _span_exporters and _span_unsubscribe is not None:
        _span_unsubscribe()
        _span_unsubscribe = None


def _annotate_span(entry: Entry) -> None:
    """Add the entry's impacts to the span current in the caller's thread, if it records."""
    try:
        span = trace.get_current_span()
        if not span.is_recording():
            return
        attrs = _span_attributes(span, entry)
        span.set_attributes(attrs)
    except Exception:
        log_once("otel-span", "aifootprint: adding impacts to the current span failed", exc_info=True)


def _span_attributes(span: object, entry: Entry) -> Mapping[str, AttrValue]:
    """Totals over every call made while ``span`` was current (most spans hold one call)."""
    imp = entry.impacts
    shares, error = entry_values(entry, "OpenTelemetry")
    row = None if shares is None else [u + e for u, e in zip(*shares, strict=True)]
    with _span_lock:
        try:
            totals = _span_totals.get(span)
            if totals is None:
                totals = _span_totals[span] = _SpanTotals()
        except TypeError:  # a span type that cannot be weakly referenced: this call only
            totals = _SpanTotals()
        totals.calls += 1
        if imp is not None and row is not None:
            if totals.values is None:
                totals.values = row
            else:
                totals.values = [t + v for t, v in zip(totals.values, row, strict=True)]
            totals.zones[imp.zone] = None
            totals.warnings.update(dict.fromkeys(imp.warnings))
        elif error:
            totals.errors[error] = None
        attrs: dict[str, AttrValue] = {sc.CALLS: totals.calls}
        if totals.values is not None:
            for j, (indicator, bound) in enumerate(share_entries()):
                attrs[sc.span_attribute(indicator, bound)] = totals.values[j]
            attrs[sc.ZONE] = ",".join(totals.zones)
            attrs[sc.WARNINGS] = tuple(totals.warnings)
        if totals.errors:
            attrs[sc.ERROR] = ",".join(totals.errors)
    return attrs


# -- one exporter per meter provider -------------------------------------------------------------------------
_registry_lock = threading.RLock()
_exporters: list[tuple[Callable[[], object], OtelExporter]] = []


def _ref(provider: MeterProvider) -> Callable[[], object]:
    try:
        return weakref.ref(provider)
    except TypeError:
        return lambda: provider


def _is_proxy(provider: object) -> bool:
    """The API's stand-in for a global provider not set yet (``_ProxyMeterProvider``, a private class)."""
    return type(provider).__name__.lstrip("_") == "ProxyMeterProvider"


def export(meter_provider: MeterProvider | None, *, spans: bool, client_metrics: bool) -> OtelExporter:
    """The exporter of ``meter_provider`` (or of the global provider), made on first use, opened."""
    global_provider = metrics.get_meter_provider()
    target = global_provider if meter_provider is None else meter_provider
    with _registry_lock:
        for ref, e in list(_exporters):
            if ref() is None:  # the provider is gone: stop receiving entries for it
                e.close()
                _exporters.remove((ref, e))
        found = next((e for ref, e in _exporters if ref() is target), None)
        if found is None and target is global_provider and not _is_proxy(target):
            # made on the proxy before the application set its provider: it already feeds this one
            found = next((e for ref, e in _exporters if _is_proxy(ref())), None)
        if found is None:
            found = OtelExporter(target)
            _exporters.append((_ref(target), found))
        found._configure(spans=spans, client_metrics=client_metrics)
        return found
