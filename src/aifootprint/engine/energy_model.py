"""GPU energy and latency of one LLM inference request: a roofline-style model fitted on ML.ENERGY data.

Pure functions, standard library only. Every quantity carries its unit in its name.

Model
-----
One *replica* (``gpu_count`` GPUs holding one copy of the model, tensor/expert parallel) serves ``batch_size``
concurrent requests. Each decode *step* emits one token for every running request. The step time is a
roofline-like sum (Williams et al. 2009, "Roofline", CACM 52(4); applied to LLM decoding e.g. by
Yuan et al. 2024, "LLM Inference Unveiled", arXiv 2402.16363)::

    W_GB      = weight_bits/8 * (P_act + (P_tot - P_act) * (1 - (1 - P_act/P_tot) ** B))  # weights/step
    t_mem_s   = W_GB / (n * BW_TB_s * 1000 * eta_mem)                                 # HBM streaming
    t_flop_s  = 2 * P_act**(1-mu) * P_tot**mu * B / (n * F_TFLOPS * 1000 * eta_flop)  # GEMM FLOPs
    t_oh_s    = tau_0 * (P_tot / 10) ** gamma_tau                                     # launch/scheduling
    t_step_s  = t_mem_s + t_flop_s + t_oh_s
    t_kv_s    = B * ctx * kv_GB / (n * BW_TB_s * 1000 * eta_mem),  kv_GB = k_kv * sqrt(P_act) * 1e-6

(P in billions of parameters, B = batch size, n = GPU count, ctx = tokens already in the sequence.)
``mu`` (0 <= mu <= 1) is an MoE compute penalty: with many small experts each expert's grouped GEMM sees only
``B * P_act / P_tot`` tokens and runs far below peak, so MoE decode behaves as if it computed with
``P_act**(1-mu) * P_tot**mu`` parameters (dense models: exactly ``P_act``). The MoE weight term is the
expected share of expert weights touched when B tokens each pick experts with probability ``P_act/P_tot``
(distinct-experts expectation, independent routing): at B = 1 only the active parameters are read, at large B
nearly all of them. Dense models (``P_tot == P_act``) read all weights. Mamba/Transformer hybrids are treated
as dense transformers (their small KV cache is not modelled: their context term is over-estimated, which is
conservative).

GPU power is split into a static part and parts proportional to how busy the memory system and the tensor
cores are. The utilisation shares ``t_mem/t_step`` and ``t_flop/t_step`` sum to at most 1 and the dynamic
parts are shares ``h_mem, h_flop <= 1`` of the headroom ``1 - p_static``, so power never exceeds TDP::

    p_mem = h_mem * (1 - p_static),  p_flop = h_flop * (1 - p_static)
    P_gpu_W = TDP_W * (p_static + p_mem * t_mem/t_step + p_flop * t_flop/t_step) <= TDP_W

so the replica's energy per step is ``n * TDP * (p_static * t_step + p_mem * t_mem + p_flop * t_flop)``.
(The fit finds h_flop = 1 -- compute-bound decode reaches TDP -- and h_mem ~ 0: streaming weights costs
about the static power.)
Prefill is compute-bound: one input token costs ``2 * P_act`` GFLOP at an effective energy of
``c_prefill * TDP / F`` per FLOP (``c_prefill`` = power fraction / model-FLOPs utilisation).

Energy of one request (all GPUs of the replica, joules), with I input and O output tokens (reasoning tokens
count as output; the mean decode context is I + O/2)::

    E_J = a_in * I + a_out * O + a_ctx * O * (I + O / 2)

with ``(a_in, a_out, a_ctx) = gpu_energy_terms_j(...)``. Latency has the same shape
(``decode_latency_terms_s``): ``ttft = s_in * I`` and generation time ``s_out * O + s_ctx * O * (I + O/2)``.
This module computes the per-token terms; the request formulas themselves are evaluated in one place,
``engine.plan.gpu_energy_j`` (G1) and ``engine.plan.latency_s`` (L1), on the terms compiled into a
corner's :class:`~aifootprint._layout.Coefficients`.

Fitted on the ML.ENERGY Leaderboard v2 (2024) / v3.0 (2025), Chung et al. 2025, arXiv 2505.06371
(measured GPU energy of vLLM servers, NVML counters); see ``scripts/fit_energy_model.py`` and
``docs/fit-quality.md`` for the data, the assumptions and the leave-one-model-out errors.

Precision: ``weight_bits`` is 16 for bf16/fp16, 8 for fp8/int8, 4 for mxfp4/nvfp4/int4. ``gpu_dense_tflops``
must be the dense (non-sparse) tensor throughput the GPU achieves *at that precision*; where the GPU has no
native support for it (fp8 on A100, fp4 on H100) pass the value of the next wider precision it supports
(fp4 -> fp8 -> bf16/fp16), because weight-only-quantised kernels de-quantise to that compute type.

Monotonicity (relied on by interval propagation at corners; tested with hypothesis):
every returned term is >= 0 and, with the other arguments fixed,

* energy terms: non-decreasing in ``active_params_b``, ``total_params_b``, ``weight_bits``, ``gpu_count``,
  ``gpu_tdp_w``; non-increasing in ``batch_size``, ``gpu_memory_bandwidth_tb_s``, ``gpu_dense_tflops``;
* latency terms: non-decreasing in ``active_params_b``, ``total_params_b``, ``weight_bits``, ``batch_size``
  and ``gpu_tdp_w`` (no dependence); non-increasing in ``gpu_memory_bandwidth_tb_s``, ``gpu_dense_tflops``
  and **``gpu_count``** (tensor parallelism splits the weight reads and FLOPs of a step over the GPUs;
  ``gpu_count * latency`` -- the GPU-seconds -- is non-decreasing in ``gpu_count``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields

__all__ = [
    "EnergyCoefficients",
    "decode_latency_terms_s",
    "gpu_energy_terms_j",
]

_GB_PER_TB: float = 1000.0
_GFLOP_PER_TFLOP: float = 1000.0
_OVERHEAD_REFERENCE_PARAMS_B: float = 10.0


@dataclass(frozen=True, slots=True)
class EnergyCoefficients:
    """Fitted coefficients of the model (values shipped in ``aifootprint/data/energy_model.json``).

    Attributes:
        mem_bandwidth_efficiency: eta_mem, share of the datasheet HBM bandwidth achieved while streaming
            weights and KV cache in decode (dimensionless, 0-1).
        flop_efficiency: eta_flop, share of the dense datasheet tensor throughput achieved by the decode GEMMs
            (dimensionless).
        step_overhead_s: tau_0, fixed time per decode step (kernel launches, scheduler, sampling, collective
            communication) of a 10B-parameter model, seconds.
        step_overhead_params_exponent: gamma_tau >= 0, growth of that overhead with total parameters (deeper
            models launch more kernels per step).
        static_power_fraction: p_static, GPU power while serving that does not depend on which unit is busy,
            as a fraction of TDP.
        memory_power_share: h_mem in [0, 1], share of the headroom ``1 - p_static`` added when the step is
            entirely memory-bound.
        compute_power_share: h_flop in [0, 1], share of the headroom added when the step is entirely
            compute-bound (1 = the GPU reaches TDP).
        moe_compute_exponent: mu in [0, 1], MoE compute penalty: decode GEMM work is computed with
            ``P_act**(1-mu) * P_tot**mu`` parameters (= P_act for dense models).
        kv_cache_kb_per_token_per_sqrt_b: k_kv, KV-cache bytes (kB) per token of context, per square root of
            active parameters in billions. *Fixed from architectures, not fitted*: bf16 K and V of all layers,
            e.g. Llama-3.1-8B 32 layers x 8 KV heads x 128 x 2 x 2 B = 131 kB = 46 x sqrt(8), Qwen3-8B 147 kB
            (52 x sqrt(8.2)), Llama-3.3-70B 328 kB (39 x sqrt(70)), Qwen3-235B-A22B 193 kB (41 x sqrt(22)),
            Qwen3-30B-A3B 98 kB (57 x sqrt(3)); hybrids with few attention layers (Nemotron-H) have far less.
        prefill_energy_factor: c_prefill, prefill energy per FLOP in units of TDP/peak-FLOPs (power fraction
            divided by model-FLOPs utilisation).
    """

    mem_bandwidth_efficiency: float
    flop_efficiency: float
    step_overhead_s: float
    step_overhead_params_exponent: float
    static_power_fraction: float
    memory_power_share: float
    compute_power_share: float
    moe_compute_exponent: float
    kv_cache_kb_per_token_per_sqrt_b: float
    prefill_energy_factor: float

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise ValueError(f"coefficient {f.name} must be a finite number >= 0, got {value!r}")
        if self.mem_bandwidth_efficiency == 0 or self.flop_efficiency == 0:
            raise ValueError("efficiencies must be > 0")
        if self.moe_compute_exponent > 1:
            raise ValueError("moe_compute_exponent must be <= 1 (monotonicity in active_params_b)")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> EnergyCoefficients:
        """Build from a mapping holding at least every field name (extra keys are ignored).

        Accepts either the coefficient mapping itself or the whole ``energy_model.json`` document (then its
        ``"coefficients"`` entry is used).
        """
        inner = data.get("coefficients")
        source: Mapping[str, object] = inner if isinstance(inner, Mapping) else data
        values: dict[str, float] = {}
        for f in fields(cls):
            if f.name not in source:
                raise KeyError(f"missing coefficient {f.name!r}")
            raw = source[f.name]
            if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
                raise TypeError(f"coefficient {f.name!r} must be a number, got {raw!r}")
            values[f.name] = float(raw)
        return cls(**values)

    def to_dict(self) -> dict[str, float]:
        """Field name -> value."""
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class _Step:
    """Times of one decode step of the whole batch (seconds) and per-token KV time."""

    mem_s: float
    flop_s: float
    overhead_s: float
    kv_s_per_context_token: float  # time per step per context token (whole batch)


def _check_inputs(
    *,
    active_params_b: float,
    total_params_b: float,
    weight_bits: float,
    gpu_count: float,
    batch_size: float,
    gpu_tdp_w: float,
    gpu_memory_bandwidth_tb_s: float,
    gpu_dense_tflops: float,
) -> None:
    named = {
        "active_params_b": active_params_b,
        "total_params_b": total_params_b,
        "weight_bits": weight_bits,
        "gpu_count": gpu_count,
        "batch_size": batch_size,
        "gpu_tdp_w": gpu_tdp_w,
        "gpu_memory_bandwidth_tb_s": gpu_memory_bandwidth_tb_s,
        "gpu_dense_tflops": gpu_dense_tflops,
    }
    for name, value in named.items():
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def _decode_step(
    *,
    active_params_b: float,
    total_params_b: float,
    weight_bits: float,
    gpu_count: float,
    batch_size: float,
    gpu_tdp_w: float,
    gpu_memory_bandwidth_tb_s: float,
    gpu_dense_tflops: float,
    coefficients: EnergyCoefficients,
) -> _Step:
    _check_inputs(
        active_params_b=active_params_b,
        total_params_b=total_params_b,
        weight_bits=weight_bits,
        gpu_count=gpu_count,
        batch_size=batch_size,
        gpu_tdp_w=gpu_tdp_w,
        gpu_memory_bandwidth_tb_s=gpu_memory_bandwidth_tb_s,
        gpu_dense_tflops=gpu_dense_tflops,
    )
    c = coefficients
    # total >= active by definition; clamping keeps both directions monotone.
    total_b = max(total_params_b, active_params_b)
    routed_share = active_params_b / total_b
    # expected share of the inactive (expert) weights touched by at least one of the batch's tokens
    touched = 1.0 - (1.0 - routed_share) ** batch_size if routed_share < 1.0 else 1.0
    weights_read_gb = weight_bits / 8.0 * (active_params_b + (total_b - active_params_b) * touched)
    bandwidth_gb_s = gpu_count * gpu_memory_bandwidth_tb_s * _GB_PER_TB * c.mem_bandwidth_efficiency
    mem_s = weights_read_gb / bandwidth_gb_s
    # MoE compute penalty; P_act^(1-mu) * P_tot^mu is non-decreasing in both for 0 <= mu <= 1
    flop_params_b = active_params_b ** (1.0 - c.moe_compute_exponent) * total_b**c.moe_compute_exponent
    flop_s = (
        2.0
        * flop_params_b
        * batch_size
        / (gpu_count * gpu_dense_tflops * _GFLOP_PER_TFLOP * c.flop_efficiency)
    )
    overhead_s = (
        c.step_overhead_s * (total_b / _OVERHEAD_REFERENCE_PARAMS_B) ** c.step_overhead_params_exponent
    )
    kv_gb_per_token = c.kv_cache_kb_per_token_per_sqrt_b * math.sqrt(active_params_b) * 1e-6
    kv_s = batch_size * kv_gb_per_token / bandwidth_gb_s
    return _Step(mem_s=mem_s, flop_s=flop_s, overhead_s=overhead_s, kv_s_per_context_token=kv_s)


def _power_fractions(coefficients: EnergyCoefficients) -> tuple[float, float, float]:
    """(static, memory, compute) fractions of TDP, clamped so that total power <= TDP."""
    p_static = min(coefficients.static_power_fraction, 1.0)
    p_mem = (1.0 - p_static) * min(coefficients.memory_power_share, 1.0)
    p_flop = (1.0 - p_static) * min(coefficients.compute_power_share, 1.0)
    return p_static, p_mem, p_flop


def gpu_energy_terms_j(
    *,
    active_params_b: float,
    total_params_b: float,
    weight_bits: float,
    gpu_count: float,
    batch_size: float,
    gpu_tdp_w: float,
    gpu_memory_bandwidth_tb_s: float,
    gpu_dense_tflops: float,
    coefficients: EnergyCoefficients,
) -> tuple[float, float, float]:
    """(j_per_input_token, j_per_output_token, j_per_output_token_per_context_token).

    GPU energy of one request summed over the ``gpu_count`` GPUs of the replica is
    ``a_in * I + a_out * O + a_ctx * O * (I + O / 2)`` joules (I input, O output tokens incl. reasoning).

    Args:
        active_params_b: parameters used per token, billions (= total for dense models).
        total_params_b: all parameters, billions (MoE: all experts).
        weight_bits: bits per weight of the served checkpoint (16, 8, 4).
        gpu_count: GPUs of one model replica.
        batch_size: concurrent requests decoded together (vLLM ``max_num_seqs`` when saturated).
        gpu_tdp_w: board power limit of one GPU, W.
        gpu_memory_bandwidth_tb_s: datasheet HBM/GDDR bandwidth of one GPU, TB/s.
        gpu_dense_tflops: dense tensor TFLOPS of one GPU at the serving precision (see module docstring).
        coefficients: fitted :class:`EnergyCoefficients`.
    """
    step = _decode_step(
        active_params_b=active_params_b,
        total_params_b=total_params_b,
        weight_bits=weight_bits,
        gpu_count=gpu_count,
        batch_size=batch_size,
        gpu_tdp_w=gpu_tdp_w,
        gpu_memory_bandwidth_tb_s=gpu_memory_bandwidth_tb_s,
        gpu_dense_tflops=gpu_dense_tflops,
        coefficients=coefficients,
    )
    p_static, p_mem, p_flop = _power_fractions(coefficients)
    step_s = step.mem_s + step.flop_s + step.overhead_s
    # replica energy of one step = n * TDP * (p_static * t_step + p_mem * t_mem + p_flop * t_flop)
    step_j = gpu_count * gpu_tdp_w * (p_static * step_s + p_mem * step.mem_s + p_flop * step.flop_s)
    j_per_output_token = step_j / batch_size
    j_per_output_token_per_context_token = (
        gpu_count * gpu_tdp_w * (p_static + p_mem) * step.kv_s_per_context_token / batch_size
    )
    prefill_s_at_peak = 2.0 * active_params_b / (gpu_dense_tflops * _GFLOP_PER_TFLOP)
    j_per_input_token = coefficients.prefill_energy_factor * gpu_tdp_w * prefill_s_at_peak
    return j_per_input_token, j_per_output_token, j_per_output_token_per_context_token


def decode_latency_terms_s(
    *,
    active_params_b: float,
    total_params_b: float,
    weight_bits: float,
    gpu_count: float,
    batch_size: float,
    gpu_tdp_w: float,
    gpu_memory_bandwidth_tb_s: float,
    gpu_dense_tflops: float,
    coefficients: EnergyCoefficients,
) -> tuple[float, float, float]:
    """(s_per_input_token, s_per_output_token, s_per_output_token_per_context_token).

    ``s_per_input_token`` is the prefill time per input token (time to first token = s_in * I, no queueing),
    ``s_per_output_token`` the inter-token latency of a request at an empty context, and
    ``s_per_output_token_per_context_token`` its growth per token already in the context, so that the
    generation time of O tokens after I input tokens is ``s_out * O + s_ctx * O * (I + O / 2)``.

    Prefill time uses the prefill energy factor and the compute-bound power
    ``(p_static + p_flop) * TDP``: t = E_prefill / (n * power). ``gpu_tdp_w`` cancels out and is accepted only
    for a uniform signature. Same arguments as :func:`gpu_energy_terms_j`. Non-increasing in ``gpu_count``
    (see module docstring).
    """
    step = _decode_step(
        active_params_b=active_params_b,
        total_params_b=total_params_b,
        weight_bits=weight_bits,
        gpu_count=gpu_count,
        batch_size=batch_size,
        gpu_tdp_w=gpu_tdp_w,
        gpu_memory_bandwidth_tb_s=gpu_memory_bandwidth_tb_s,
        gpu_dense_tflops=gpu_dense_tflops,
        coefficients=coefficients,
    )
    p_static, _, p_flop = _power_fractions(coefficients)
    s_per_output_token = step.mem_s + step.flop_s + step.overhead_s
    s_per_context = step.kv_s_per_context_token
    busy_power_fraction = max(p_static + p_flop, 1e-9)
    prefill_s_at_peak = 2.0 * active_params_b / (gpu_count * gpu_dense_tflops * _GFLOP_PER_TFLOP)
    s_per_input_token = coefficients.prefill_energy_factor / busy_power_fraction * prefill_s_at_peak
    return s_per_input_token, s_per_output_token, s_per_context
