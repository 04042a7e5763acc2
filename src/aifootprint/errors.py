"""Every exception aifootprint raises, and both tables of stable codes.

Exception tree::

    AifootprintError                      (root of everything raised by aifootprint)
    ├── ConfigError(ValueError)           bad configuration value or malformed overlay file
    ├── InputError(ValueError)            bad argument to a public function (names the field)
    ├── UnknownModelError(LookupError)    model not in the catalogue (lists close matches)
    ├── UnknownZoneError(LookupError)     electricity zone not in the catalogue
    ├── UnknownHardwareError(LookupError) accelerator or server archetype not in the catalogue
    ├── UnknownProviderError(LookupError) provider without a datacenter row
    ├── ImpactsUnavailableError(LookupError)  impacts_of(obj, required=True) found none (``.code``)
    ├── LedgerError                       ledger file unusable: not SQLite, another application's, corrupt,
    │                                     newer schema, not writable
    └── DataFileError(ValueError)         a shipped data file is malformed (a packaging bug, never user input)

Quality problems of an estimate are not exceptions: they are stable codes in ``Impacts.warnings``
(:data:`WARNING_CODES`). Why an instrumented call has no impacts is a stable code in ``CallRecord.error``
(:data:`ERROR_CODES`).
"""

from __future__ import annotations

from typing import Final


class AifootprintError(Exception):
    """Root of every exception raised by aifootprint."""


class ConfigError(AifootprintError, ValueError):
    """A configuration value or an overlay file is invalid (the message names the source and key)."""


class InputError(AifootprintError, ValueError):
    """An argument is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class _LookupFailureError(AifootprintError, LookupError):
    def __init__(self, message: str, *, key: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key = key
        self.suggestions = suggestions

    def __str__(self) -> str:  # LookupError would repr() the message
        return str(self.args[0])


class UnknownModelError(_LookupFailureError):
    """The model is not in the catalogue. ``suggestions`` holds close matches (never used silently)."""


class UnknownZoneError(_LookupFailureError):
    """The electricity zone is not in the catalogue."""


class UnknownHardwareError(_LookupFailureError):
    """The accelerator or server archetype is not in the catalogue."""


class UnknownProviderError(_LookupFailureError):
    """The provider has no datacenter row."""


class ImpactsUnavailableError(AifootprintError, LookupError):
    """``impacts_of(obj, required=True)`` found no impacts; ``code`` is a stable code from ERROR_CODES."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code

    def __str__(self) -> str:
        return str(self.args[0])


class LedgerError(AifootprintError):
    """The ledger file cannot be used: not SQLite, not a ledger, corrupt, too new, or not writable."""


class DataFileError(AifootprintError, ValueError):
    """A shipped data file is malformed (a packaging bug, never user input)."""


#: Why an instrumented call has no impacts (``CallRecord.error``); documented in docs/instrumentation.md.
ERROR_CODES: Final[dict[str, str]] = {
    "model-not-registered": "the model is not in the catalogue; register it to get impacts",
    "usage-missing": "the provider reported no token usage and there was no text to count",
    "operation-not-modelled": "this kind of call (e.g. image generation) has no impact model yet",
    "estimation-failed": "aifootprint failed while estimating; the call itself was not affected",
    "not-instrumented": "the object does not come from an instrumented call",
}

#: Stable warning codes carried by ``Impacts.warnings``; documented in docs/methodology.md.
WARNING_CODES: Final[dict[str, str]] = {
    "model-size-estimated": "parameter counts are not disclosed; a sourced estimate (range) is used",
    "model-deprecated": "the model is retired or superseded at its provider",
    "zone-defaulted": "no electricity zone was given; the provider's default location (local runs: the world "
    "average) is used",
    "zone-gwp-combustion-only": "the zone's carbon factor covers combustion only (no upstream part)",
    "zone-gwp-co2-only": "the zone's carbon factor covers CO2 only (no CH4/N2O, no upstream part)",
    "latency-modelled": "latency was neither measured nor in the catalogue; the latency model is used",
    "gpu-count-exceeds-server": "the model needs more accelerators than one server; a multi-server replica",
    "datacenter-defaulted": "the provider publishes no PUE/WUE (or a server you run was given none); "
    "industry-average ranges are used",
    "model-defaulted": "the call named no model; the model the provider's API reference documents as the "
    "default is assumed",
    "usage-counted": "the provider reported no token usage; tokens were counted from the text (chars / 4)",
    "stream-incomplete": "the stream was closed before its end; impacts cover what was consumed",
    "embodied-not-included": "hardware manufacturing (embodied impacts) is not counted: electricity use only",
    "embodied-partial": "some local hardware is not in the catalogue: its manufacturing is not counted",
    "energy-estimated": "a device has no energy counter here: its energy is a labelled estimate (model)",
    "measurement-overlap": "another measurement ran at the same time on the same devices: each includes "
    "the other's energy",
    "forecast": "figures extrapolated from the epochs completed so far",
}
