"""What a measurement gives: energy per device, the training forecast, the impact level.

Kept apart from :mod:`.session` so that starting a measurement does not import the records (dataclasses).
"""

from __future__ import annotations

from dataclasses import dataclass

from .._values import Impacts, Quantity

#: Impact levels of a training run (Corrêa et al. 2024, Ethical Problem Solving, sustainability section):
#: High above both 1,500 kWh and 500 kgCO2eq; Low below both 0.1 kWh and 0.05 kgCO2eq; else Intermediate.
HIGH_KWH, HIGH_KGCO2EQ = 1500.0, 500.0
LOW_KWH, LOW_KGCO2EQ = 0.1, 0.05
RECOMMENDATIONS: dict[str, tuple[str, ...]] = {
    "Low": (
        "keep tracking the footprint of your runs (carbon tracking)",
        "reuse open models and open work rather than training from scratch",
    ),
    "Intermediate": (
        "track the footprint of every run (carbon tracking)",
        "reuse open models and open work rather than training from scratch",
        "prefer energy-efficient models and hardware (smaller or distilled models, newer accelerators)",
    ),
    "High": (
        "track the footprint of every run (carbon tracking)",
        "reuse open models and open work rather than training from scratch",
        "prefer energy-efficient models and hardware (smaller or distilled models, newer accelerators)",
        "carry out a lifecycle assessment of the system (hardware manufacturing, inference, end of life)",
        "offset the remaining emissions after reducing them (the source recommends it at this level)",
    ),
}


def impact_level(energy_kwh: float, gwp_kgco2eq: float) -> str:
    """``Low``, ``Intermediate`` or ``High`` for a training run of this energy and emissions."""
    import math

    from ..errors import InputError

    for field, x in (("energy_kwh", energy_kwh), ("gwp_kgco2eq", gwp_kgco2eq)):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x < 0:
            raise InputError(field, f"must be a finite number >= 0, got {x!r}")
    if energy_kwh > HIGH_KWH and gwp_kgco2eq > HIGH_KGCO2EQ:
        return "High"
    if energy_kwh < LOW_KWH and gwp_kgco2eq < LOW_KGCO2EQ:
        return "Low"
    return "Intermediate"


@dataclass(frozen=True)
class DeviceEnergy:
    """One device's energy over a measurement, and how it was obtained."""

    name: str  # "gpu:0", "cpu:0", "cpu", "ram:0", "ram"
    kind: str
    model: str
    method: str  # "measured" | "estimated"
    source: str
    energy: Quantity  # kWh

    @property
    def kwh(self) -> float:
        return self.energy.value


@dataclass(frozen=True)
class Forecast:
    """The whole run's figures extrapolated from its completed epochs (as carbontracker does)."""

    epochs_done: int
    total_epochs: int
    elapsed_s: float
    duration_s: float  # whole run
    impacts: Impacts  # whole run

    @property
    def remaining_s(self) -> float:
        return max(self.duration_s - self.elapsed_s, 0.0)

    @property
    def level(self) -> str:
        return impact_level(self.impacts.energy.value, self.impacts.gwp.value)

    def __str__(self) -> str:
        imp = self.impacts
        return (
            f"forecast after {self.epochs_done}/{self.total_epochs} epochs: {duration_text(self.duration_s)} "
            f"in all ({duration_text(self.remaining_s)} left), {imp.energy.value:.4g} kWh "
            f"[{imp.energy.low:.4g}, {imp.energy.high:.4g}], {imp.gwp.value:.4g} kgCO2eq "
            f"[{imp.gwp.low:.4g}, {imp.gwp.high:.4g}], impact level {self.level}"
        )


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes = seconds / 60
    if minutes < 60:
        return f"{minutes:.1f} min"
    hours = minutes / 60
    if hours < 48:
        return f"{int(hours)} h {int(minutes % 60):02d} min"
    return f"{hours / 24:.1f} days"
