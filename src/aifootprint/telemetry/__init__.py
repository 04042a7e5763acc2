"""Live telemetry: OpenTelemetry metrics and span attributes, and a Prometheus collector (docs/telemetry.md).

The optional libraries are imported when these functions run; a missing one raises :class:`ConfigError`
naming the extra to install. Nothing here sets a global OpenTelemetry provider or creates a registry
at import.
"""

from __future__ import annotations

import importlib
import threading
from collections import deque
from typing import TYPE_CHECKING

from .._layout import EMBODIED_VALUES, USAGE_VALUES
from .._log import log_once
from ..errors import ConfigError
from ..ledger import hub

if TYPE_CHECKING:
    from collections.abc import Callable

    from opentelemetry.metrics import MeterProvider

    from .._values import Impacts
    from ..ledger.entry import Entry
    from .otel import OtelExporter
    from .prometheus import FootprintCollector, MetricsServer

__all__ = ["export_to_otel", "prometheus_collector", "serve_metrics"]

#: Entries waiting for a collection; beyond this the publishing thread folds them in (bounded memory when
#: nothing collects, e.g. a global meter provider that is never set).
MAX_PENDING = 10_000


def _require(module: str, extra: str, what: str) -> None:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise ConfigError(
            f"{what} needs {module.partition('.')[0]}: pip install 'aifootprint[{extra}]'"
        ) from exc


def export_to_otel(
    *, meter_provider: MeterProvider | None = None, spans: bool = True, client_metrics: bool = False
) -> OtelExporter:
    """Report every entry as OpenTelemetry metrics on ``meter_provider`` (default: the global one).

    Impact metrics are observable counters computed at collection time. ``spans=True`` adds the impacts
    to the span current when a call ends; ``client_metrics=True`` also records ``gen_ai.client.token.usage``
    and ``gen_ai.client.operation.duration``. One exporter per meter provider: calling again returns it with
    the new options. Never sets a global provider. ``close()`` on the result stops it.
    """
    _require("opentelemetry.metrics", "otel", "export_to_otel()")
    _require("opentelemetry.trace", "otel", "export_to_otel()")
    from .otel import export

    return export(meter_provider, spans=spans, client_metrics=client_metrics)


def prometheus_collector() -> FootprintCollector:
    """A Prometheus collector of every entry from now on; register it: ``REGISTRY.register(c)``.

    Counters are aggregated at scrape time (``collect()``); ``close()`` stops receiving entries.
    """
    _require("prometheus_client", "prometheus", "prometheus_collector()")
    from .prometheus import FootprintCollector

    return FootprintCollector()


def serve_metrics(port: int = 9464, addr: str = "127.0.0.1") -> MetricsServer:
    """Serve ``/metrics`` on ``addr:port`` (``port=0``: a free port) from a registry of its own.

    The result has ``.port``, ``.url`` and ``.close()`` (stops the server); it is also a context manager.
    """
    _require("prometheus_client", "prometheus", "serve_metrics()")
    from .prometheus import MetricsServer

    return MetricsServer(port, addr)


class Accumulator:
    """Base of the exporters: the hub subscriber only queues entries; ``fold()`` adds them up later."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: deque[Entry] = deque()
        self._unsubscribe: Callable[[], None] | None = None

    def _subscribe(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = hub.subscribe(self._on_entry)

    def _unsubscribe_now(self) -> None:
        unsubscribe, self._unsubscribe = self._unsubscribe, None
        if unsubscribe is not None:
            unsubscribe()

    @property
    def closed(self) -> bool:
        return self._unsubscribe is None

    def _on_entry(self, entry: Entry) -> None:
        self._pending.append(entry)  # deque.append is atomic: no lock on the caller's path
        if len(self._pending) > MAX_PENDING and self._lock.acquire(blocking=False):
            try:
                log_once(
                    ("exporter-not-collected", type(self).__name__),
                    "aifootprint: %s: more than %d entries waiting and nothing collected them; "
                    "adding them up in the calling thread",
                    type(self).__name__,
                    MAX_PENDING,
                )
                self._fold()
            finally:
                self._lock.release()

    def _fold(self) -> None:
        """Add the pending entries to the totals (call with ``self._lock`` held)."""
        pending = self._pending
        while True:
            try:
                entry = pending.popleft()
            except IndexError:
                return
            try:
                self._add(entry)
            except Exception:
                log_once(
                    ("exporter-add", type(self).__name__),
                    "aifootprint: %s could not add an entry",
                    type(self).__name__,
                    exc_info=True,
                )

    def _add(self, entry: Entry) -> None:
        raise NotImplementedError


ValueRow = tuple[float, ...]


def share_rows(impacts: Impacts) -> tuple[ValueRow, ValueRow]:
    """(usage, embodied): one share of the impact vector each, per indicator (energy, gwp, adpe, pe, water)
    low, value, high (aifootprint._layout.share_entries() names every position)."""
    v = impacts._v()  # the impact vector
    return tuple(v[USAGE_VALUES]), tuple(v[EMBODIED_VALUES])


def entry_values(entry: Entry, where: str) -> tuple[tuple[ValueRow, ValueRow] | None, str]:
    """An entry's figures per share, or ``None`` and why there are none (its error code, or
    ``estimation-failed`` when they fail to compute, logged once)."""
    imp = entry.impacts
    if imp is None:
        return None, entry.error or ""
    try:
        return share_rows(imp), ""
    except Exception:
        log_once((where, "impacts"), "aifootprint: computing impacts for %s failed", where, exc_info=True)
        return None, "estimation-failed"
