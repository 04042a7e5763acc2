"""aifootprint: the environmental footprint of AI work (energy, GHG, water, metals, primary energy).

Importing the package loads nothing but this module; every name below is imported on first use and the
shipped data is read on the first estimate.

    import aifootprint as af
    imp = af.estimate("openai/gpt-4o-mini", output_tokens=400)
    print(imp.gwp, imp.explain())
"""

from __future__ import annotations

import importlib

from ._version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing alone costs ~9 ms at startup
if TYPE_CHECKING:  # pragma: no cover
    from ._labels import labels
    from .api import (
        compare,
        configure,
        estimate,
        get_catalog,
        make_estimator,
        models,
        register_datacenter,
        register_model,
        register_zone,
        zones,
    )
    from .batch import estimate_many
    from .errors import (
        AifootprintError,
        ConfigError,
        InputError,
        UnknownHardwareError,
        UnknownModelError,
        UnknownProviderError,
        UnknownZoneError,
    )
    from .estimator import reset
    from .exporters import export_to_otel, prometheus_collector, serve_metrics
    from .instrumentation import (
        CallRecord,
        ImpactsUnavailableError,
        TokenUsage,
        add_listener,
        impacts_of,
        instrument,
        record_of,
        uninstrument,
    )
    from .interval import Interval
    from .ledger import Entry, Ledger, LedgerError, flush, get_ledger
    from .local.results import DeviceEnergy, Forecast, impact_level
    from .local.session import Measurement, measure
    from .records import Factor, Impacts, ImpactSet, Model, Quantity
    from .settings import Settings

_LAZY: dict[str, str] = {
    "estimate": "api",
    "compare": "api",
    "get_catalog": "api",
    "models": "api",
    "zones": "api",
    "register_model": "api",
    "register_datacenter": "api",
    "register_zone": "api",
    "configure": "api",
    "make_estimator": "api",
    "estimate_many": "batch",
    "instrument": "instrumentation",
    "uninstrument": "instrumentation",
    "impacts_of": "instrumentation",
    "record_of": "instrumentation",
    "add_listener": "instrumentation",
    "CallRecord": "instrumentation",
    "TokenUsage": "instrumentation",
    "ImpactsUnavailableError": "instrumentation",
    "reset": "estimator",
    "labels": "_labels",
    "Entry": "ledger",
    "Ledger": "ledger",
    "LedgerError": "ledger",
    "get_ledger": "ledger",
    "flush": "ledger",
    "export_to_otel": "exporters",
    "prometheus_collector": "exporters",
    "serve_metrics": "exporters",
    "Interval": "interval",
    "measure": "local.session",
    "Measurement": "local.session",
    "Forecast": "local.results",
    "DeviceEnergy": "local.results",
    "impact_level": "local.results",
    "Model": "records",
    "Impacts": "records",
    "ImpactSet": "records",
    "Quantity": "records",
    "Factor": "records",
    "Settings": "settings",
    "AifootprintError": "errors",
    "ConfigError": "errors",
    "InputError": "errors",
    "UnknownModelError": "errors",
    "UnknownZoneError": "errors",
    "UnknownHardwareError": "errors",
    "UnknownProviderError": "errors",
}

__all__ = [
    "AifootprintError",
    "CallRecord",
    "ConfigError",
    "DeviceEnergy",
    "Entry",
    "Factor",
    "Forecast",
    "ImpactSet",
    "Impacts",
    "ImpactsUnavailableError",
    "InputError",
    "Interval",
    "Ledger",
    "LedgerError",
    "Measurement",
    "Model",
    "Quantity",
    "Settings",
    "TokenUsage",
    "UnknownHardwareError",
    "UnknownModelError",
    "UnknownProviderError",
    "UnknownZoneError",
    "__version__",
    "add_listener",
    "compare",
    "configure",
    "estimate",
    "estimate_many",
    "export_to_otel",
    "flush",
    "get_catalog",
    "get_ledger",
    "impact_level",
    "impacts_of",
    "instrument",
    "labels",
    "make_estimator",
    "measure",
    "models",
    "prometheus_collector",
    "record_of",
    "register_datacenter",
    "register_model",
    "register_zone",
    "reset",
    "serve_metrics",
    "uninstrument",
    "zones",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'aifootprint' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
