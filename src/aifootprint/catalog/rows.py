"""Typed rows of the catalogue: zones, datacenters, accelerators, servers, defaults, equivalents.

Every numeric fact is a :class:`~aifootprint._interval.Bounds` ``(low, value, high)`` (degenerate when exact)
and every row has a source.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._interval import Bounds


@dataclass(frozen=True, slots=True)
class Zone:
    """Electricity zone (country, region, cloud region...) with per-kWh impact factors."""

    code: str
    name: str
    kind: str
    parent: str
    gwp_kgco2eq_per_kwh: Bounds
    gwp_basis: str  # lifecycle | combustion | co2_combustion
    adpe_kgsbeq_per_kwh: float
    pe_mj_per_kwh: float
    water_l_per_kwh: float
    year: str
    gwp_source: str
    adpe_source: str
    pe_source: str
    water_source: str


@dataclass(frozen=True, slots=True)
class Datacenter:
    """Where a provider serves requests: zone, PUE and on-site WUE (L/kWh), as ranges."""

    provider: str
    region: str
    zone: str
    operator: str
    pue: Bounds
    wue_l_per_kwh: Bounds
    source: str


@dataclass(frozen=True, slots=True)
class Accelerator:
    """A GPU/accelerator: memory, power, throughput at each precision, embodied impacts per unit."""

    key: str
    name: str
    aliases: tuple[str, ...]
    vendor: str
    memory_gb: float
    tdp_w: float
    memory_bandwidth_tb_s: float | None
    tflops: dict[int, float]  # weight bits (16, 8, 4) -> dense TFLOPS
    embodied_gwp_kgco2eq: Bounds
    embodied_adpe_kgsbeq: Bounds
    embodied_pe_mj: Bounds
    spec_source: str
    embodied_source: str


@dataclass(frozen=True, slots=True)
class Server:
    """A host archetype (server without its accelerators): power and embodied impacts."""

    key: str
    name: str
    gpu_key: str
    gpu_count: int
    host_power_w: Bounds
    embodied_gwp_kgco2eq: Bounds
    embodied_adpe_kgsbeq: Bounds
    embodied_pe_mj: Bounds
    lifetime_years: float
    source: str


@dataclass(frozen=True, slots=True)
class Default:
    """An engine default: numeric (low, value, high) or a text value, with unit and source."""

    key: str
    value: Bounds | str
    unit: str
    source: str


@dataclass(frozen=True, slots=True)
class Equivalent:
    """An everyday equivalent: ``value`` ``unit`` of ``quantity`` per one of ``label``."""

    key: str
    label: str
    quantity: str  # gwp | energy | water
    value: float
    unit: str
    source: str
    url: str
