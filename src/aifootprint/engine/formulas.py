"""Pure formula functions of the estimation engine. No I/O, no globals, keyword-only, units in names.

Each function is one equation of docs/methodology.md; the equation number is in its docstring.
All inputs are non-negative and every function is monotone in each input, which is what lets the engine
propagate uncertainty by evaluating at the corners of the input ranges (methodology section 5).
"""

from __future__ import annotations

import math

JOULES_PER_KWH = 3.6e6
SECONDS_PER_YEAR = 365.25 * 24 * 3600


def model_memory_gb(*, total_params_b: float, weight_bits: float, memory_overhead: float) -> float:
    """(M1) Accelerator memory a replica needs: overhead x parameters x bytes per parameter (GB).

    The 1.2x overhead (KV cache, activations, runtime) follows EcoLogits' LLM methodology.
    """
    return memory_overhead * total_params_b * weight_bits / 8.0


def gpu_count_required(*, memory_gb: float, gpu_memory_gb: float) -> int:
    """(M2) Accelerators per replica: the smallest power of two whose memory holds the model.

    Tensor parallelism shards over 1, 2, 4 or 8 devices (and multiples of 8 across servers).
    """
    needed = max(1, math.ceil(memory_gb / gpu_memory_gb - 1e-9))
    return 1 << (needed - 1).bit_length()


def host_power_share_w(*, host_power_w: float, gpu_count: float, gpus_per_server: float) -> float:
    """(S1) Host power (CPU, DRAM, network, fans) attributable to a replica of ``gpu_count`` accelerators."""
    return host_power_w * gpu_count / gpus_per_server


def facility_multiplier(*, boundary: str, pue: float, idle_capacity_factor: float) -> float:
    """(F1) Multiplier from IT energy to the boundary's energy.

    ``gpu`` and ``server`` boundaries: 1. ``datacenter``: PUE. ``comprehensive``: PUE x idle/reserved
    capacity factor (Google's 2025 Gemini serving boundary counts idle machines provisioned for peaks).
    """
    if boundary == "datacenter":
        return pue
    if boundary == "comprehensive":
        return pue * idle_capacity_factor
    return 1.0


def embodied_per_second(
    *,
    gpu_embodied: float,
    gpu_count: float,
    host_embodied: float,
    gpus_per_server: float,
    include_host: bool,
    batch_size: float,
    lifetime_years: float,
    idle_capacity_factor: float,
) -> float:
    """(E1) Embodied impact allocated to one request per second of its latency.

    A request holds ``gpu_count`` accelerators (and their share of one host) for its latency, shared with
    ``batch_size - 1`` other requests; the hardware's manufacturing impact is spread over its lifetime.
    """
    hardware = gpu_count * gpu_embodied + (
        gpu_count / gpus_per_server * host_embodied if include_host else 0.0
    )
    return hardware * idle_capacity_factor / (batch_size * lifetime_years * SECONDS_PER_YEAR)


def water_per_it_kwh(*, wue_onsite_l_per_kwh: float, multiplier: float, grid_water_l_per_kwh: float) -> float:
    """(W1) Water per kWh of IT energy: on-site cooling water (WUE) + water consumed generating the
    electricity drawn at the boundary (Li et al. 2025, arXiv 2304.03271)."""
    return wue_onsite_l_per_kwh + multiplier * grid_water_l_per_kwh
