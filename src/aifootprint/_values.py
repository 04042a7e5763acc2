"""Public value types of estimates: Model, Quantity, Factor, ImpactSet, Impacts (the record of a call,
CallRecord and TokenUsage, is in _call.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from ._interval import Bounds, Interval, RangeLike, parse_range
from ._layout import EMBODIED, HIGH, INDICATORS, LOW, USAGE, VALUE
from .errors import InputError

UNITS: Final[dict[str, str]] = {"energy": "kWh", "gwp": "kgCO2eq", "adpe": "kgSbeq", "pe": "MJ", "water": "L"}
LABELS: Final[dict[str, str]] = {
    "energy": "Energy",
    "gwp": "GHG emissions (GWP)",
    "adpe": "Abiotic resources (ADPe)",
    "pe": "Primary energy (PE)",
    "water": "Water consumption",
}
BOUNDARIES: Final = ("gpu", "server", "datacenter", "comprehensive")

#: Weight precision name -> bits per parameter.
PRECISION_BITS: Final[dict[str, float]] = {
    "fp32": 32.0,
    "bf16": 16.0,
    "fp16": 16.0,
    "fp8": 8.0,
    "int8": 8.0,
    "fp4": 4.0,
    "mxfp4": 4.0,
    "nvfp4": 4.0,
    "int4": 4.0,
}


def precision_bits(field: str, precision: str) -> float:
    try:
        return PRECISION_BITS[precision.lower()]
    except (KeyError, AttributeError):
        known = ", ".join(PRECISION_BITS)
        raise InputError(field, f"unknown precision {precision!r} (known: {known})") from None


class Model:
    """Facts about a language model: parameter counts (exact or ranges), architecture, serving precision.

    Catalogue models and user-described models share this type::

        Model(total_params_b=70, precision="bf16")                      # dense 70B
        Model(total_params_b=(300, 600), active_params_b=(30, 60))      # undisclosed MoE, as ranges
    """

    __slots__ = (
        "active_params_b",
        "aliases",
        "architecture",
        "deprecated",
        "estimate_note",
        "estimated",
        "name",
        "open_weights",
        "precision",
        "provider",
        "sources",
        "tokens_per_s",
        "total_params_b",
        "ttft_s",
    )

    def __init__(
        self,
        *,
        total_params_b: RangeLike,
        active_params_b: RangeLike | None = None,
        precision: str = "bf16",
        architecture: str | None = None,
        name: str = "custom",
        provider: str = "custom",
        aliases: Iterable[str] = (),
        tokens_per_s: float | None = None,
        ttft_s: float | None = None,
        estimated: bool = False,
        estimate_note: str | None = None,
        deprecated: bool = False,
        open_weights: str | None = None,
        sources: Iterable[str] = (),
    ) -> None:
        total = parse_range("total_params_b", total_params_b, strict_minimum=True)
        active = (
            total
            if active_params_b is None
            else parse_range("active_params_b", active_params_b, strict_minimum=True)
        )
        if active[2] > total[2] * (1 + 1e-9) or active[0] > total[0] * (1 + 1e-9):
            raise InputError(
                "active_params_b", f"active parameters {tuple(active)} exceed total parameters {tuple(total)}"
            )
        precision_bits("precision", precision)
        arch = architecture or ("dense" if active == total else "moe")
        if arch not in ("dense", "moe"):
            raise InputError("architecture", f"must be 'dense' or 'moe', got {architecture!r}")
        if not name or not str(name).strip():
            raise InputError("name", "must be a non-empty string")
        for fname, v in (("tokens_per_s", tokens_per_s), ("ttft_s", ttft_s)):
            if v is not None and (not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0):
                raise InputError(fname, f"must be a positive number, got {v!r}")
        self.total_params_b: Bounds = total
        self.active_params_b: Bounds = active
        self.precision: str = precision.lower()
        self.architecture: str = arch
        self.name: str = name
        self.provider: str = provider
        self.aliases: tuple[str, ...] = tuple(aliases)
        self.tokens_per_s: float | None = None if tokens_per_s is None else float(tokens_per_s)
        self.ttft_s: float | None = None if ttft_s is None else float(ttft_s)
        self.estimated: bool = bool(estimated)
        self.estimate_note: str | None = estimate_note
        self.deprecated: bool = bool(deprecated)
        self.open_weights: str | None = open_weights
        self.sources: tuple[str, ...] = tuple(sources)

    @property
    def id(self) -> str:
        return f"{self.provider}/{self.name}"

    def __repr__(self) -> str:
        def fmt(r: Bounds) -> str:
            return f"{r[1]:g}" if r[0] == r[2] else f"({r[0]:g}, {r[2]:g})"

        return (
            f"Model({self.id!r}, total_params_b={fmt(self.total_params_b)}, "
            f"active_params_b={fmt(self.active_params_b)}, precision={self.precision!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        return all(getattr(self, s) == getattr(other, s) for s in self.__slots__)

    def __hash__(self) -> int:
        return hash((self.provider, self.name, self.total_params_b, self.active_params_b, self.precision))


@dataclass(frozen=True, slots=True, kw_only=True)
class Quantity:
    """A physical quantity with its uncertainty range: ``low <= value <= high``, in ``unit``.

    Fields in ascending order, as in every (low, value, high) of the package; keyword-only, so that no
    construction can swap bounds by position: ``Quantity(low=1, value=2, high=3, unit="kWh")``.
    """

    low: float
    value: float
    high: float
    unit: str

    @property
    def interval(self) -> Interval:
        return Interval(self.low, self.high)

    def __format__(self, spec: str) -> str:
        spec = spec or ".3g"
        return f"{format(self.value, spec)} {self.unit} [{format(self.low, spec)}, {format(self.high, spec)}]"

    def __str__(self) -> str:
        return format(self, "")


@dataclass(frozen=True, slots=True)
class Factor:
    """One factor used by an estimate, for :meth:`Impacts.explain`."""

    name: str
    low: float | str
    value: float | str
    high: float | str
    unit: str
    source: str

    def formatted(self) -> str:
        if isinstance(self.value, str):
            return str(self.value)
        if self.low == self.high:
            return f"{self.value:.4g} {self.unit}".rstrip()
        return f"{self.value:.4g} {self.unit} [{self.low:.4g}, {self.high:.4g}]"


class ImpactSet:
    """Five impacts (energy, gwp, adpe, pe, water) as :class:`Quantity` objects, built on access."""

    __slots__ = ("_get",)

    def __init__(self, get: Callable[[int], tuple[float, float, float]]) -> None:
        self._get = get

    def _q(self, i: int) -> Quantity:
        lo, val, hi = self._get(i)
        return Quantity(low=lo, value=val, high=hi, unit=UNITS[INDICATORS[i]])

    @property
    def energy(self) -> Quantity:
        return self._q(0)

    @property
    def gwp(self) -> Quantity:
        return self._q(1)

    @property
    def adpe(self) -> Quantity:
        return self._q(2)

    @property
    def pe(self) -> Quantity:
        return self._q(3)

    @property
    def water(self) -> Quantity:
        return self._q(4)

    def as_dict(self) -> dict[str, dict[str, float | str]]:
        out: dict[str, dict[str, float | str]] = {}
        for i, name in enumerate(INDICATORS):
            q = self._q(i)
            out[name] = {"value": q.value, "low": q.low, "high": q.high, "unit": q.unit}
        return out

    def __repr__(self) -> str:
        return "ImpactSet(" + ", ".join(f"{n}={self._q(i)}" for i, n in enumerate(INDICATORS)) + ")"


class Impacts:
    """Environmental impacts of one estimate (one request, or ``requests`` identical ones).

    ``energy``, ``gwp``, ``adpe``, ``pe``, ``water`` are totals; ``usage`` and ``embodied`` are the two
    shares (electricity use vs hardware manufacturing). Every figure is a :class:`Quantity` with a range.
    ``warnings`` holds stable codes (see ``aifootprint.errors.WARNING_CODES``); :meth:`explain` lists every
    factor used with its value, unit and source.
    """

    __slots__ = ("_compute", "_explainer", "_values", "boundary", "model", "requests", "warnings", "zone")

    def __init__(
        self,
        values: tuple[float, ...] | Callable[[], tuple[float, ...]],
        *,
        model: str,
        zone: str,
        boundary: str,
        warnings: tuple[str, ...],
        requests: float,
        explainer: Callable[[], tuple[Factor, ...]],
    ) -> None:
        # values: the impact vector (aifootprint._layout); or a function computing it on first read
        # (instrumented calls: nothing is computed until needed)
        if callable(values):
            self._values: tuple[float, ...] | None = None
            self._compute: Callable[[], tuple[float, ...]] | None = values
        else:
            self._values, self._compute = values, None
        self.model = model
        self.zone = zone
        self.boundary = boundary
        self.warnings = warnings
        self.requests = requests
        self._explainer = explainer

    def with_warnings(self, codes: tuple[str, ...]) -> Impacts:
        """The same impacts with more warning codes (codes already present are not repeated)."""
        extra = tuple(c for c in codes if c not in self.warnings)
        return Impacts(
            self._values if self._values is not None else self._compute,  # type: ignore[arg-type]
            model=self.model,
            zone=self.zone,
            boundary=self.boundary,
            warnings=(*self.warnings, *extra),
            requests=self.requests,
            explainer=self._explainer,
        )

    @property
    def pending(self) -> Callable[[], tuple[float, ...]] | None:
        """The computation of the figures while none has been read, else ``None`` (for batch evaluation)."""
        return self._compute if self._values is None else None

    def fill(self, values: tuple[float, ...]) -> None:
        """Set the figures computed elsewhere (the same as the pending computation would give)."""
        if self._values is None:
            self._values = values

    def _v(self) -> tuple[float, ...]:
        v = self._values
        if v is None:
            assert self._compute is not None
            v = self._values = self._compute()
        return v

    # Figures are read where aifootprint._layout puts them (written out: every read of a Quantity runs this).
    def _usage(self, i: int) -> tuple[float, float, float]:
        v, j = self._v(), USAGE[i]
        return v[j + LOW], v[j + VALUE], v[j + HIGH]

    def _embodied(self, i: int) -> tuple[float, float, float]:
        v, j = self._v(), EMBODIED[i]
        return v[j + LOW], v[j + VALUE], v[j + HIGH]

    def _total(self, i: int) -> tuple[float, float, float]:
        v, u, e = self._v(), USAGE[i], EMBODIED[i]
        return v[u + LOW] + v[e + LOW], v[u + VALUE] + v[e + VALUE], v[u + HIGH] + v[e + HIGH]

    @property
    def usage(self) -> ImpactSet:
        return ImpactSet(self._usage)

    @property
    def embodied(self) -> ImpactSet:
        return ImpactSet(self._embodied)

    @property
    def total(self) -> ImpactSet:
        return ImpactSet(self._total)

    @property
    def energy(self) -> Quantity:
        return self.total.energy

    @property
    def gwp(self) -> Quantity:
        return self.total.gwp

    @property
    def adpe(self) -> Quantity:
        return self.total.adpe

    @property
    def pe(self) -> Quantity:
        return self.total.pe

    @property
    def water(self) -> Quantity:
        return self.total.water

    def factors(self) -> tuple[Factor, ...]:
        """Every input, factor and intermediate result of this estimate, each with its source."""
        return self._explainer()

    def explain(self) -> str:
        """A human-readable account of the estimate: results, then every factor with value, unit, source."""
        lines = [
            f"Impacts of {self.model} ({self.requests:g} request{'s' if self.requests != 1 else ''}), "
            f"zone {self.zone}, boundary {self.boundary}"
        ]
        for i, name in enumerate(INDICATORS):
            t, u, e = self._total(i), self._usage(i), self._embodied(i)
            unit = UNITS[name]
            lines.append(
                f"  {LABELS[name]:<26} {t[1]:.4g} {unit} [{t[0]:.4g}, {t[2]:.4g}]"
                f"  (usage {u[1]:.4g}, embodied {e[1]:.4g})"
            )
        lines.append("Factors:")
        for f in self.factors():
            lines.append(f"  {f.name:<34} {f.formatted():<40} {f.source}")
        if self.warnings:
            lines.append("Warnings: " + ", ".join(self.warnings))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: totals, usage and embodied shares, warnings and factors."""
        return {
            "model": self.model,
            "zone": self.zone,
            "boundary": self.boundary,
            "requests": self.requests,
            "impacts": self.total.as_dict(),
            "usage": self.usage.as_dict(),
            "embodied": self.embodied.as_dict(),
            "warnings": list(self.warnings),
            "factors": [
                {
                    "name": f.name,
                    "value": f.value,
                    "low": f.low,
                    "high": f.high,
                    "unit": f.unit,
                    "source": f.source,
                }
                for f in self.factors()
            ],
        }

    def __repr__(self) -> str:
        return (
            f"Impacts(model={self.model!r}, zone={self.zone!r}, boundary={self.boundary!r}, "
            f"energy={self.energy}, gwp={self.gwp}, warnings={self.warnings})"
        )
