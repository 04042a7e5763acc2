"""Instrumentation state: options given to ``instrument()``, listeners, and call -> impacts resolution.

Everything that needs the catalogue or the estimator lives here, behind one cache keyed on what a call
says about itself (provider, model, server, region), so the per-call cost after the first call of a kind
is a dict lookup plus the engine's few microseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import _state
from .._call import CallRecord, TokenUsage
from .._interval import Bounds, parse_range
from .._log import log_once, logger
from ..errors import AifootprintError, ConfigError
from ..ledger.entry import redact_url
from ..providers._base import Request

if TYPE_CHECKING:
    from .._estimator import Estimator
    from .._values import Impacts, Model
    from ..catalog import Catalog
    from ..engine.plan import Plan

Listener = Callable[[CallRecord], None]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where an OpenAI-compatible (or other) server runs: matched by URL prefix of the SDK's base URL.

    ``provider`` is the catalogue provider to look models up under (None: any provider, by bare name);
    ``datacenter`` the provider whose datacenter row applies; ``zone``/``gpu``/``pue``/``wue`` describe a
    self-hosted server directly. An entry with neither ``datacenter`` nor ``region`` is a server the user
    runs: no provider's datacenter row applies to it (see ``_runs_it_yourself``).
    """

    url: str  # normalize_url() of the configured key: host[:port]/path, no credentials
    provider: str | None = None
    datacenter: str | None = None
    region: str | None = None
    zone: str | None = None
    gpu: str | None = None
    pue: Bounds | None = None
    wue: Bounds | None = None
    label: str = field(default="", compare=False)  # the key as messages show it: redact_url() of it


ENDPOINT_KEYS = ("provider", "datacenter", "region", "zone", "gpu", "pue", "wue")


def parse_endpoints(
    raw: Mapping[str, Any] | None, origin: str, catalog: Callable[[], Catalog] | None = None
) -> tuple[Endpoint, ...]:
    """``{"http://localhost:8000": {"zone": "FRA", "gpu": "H100"}, ...}`` -> endpoints, longest URL first.

    With ``catalog`` (called only when an entry names a zone, gpu or datacenter), what the catalogue does not
    know raises :class:`ConfigError` here, once, rather than failing every call to the endpoint.
    """
    out: list[Endpoint] = []
    for url, table in (raw or {}).items():
        label = (redact_url(url) or "<a URL that cannot be parsed>") if isinstance(url, str) else None
        where = f"{origin}: endpoints[{(label or url)!r}]"  # never the credentials of the key
        if not isinstance(url, str) or not url.strip():
            raise ConfigError(f"{where}: the key must be a base URL such as 'http://localhost:8000/v1'")
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where}: must be a table of {', '.join(ENDPOINT_KEYS)}")
        unknown = sorted(set(table) - set(ENDPOINT_KEYS))
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(ENDPOINT_KEYS)})"
            )
        kw: dict[str, Any] = {}
        for key in ("provider", "datacenter", "region", "zone", "gpu"):
            if table.get(key) is not None:
                if not isinstance(table[key], str) or not table[key]:
                    raise ConfigError(f"{where}: {key} must be a non-empty string")
                kw[key] = table[key]
        try:
            if table.get("pue") is not None:
                kw["pue"] = parse_range("pue", table["pue"], minimum=1.0)
            if table.get("wue") is not None:
                kw["wue"] = parse_range("wue", table["wue"])
        except AifootprintError as exc:
            raise ConfigError(
                f"{where}: {exc}; write a number (pue = 1.3) or a [low, high] range (pue = [1.2, 1.4])"
            ) from None
        ep = Endpoint(url=normalize_url(url), label=label or "", **kw)
        if catalog is not None and (ep.zone or ep.gpu or ep.datacenter):
            check_endpoint(ep, catalog(), where)
        out.append(ep)
    return tuple(sorted(out, key=lambda e: -len(e.url)))


