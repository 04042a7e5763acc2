"""aifootprint: the environmental footprint of AI work (energy, GHG, water, metals, primary energy).

Importing the package loads nothing but this module; every public name is imported from its private
module on first use (PEP 562), and the shipped data is read on the first estimate.

    import aifootprint as af
    imp = af.estimate("openai/gpt-4o-mini", output_tokens=400)
    print(imp.gwp, imp.explain())
"""

from __future__ import annotations

import importlib

from ._version import __version__

#: The public API: each name and the module that defines it. This table is the one list of public names:
#: ``__all__`` is derived from it, and tests/test_import.py checks the imports for type checkers below
#: against it.
_EXPORTS: dict[str, str] = {
    # estimates (aifootprint._api, ._batch)
    "estimate": "._api",
    "compare": "._api",
    "models": "._api",
    "zones": "._api",
    "get_catalog": "._api",
    "register_model": "._api",
    "register_datacenter": "._api",
    "register_zone": "._api",
    "configure": "._api",
    "make_estimator": "._api",
    "estimate_many": "._batch",
    "Estimator": "._estimator",
    "Settings": "._settings",
    "reset": "._state",
    # value types
    "Model": "._values",
    "Impacts": "._values",
    "ImpactSet": "._values",
    "Quantity": "._values",
    "Factor": "._values",
    "TokenUsage": "._call",
    "Interval": "._interval",
    # instrumented SDK calls
    "instrument": ".instrumentation",
    "uninstrument": ".instrumentation",
    "impacts_of": ".instrumentation",
    "record_of": ".instrumentation",
    "add_listener": ".instrumentation",
    "CallRecord": "._call",
    "Runtime": ".instrumentation.runtime",
    "labels": "._labels",
    # the ledger and live telemetry
    "Entry": ".ledger.entry",
    "Ledger": ".ledger.ledger",
    "get_ledger": ".ledger.ledger",
    "flush": ".ledger.ledger",
    "export_to_otel": ".telemetry",
    "prometheus_collector": ".telemetry",
    "serve_metrics": ".telemetry",
    # local measurement
    "measure": ".local.session",
    "Measurement": ".local.session",
    "Forecast": ".local.results",
    "DeviceEnergy": ".local.results",
    "impact_level": ".local.results",
    # errors
    "AifootprintError": ".errors",
    "ConfigError": ".errors",
    "InputError": ".errors",
    "UnknownModelError": ".errors",
    "UnknownZoneError": ".errors",
    "UnknownHardwareError": ".errors",
    "UnknownProviderError": ".errors",
    "ImpactsUnavailableError": ".errors",
    "LedgerError": ".errors",
}

__all__ = ["__version__", *_EXPORTS]  # noqa: PLE0604 - derived from the table above

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would triple the import time (~11 ms)
if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only; must match _EXPORTS (tested)
    from ._api import compare as compare
    from ._api import configure as configure
    from ._api import estimate as estimate
    from ._api import get_catalog as get_catalog
    from ._api import make_estimator as make_estimator
    from ._api import models as models
    from ._api import register_datacenter as register_datacenter
    from ._api import register_model as register_model
    from ._api import register_zone as register_zone
    from ._api import zones as zones
    from ._batch import estimate_many as estimate_many
    from ._call import CallRecord as CallRecord
    from ._call import TokenUsage as TokenUsage
    from ._estimator import Estimator as Estimator
    from ._interval import Interval as Interval
    from ._labels import labels as labels
    from ._settings import Settings as Settings
    from ._state import reset as reset
    from ._values import Factor as Factor
    from ._values import Impacts as Impacts
    from ._values import ImpactSet as ImpactSet
    from ._values import Model as Model
    from ._values import Quantity as Quantity
    from .errors import AifootprintError as AifootprintError
    from .errors import ConfigError as ConfigError
    from .errors import ImpactsUnavailableError as ImpactsUnavailableError
    from .errors import InputError as InputError
    from .errors import LedgerError as LedgerError
    from .errors import UnknownHardwareError as UnknownHardwareError
    from .errors import UnknownModelError as UnknownModelError
    from .errors import UnknownProviderError as UnknownProviderError
    from .errors import UnknownZoneError as UnknownZoneError
    from .instrumentation import add_listener as add_listener
    from .instrumentation import impacts_of as impacts_of
    from .instrumentation import instrument as instrument
    from .instrumentation import record_of as record_of
    from .instrumentation import uninstrument as uninstrument
    from .instrumentation.runtime import Runtime as Runtime
    from .ledger.entry import Entry as Entry
    from .ledger.ledger import Ledger as Ledger
    from .ledger.ledger import flush as flush
    from .ledger.ledger import get_ledger as get_ledger
    from .local.results import DeviceEnergy as DeviceEnergy
    from .local.results import Forecast as Forecast
    from .local.results import impact_level as impact_level
    from .local.session import Measurement as Measurement
    from .local.session import measure as measure
    from .telemetry import export_to_otel as export_to_otel
    from .telemetry import prometheus_collector as prometheus_collector
    from .telemetry import serve_metrics as serve_metrics


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aifootprint' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
