"""What a measurement's readings become: energy per device, impacts, the forecast, the ledger entry.

Usage impacts are the energy times the zone's factors (and the PUE); the embodied share is the GPUs' and
their host's manufacturing over the measured time. Everything here is computed when it is read, never
when a measurement starts or stops: the catalogue (tens of ms) is loaded on the first figure read, which
for a recorded measurement is the ledger's writer thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Protocol

from .._log import log_once
from .._values import Impacts

if TYPE_CHECKING:
    from .._interval import Bounds
    from ..ledger.entry import EnergyMethod, Entry
    from . import devices as dev
    from .monitor import Reading
    from .results import DeviceEnergy, Forecast

J_PER_KWH = 3.6e6


class Measured(Protocol):
    """What the figures need from a measurement (:class:`~aifootprint.local.session.Measurement`)."""

    name: str
    zone: str | None  # checked when it started: given, or the configured zone; None: the default zone
    zone_origin: str
    pue: Bounds | None  # None: no PUE given (the server boundary)
    lifetime_years: Bounds | None
    gpu: str | None
    server: str | None
    overlapped: bool
    labels: Mapping[str, str]
    started_at: float | None
    complete: bool

    @property
    def impacts(self) -> Impacts: ...


# -- devices --------------------------------------------------------------------------------------------
def by_device(setup: dev.Setup | None, r: Reading) -> dict[str, DeviceEnergy]:
    from .._values import Quantity
    from .results import DeviceEnergy

    info = setup.info if setup is not None else {}
    out: dict[str, DeviceEnergy] = {}
    for name, joules in r.energy_j.items():
        d = info.get(name)
        q = Quantity(
            low=r.low_j[name] / J_PER_KWH,
            value=joules / J_PER_KWH,
            high=r.high_j[name] / J_PER_KWH,
            unit="kWh",
        )
        out[name] = DeviceEnergy(
            name,
            getattr(d, "kind", name.split(":", 1)[0]),
            getattr(d, "model", ""),
            r.method[name],
            getattr(d, "source", ""),
            q,
        )
    return out


def energy_method(r: Reading) -> EnergyMethod:
    """``measured`` (every device has a counter), ``estimated`` (none has), or ``mixed``."""
    methods = set(r.method.values())
    if methods == {"measured"}:
        return "measured"
    return "mixed" if "measured" in methods else "estimated"


# -- impacts --------------------------------------------------------------------------------------------
def impacts_of(m: Measured, setup: dev.Setup | None, r: Reading, *, scale: float) -> Impacts:
    """The impacts of reading ``r`` of ``m`` over the devices of ``setup`` (``scale`` > 1: a forecast of
    the whole run)."""
    from .._energy import NOT_INCLUDED, impacts_from_energy
    from .._interval import Bounds
    from .._state import default_estimator
    from .._values import Factor
    from .hardware import embodied_share
    from .zones import zone_of

    est = default_estimator()
    cat = est.catalog
    zone, zone_source, codes = zone_of(m.zone, m.zone_origin)
    total = sum(r.energy_j.values()) * scale / J_PER_KWH
    low = sum(r.low_j.values()) * scale / J_PER_KWH
    high = sum(r.high_j.values()) * scale / J_PER_KWH
    devices = by_device(setup, r)
    factors = tuple(
        Factor(
            f"{d.name} {d.model}".strip() + f" ({d.method})",
            d.energy.low * scale,
            d.energy.value * scale,
            d.energy.high * scale,
            "kWh",
            d.source,
        )
        for d in devices.values()
    )
    warnings = list(codes)
    if any(d.method == "estimated" for d in devices.values()):
        warnings.append("energy-estimated")
    if m.overlapped:
        warnings.append("measurement-overlap")
    if scale != 1.0:
        warnings.append("forecast")
    if m.lifetime_years is not None:
        life, life_source = m.lifetime_years, "measure(lifetime_years=...)"
    else:
        life, life_source = (
            cat.default_triple("hardware_lifetime_years"),
            cat.default("hardware_lifetime_years").source,
        )
    duration = r.duration_s * scale
    gpus = [d.model for d in devices.values() if d.kind == "gpu"]
    emb = embodied_share(
        cat,
        gpus,
        Bounds.point(duration),
        lifetime_years=life,
        lifetime_source=life_source,
        gpu=m.gpu,
        server=m.server,
    )
    if emb.values is not None and emb.partial:
        warnings.append("embodied-partial")
    return impacts_from_energy(
        (low, total, high),
        zone=zone,
        pue=1.0 if m.pue is None else m.pue,
        name=m.name,
        warnings=tuple(warnings),
        energy_source="sum of the devices above" + (f", x {scale:.4g} (forecast)" if scale != 1.0 else ""),
        pue_source="none" if m.pue is None else "measure(pue=...)",
        zone_source=zone_source,
        estimator=est,
        embodied=emb.values,
        factors=factors,
        embodied_factors=emb.factors if emb.values is not None else (*emb.factors, NOT_INCLUDED),
    )


def forecast(m: Measured, setup: dev.Setup | None, r: Reading, done: int, total: int) -> Forecast:
    """The whole run's figures extrapolated from ``done`` of ``total`` epochs (reading ``r`` so far)."""
    from .results import Forecast

    total = max(total, done)
    scale = total / done
    return Forecast(done, total, r.duration_s, r.duration_s * scale, impacts_of(m, setup, r, scale=scale))


