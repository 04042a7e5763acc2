"""The readable summary of a measurement (``Measurement.summary()``, ``aifootprint run``).

Rendered through the library's formatting (:mod:`aifootprint._format`, which the CLI uses too) from what
any measurement shows (:class:`Summarised`): this module does not import the measurement's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from .._format import equivalents, fmt_quantity, impacts_table, table
from .._values import Impacts
from ..errors import WARNING_CODES
from .results import DeviceEnergy, Forecast


class Summarised(Protocol):
    """What the summary reads (:class:`~aifootprint.local.session.Measurement` has it all)."""

    name: str
    complete: bool

    @property
    def running(self) -> bool: ...
    @property
    def impacts(self) -> Impacts: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def energy_by_device(self) -> Mapping[str, DeviceEnergy]: ...
    @property
    def level(self) -> str: ...
    @property
    def forecast(self) -> Forecast | None: ...
    @property
    def problems(self) -> tuple[str, ...]: ...


def render(m: Summarised) -> str:
    from .._state import default_estimator
    from .results import RECOMMENDATIONS, duration_text

    imp = m.impacts
    state = "running" if m.running else ("stopped" if m.complete else "stopped by an exception")
    head = (
        f'aifootprint: "{m.name}" ({state}), {duration_text(m.duration_s)}, zone {imp.zone}, '
        f"{imp.boundary} boundary"
    )
    rows = []
    for d in m.energy_by_device.values():
        value, rng = fmt_quantity(d.energy)
        rows.append([d.name, d.model or "-", value, rng, d.method])
    lines = [head, ""]
    if rows:
        lines += [table(["Device", "Model", "Energy", "Range", "How"], rows, align_right=(2,)), ""]
    else:
        lines += ["no device could be read", ""]
    lines += [impacts_table(imp), ""]
    lines += equivalents(default_estimator().catalog, imp)
    level = m.level
    lines += [
        "",
        f"Impact level: {level}, as a training run "
        "(Corrêa et al. 2024: High above 1,500 kWh and 500 kgCO2eq)",
    ]
    lines += [f"  - {r}" for r in RECOMMENDATIONS[level]]
    f = m.forecast
    if f is not None and m.running:
        lines += ["", str(f)]
    if imp.warnings:
        lines += ["", "Warnings:"]
        lines += [f"  {c}: {WARNING_CODES.get(c, '')}" for c in imp.warnings]
    if m.problems:
        lines += ["", "About the devices (what could not be read or identified, and how to fix it):"]
        lines += [f"  {p}" for p in m.problems]
    return "\n".join(lines)
