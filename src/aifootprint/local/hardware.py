"""Embodied impacts of the local hardware for a measured time (methodology section 15).

    (M3)  embodied = sum over GPUs (GPU_embodied + host_embodied / GPUs_per_host) x duration / lifetime

The GPU is found in the catalogue from the name its driver reports ("NVIDIA H100 80GB HBM3", "Tesla
T4", "AMD Instinct MI300X"); its host is the catalogue's server archetype built around that GPU, whose
share is one GPU's. A GPU the catalogue does not know, and a machine without GPUs, have no embodied figure
unless the user names one (``gpu=``, ``server=``): the warning ``embodied-partial`` or
``embodied-not-included`` says so. The range takes the low embodied figures with the longest lifetime and
the high ones with the shortest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .._interval import Bounds
from .._layout import share_values
from .._values import Factor
from ..catalog.catalog import Catalog
from ..catalog.rows import Accelerator
from ..errors import UnknownHardwareError

SECONDS_PER_YEAR = 365.25 * 24 * 3600


def find_accelerator(catalog: Catalog, reported: str) -> Accelerator | None:
    """The catalogue accelerator behind a driver-reported GPU name, or ``None`` when unknown.

    Tries the name itself (the catalogue keeps the NVML names as aliases), then the name without vendor
    words, memory size and memory type, with its form factor (``PCIe``, ``NVL``, ``SXM``) as a suffix."""
    try:
        return catalog.accelerator(reported)
    except UnknownHardwareError:
        pass
    text = reported.upper().replace("TESLA", " ").replace("NVIDIA", " ").replace("AMD", " ")
    text = text.replace("INSTINCT", " ").replace("-", " ")
    memory = re.search(r"(\d+)\s*GB", text)
    form = next((f for f in ("PCIE", "NVL", "SXM") if f in text), "")
    core = re.sub(r"\d+\s*GB|HBM\w*|PCIE|NVL|SXM\d?|\(.*?\)", " ", text).split()
    if not core:
        return None
    chip = core[0]
    candidates = []
    if memory:
        candidates += [f"{chip}-{form}-{memory.group(1)}GB" if form else f"{chip}-{memory.group(1)}GB"]
    if form:
        candidates.append(f"{chip}-{form}")
    candidates.append(chip)
    for name in candidates:
        try:
            acc = catalog.accelerator(name)
        except UnknownHardwareError:
            continue
        other_forms = [f for f in ("PCIE", "NVL", "SXM") if f in acc.key.upper() and f != form]
        if not (form and other_forms):  # never a PCIe card for an SXM one, or the reverse
            return acc
    if form:  # one catalogue entry of that chip and form ("V100-PCIE-16GB" covers 16 and 32 GB)
        same = [a for a in catalog.accelerators() if a.key.upper().startswith(f"{chip}-{form}")]
        if len(same) == 1:
            return same[0]
    return None


@dataclass(frozen=True)
class Embodied:
    """The embodied share of the impact vector (energy, GWP, ADPe, PE, water x low/value/high; see
    aifootprint._layout), its explanation, and whether some hardware was left out."""

    values: tuple[float, ...] | None  # None: nothing could be counted
    factors: tuple[Factor, ...]
    partial: bool


def embodied_share(
    catalog: Catalog,
    gpus: Sequence[str],
    duration_s: Bounds,
    *,
    lifetime_years: Bounds,
    lifetime_source: str,
    gpu: str | None = None,
    server: str | None = None,
) -> Embodied:
    """Embodied impacts of ``gpus`` (driver-reported names) and their hosts over ``duration_s``.

    ``gpu`` names the catalogue accelerator for every GPU (when the driver's name is unknown or wrong);
    ``server`` names the host archetype. ``values`` is ``None`` when no hardware could be counted."""
    factors: list[Factor] = []
    parts: list[tuple[Bounds, Bounds, Bounds]] = []  # (gwp, adpe, pe) per unit counted
    partial = False
    named_server = catalog.server(server) if server is not None else None
    for reported in gpus:
        acc = catalog.accelerator(gpu) if gpu is not None else find_accelerator(catalog, reported)
        if acc is None:
            partial = True
            factors.append(
                Factor(f"GPU {reported!r}", "", "not in the catalogue", "", "", "embodied-partial")
            )
            continue
        why = "gpu= argument" if gpu is not None else f"driver reports {reported!r}"
        parts.append((acc.embodied_gwp_kgco2eq, acc.embodied_adpe_kgsbeq, acc.embodied_pe_mj))
        factors.append(
            Factor(f"GPU {acc.name} ({why})", *acc.embodied_gwp_kgco2eq, "kgCO2eq", acc.embodied_source)
        )
        host = named_server or catalog.host_of(acc.key)
        if host is None:
            partial = True
            factors.append(Factor(f"host of {acc.name}", "", "no archetype", "", "", "embodied-partial"))
            continue
        share = 1.0 / host.gpu_count

        def scaled(t: Bounds, k: float = share) -> Bounds:
            return Bounds(t.low * k, t.value * k, t.high * k)

        parts.append(
            (
                scaled(host.embodied_gwp_kgco2eq),
                scaled(host.embodied_adpe_kgsbeq),
                scaled(host.embodied_pe_mj),
            )
        )
        factors.append(
            Factor(
                f"host share 1/{host.gpu_count} of {host.name}",
                *scaled(host.embodied_gwp_kgco2eq),
                "kgCO2eq",
                host.source,
            )
        )
    if not parts:
        if named_server is not None:  # a machine without GPUs, its host named: the whole host
            host = named_server
            parts.append((host.embodied_gwp_kgco2eq, host.embodied_adpe_kgsbeq, host.embodied_pe_mj))
            factors.append(Factor(f"host {host.name}", *host.embodied_gwp_kgco2eq, "kgCO2eq", host.source))
        else:
            return Embodied(None, tuple(factors), partial)
    low_t, mid_t, high_t = (max(d, 0.0) for d in duration_s)
    life_low, life_mid, life_high = lifetime_years
    per_indicator: dict[str, tuple[float, float, float]] = {
        "energy": (0.0, 0.0, 0.0),  # embodied energy: not counted (as for API estimates)
        "water": (0.0, 0.0, 0.0),  # embodied water: no catalogue figure
    }
    for i, indicator in enumerate(("gwp", "adpe", "pe")):  # the order of each element of parts
        lo = sum(p[i][0] for p in parts) * low_t / (life_high * SECONDS_PER_YEAR)
        mid = sum(p[i][1] for p in parts) * mid_t / (life_mid * SECONDS_PER_YEAR)
        hi = sum(p[i][2] for p in parts) * high_t / (life_low * SECONDS_PER_YEAR)
        per_indicator[indicator] = (lo, mid, hi)
    values = share_values(per_indicator)
    factors.append(Factor("hardware lifetime", life_low, life_mid, life_high, "years", lifetime_source))
    factors.append(
        Factor(
            "embodied share",
            "",
            "embodied x measured duration / lifetime (M3)",
            "",
            "",
            "time-based allocation, as for API requests (methodology section 8)",
        )
    )
    return Embodied(values, tuple(factors), partial)