class LazyImpacts(Impacts):
    """A stopped measurement's impacts as the ledger's writer computes them: the figures, and the warnings
    (and the default zone) that need the catalogue, are computed on first read, from whichever attribute;
    the zone when it is known (given or configured) and the boundary are right from the start."""

    __slots__ = ("_lazy_warnings", "_lazy_zone", "_real", "_resolve")

    def __init__(self, m: Measured) -> None:
        self._real: Impacts | None = None
        self._resolve: Callable[[], Impacts] = lambda: m.impacts
        self._lazy_zone = m.zone
        self._lazy_warnings: tuple[str, ...] | None = None
        super().__init__(
            self._figures,
            model=m.name,
            zone=m.zone or "",
            boundary="server" if m.pue is None or m.pue == (1.0, 1.0, 1.0) else "datacenter",  # as _energy
            warnings=(),
            requests=1,
            explainer=lambda: self._impacts().factors(),
        )

    def _impacts(self) -> Impacts:
        real = self._real
        if real is None:
            real = self._real = self._resolve()
        return real

    def _figures(self) -> tuple[float, ...]:
        return self._impacts()._v()

    @property
    def zone(self) -> str:
        z = self._lazy_zone
        return z if z is not None else self._impacts().zone

    @zone.setter
    def zone(self, value: str) -> None:
        pass  # known at creation (_lazy_zone) or computed

    @property
    def warnings(self) -> tuple[str, ...]:
        w = self._lazy_warnings
        if w is None:
            w = self._lazy_warnings = self._impacts().warnings
        return w

    @warnings.setter
    def warnings(self, value: tuple[str, ...]) -> None:
        pass  # computed on first read


def entry_of(m: Measured, r: Reading) -> Entry:
    """The ledger entry of a stopped measurement (its impacts lazy)."""
    from ..ledger.entry import Entry

    assert m.started_at is not None
    return Entry(
        kind="local",
        ts=m.started_at,
        source="measure",
        impacts=LazyImpacts(m),
        operation=m.name,
        duration_s=r.duration_s,
        complete=m.complete,
        energy_method=energy_method(r),
        labels=m.labels,
    )


def publish(m: Measured, r: Reading) -> None:
    """Send the entry of ``m`` to the ledger and exporters, if anything listens; never raises."""
    try:
        from ..ledger import hub

        if not hub.subscribers():
            return  # no ledger, no exporter: nobody to tell
        hub.publish(entry_of(m, r))
    except Exception:  # the ledger must never break the user's work
        log_once(("measure-ledger",), "aifootprint: a measurement could not be recorded", exc_info=True)