def check_endpoint(ep: Endpoint, cat: Catalog, where: str) -> None:
    """Raise a one-line :class:`ConfigError` (endpoint, field, fix) for a zone, gpu or datacenter that the
    catalogue does not know or cannot estimate with."""
    field_name = "zone"
    try:
        if ep.zone is not None:
            cat.zone(ep.zone)
        if ep.gpu is not None:
            field_name = "gpu"
            acc = cat.accelerator(ep.gpu)
            if acc.memory_bandwidth_tb_s is None or not acc.tflops:
                raise ConfigError(
                    f"accelerator {acc.key} lacks the bandwidth and throughput figures the energy model "
                    "needs; name another accelerator (aifootprint.get_catalog().accelerators())"
                )
        if ep.datacenter is not None:
            field_name = "datacenter" if ep.region is None else "datacenter/region"
            cat.datacenter(ep.datacenter, ep.region)
    except AifootprintError as exc:
        raise ConfigError(f"{where}: {field_name}: {' '.join(str(exc).split())}") from None


def normalize_url(url: str) -> str:
    """What endpoint keys and base URLs are compared on: ``host[:port]/path`` in lower case, without scheme,
    trailing slash, user, password or query (so a key matches a client whose URL carries credentials)."""
    url = (redact_url(url.strip()) or url).lower()
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            url = url[len(scheme) :]
            break
    return url.rstrip("/")


class NoImpactsError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Runtime:
    """Options of the current instrumentation and the machinery to turn a call into impacts."""

    def __init__(
        self,
        *,
        zone: str | None = None,
        boundary: str | None = None,
        strict: bool = False,
        endpoints: tuple[Endpoint, ...] = (),
        estimator: Estimator | None = None,
    ) -> None:
        self.active: set[str] = set()  # instrument names whose wrappers are on
        self.zone = zone
        self.boundary = boundary
        self.strict = strict
        self.endpoints = endpoints
        self._estimator = estimator
        # (provider, model, response model, server, datacenter, region) -> compiled plan, or why there is none
        # (NoImpactsError, or the failure of resolving it: computed once, raised again on every such call)
        self._targets: dict[tuple[Any, ...], Plan | Exception] = {}
        self._generation: tuple[int, int] = (-1, -1)
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def clear_cache(self) -> None:
        self._targets = {}

    # -- listeners -------------------------------------------------------------------------------------
    def add_listener(self, fn: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners = [*self._listeners, fn]

        def remove() -> None:
            with self._lock:
                self._listeners = [f for f in self._listeners if f is not fn]

        return remove

    def emit(self, record: CallRecord) -> None:
        for fn in self._listeners:
            try:
                fn(record)
            except Exception:
                if self.strict:
                    raise
                log_once(("listener", id(fn)), "aifootprint: a call listener failed", exc_info=True)

    # -- failures ----------------------------------------------------------------------------------------
    def internal_error(self, where: str, provider: str) -> None:
        """Our own failure on the hot path (call inside ``except``): re-raise when strict, else log once."""
        if self.strict:
            raise  # noqa: PLE0704 - always called from an exception handler
        log_once(
            ("internal", where, provider),
            "aifootprint: internal error in %s for %s; the call is unaffected and its impacts are None",
            where,
            provider,
            exc_info=True,
        )

    # -- estimation --------------------------------------------------------------------------------------
    @property
    def estimator(self) -> Estimator:
        if self._estimator is not None:
            return self._estimator
        return _state.default_estimator()  # not an import statement here: it costs microseconds per call

    def estimate(
        self, request: Request, response_model: str | None, usage: TokenUsage, latency_s: float | None
    ) -> Impacts:
        """Impacts of one call, or :class:`NoImpactsError` with a stable code."""
        plan = self._plan(self.estimator, request, response_model)
        imp: Impacts = _api().impacts_of_plan(
            plan, usage.input_tokens, usage.output_tokens, latency_s, 1, lazy=True
        )
        if request.warnings:
            imp = imp.with_warnings(request.warnings)
        if usage.source == "counted" or usage.input_source == "counted":
            return imp.with_warnings(("usage-counted",))
        return imp

    def _plan(self, est: Estimator, request: Request, response_model: str | None) -> Plan:
        cat = est.catalog
        gen = (id(cat), cat.generation)
        if gen != self._generation:
            self._targets = {}
            self._generation = gen
        key = (
            request.provider,
            request.model,
            response_model,
            request.server,
            request.datacenter,
            request.region,
        )
        found = self._targets.get(key)
        if found is None:
            try:
                found = self._resolve(est, request, response_model)
            except Exception as exc:  # cached: a failing target is not resolved again on every call
                found = exc
            if len(self._targets) > 4096:
                self._targets.clear()
            self._targets[key] = found
        if isinstance(found, Exception):
            raise found.with_traceback(None)  # a fresh traceback each time, not one growing per call
        return found

    def _endpoint(self, server: str | None) -> Endpoint | None:
        if not server or not self.endpoints:
            return None
        s = normalize_url(server)
        for e in self.endpoints:  # longest first; whole segments only ("host:80" is not "host:8000")
            if s.startswith(e.url) and (len(s) == len(e.url) or s[len(e.url)] == "/"):
                return e
        return None

    def _resolve(self, est: Estimator, request: Request, response_model: str | None) -> Plan:
        cat = est.catalog
        ep = self._endpoint(request.server)
        provider = ep.provider if ep is not None and ep.provider else request.provider
        names = [n for n in (request.model, response_model) if n]
        if not names:
            raise NoImpactsError("model-not-registered", f"{provider}: the call named no model")
        model: Model | None = None
        for name in names:
            for prov in (provider, None) if provider else (None,):
                try:
                    model, _how = cat.resolve_model(name, prov)
                except AifootprintError:  # unknown (UnknownModelError) or ambiguous
                    continue
                break
            if model is not None:
                break
        if model is None:
            name = names[0]
            key = name if "/" in name and not provider else f"{provider}/{name}"
            raise NoImpactsError(
                "model-not-registered",
                f"model {name!r} of provider {provider!r} is not in the catalogue. Register it in "
                f'aifootprint.toml: [models."{key}"] total_params_b = ... (and active_params_b for a '
                "mixture of experts), or call aifootprint.register_model(aifootprint.Model(...))",
            )
        kwargs: dict[str, Any] = {}
        if self.zone is not None:
            kwargs["zone"] = self.zone
        elif ep is not None and ep.zone is not None:
            kwargs["zone"] = ep.zone
        if self.boundary is not None:
            kwargs["boundary"] = self.boundary
        if ep is not None:
            if ep.gpu is not None:
                kwargs["gpu"] = ep.gpu
            if ep.pue is not None:
                kwargs["pue"] = ep.pue
            if ep.wue is not None:
                kwargs["wue"] = ep.wue
        dc = (ep.datacenter if ep is not None else None) or request.datacenter or request.provider
        if ep is not None and _runs_it_yourself(cat, ep, dc):
            # Your own server: its facts (zone, pue, wue) or defaults, never those of the provider the SDK
            # or the model belongs to (an OpenAI-compatible vLLM is not OpenAI on Azure).
            kwargs["self_hosted"] = f"[endpoints] entry {ep.label} (a server you run)"
        else:
            region = (ep.region if ep is not None else None) or request.region
            if dc and dc != model.provider and _has_datacenter(cat, dc, None):
                kwargs["provider"] = dc
            if region and _has_datacenter(cat, kwargs.get("provider", model.provider), region):
                kwargs["region"] = region
        # Validate once (zone, gpu, ...): a bad endpoint or zone is a configuration error, not a call error.
        try:
            plan = est.plan(model, **kwargs)
        except AifootprintError as exc:
            raise ConfigError(f"aifootprint cannot estimate calls to {model.id}: {exc}") from exc
        logger.debug("aifootprint: %s/%s -> %s %s", request.provider, names[0], model.id, kwargs)
        return plan


_api_module: Any = None


def _api() -> Any:
    """``aifootprint._api``, imported on first use (it pulls in the catalogue code) and then kept."""
    global _api_module  # noqa: PLW0603 - a one-time lazy import, not state
    if _api_module is None:
        from .. import _api as api

        _api_module = api
    return _api_module


def _runs_it_yourself(cat: Any, ep: Endpoint, attributed: str | None) -> bool:
    """An ``[endpoints]`` entry naming neither ``datacenter`` nor ``region`` describes a server you run;
    unless the SDK's own attribution is a catalogue row of the user's own machine (operator ``local``:
    Ollama), which then stays."""
    if ep.datacenter is not None or ep.region is not None:
        return False
    if attributed:
        try:
            return bool(cat.datacenter(attributed).operator != "local")
        except LookupError:
            pass
    return True


def _has_datacenter(cat: Any, provider: str, region: str | None) -> bool:
    try:
        cat.datacenter(provider, region)
    except LookupError:
        return False
    return True
