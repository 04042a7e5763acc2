"""Tests of the GPU energy / latency model (aifootprint.engine.energy_model)."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aifootprint._layout import Coefficients
from aifootprint.engine import energy_model as em
from aifootprint.engine.plan import gpu_energy_j, latency_s

REPO = Path(__file__).resolve().parents[2]
JSON_PATH = REPO / "src" / "aifootprint" / "data" / "energy_model.json"
DATA_DIR = Path(__file__).parents[2] / ".." / "shared" / "calibration" / "mlenergy-dev"

SHIPPED: dict[str, Any] = json.loads(JSON_PATH.read_text(encoding="utf-8"))
COEFS = em.EnergyCoefficients.from_mapping(SHIPPED)
C: dict[str, float] = SHIPPED["coefficients"]

H100 = {"gpu_tdp_w": 700.0, "gpu_memory_bandwidth_tb_s": 3.35, "gpu_dense_tflops": 989.0}


def corner(
    gpu_terms_j: tuple[float, float, float] = (0.0, 0.0, 0.0),
    latency_terms_s: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> Coefficients:
    """A corner holding only the model's terms, for the request formulas the engine runs
    (plan.gpu_energy_j, plan.latency_s)."""
    a_in, a_out, a_ctx = gpu_terms_j
    s_in, s_out, s_ctx = latency_terms_s
    return Coefficients._make([0.0] * len(Coefficients._fields))._replace(
        gpu_j_per_input_token=a_in,
        gpu_j_per_output_token=a_out,
        gpu_j_per_output_token_per_context_token=a_ctx,
        latency_s_per_input_token=s_in,
        latency_s_per_output_token=s_out,
        latency_s_per_output_token_per_context_token=s_ctx,
    )


# ---------------------------------------------------------------------------------------------- (a) by hand
def _hand_power_fractions() -> tuple[float, float, float]:
    p_s = min(C["static_power_fraction"], 1.0)
    return p_s, (1 - p_s) * min(C["memory_power_share"], 1.0), (1 - p_s) * min(C["compute_power_share"], 1.0)


def test_dense_8b_h100_by_hand() -> None:
    # Llama-3.1-8B-like: 8B dense bf16 on one H100 at batch 64.
    p_s, p_m, p_f = _hand_power_fractions()
    eta_m, eta_f = C["mem_bandwidth_efficiency"], C["flop_efficiency"]
    weights_gb = 2.0 * 8.0  # 16 bits = 2 bytes per parameter, dense: everything is read every step
    t_mem = weights_gb / (3350.0 * eta_m)  # GB / (GB/s)
    t_flop = 2 * 8e9 * 64 / (989e12 * eta_f)
    t_oh = C["step_overhead_s"] * 0.8 ** C["step_overhead_params_exponent"]
    t_step = t_mem + t_flop + t_oh
    a_out = 700.0 * (p_s * t_step + p_m * t_mem + p_f * t_flop) / 64
    kv_bytes = C["kv_cache_kb_per_token_per_sqrt_b"] * 1e3 * math.sqrt(8.0)
    a_ctx = 700.0 * (p_s + p_m) * kv_bytes / (3.35e12 * eta_m)
    a_in = C["prefill_energy_factor"] * 700.0 * 2 * 8e9 / 989e12

    got = em.gpu_energy_terms_j(
        active_params_b=8,
        total_params_b=8,
        weight_bits=16,
        gpu_count=1,
        batch_size=64,
        coefficients=COEFS,
        **H100,
    )
    assert got == pytest.approx((a_in, a_out, a_ctx), rel=1e-12)

    s_in = C["prefill_energy_factor"] / (p_s + p_f) * 2 * 8e9 / 989e12
    s_ctx = 64 * kv_bytes / (3.35e12 * eta_m)
    lat = em.decode_latency_terms_s(
        active_params_b=8,
        total_params_b=8,
        weight_bits=16,
        gpu_count=1,
        batch_size=64,
        coefficients=COEFS,
        **H100,
    )
    assert lat == pytest.approx((s_in, t_step, s_ctx), rel=1e-12)


def test_moe_fp8_two_gpus_by_hand() -> None:
    # 30B total / 3B active MoE, fp8, 2 GPUs, batch 16.
    p_s, p_m, p_f = _hand_power_fractions()
    eta_m, eta_f, mu = C["mem_bandwidth_efficiency"], C["flop_efficiency"], C["moe_compute_exponent"]
    touched = 1 - (1 - 0.1) ** 16  # share of the 27B expert parameters read at least once
    weights_gb = 1.0 * (3.0 + 27.0 * touched)  # 8 bits = 1 byte per parameter
    t_mem = weights_gb / (2 * 3350.0 * eta_m)
    t_flop = 2 * (3.0 ** (1 - mu) * 30.0**mu) * 1e9 * 16 / (2 * 1979e12 * eta_f)
    t_oh = C["step_overhead_s"] * 3.0 ** C["step_overhead_params_exponent"]
    t_step = t_mem + t_flop + t_oh
    a_out = 2 * 700.0 * (p_s * t_step + p_m * t_mem + p_f * t_flop) / 16
    kv_bytes = C["kv_cache_kb_per_token_per_sqrt_b"] * 1e3 * math.sqrt(3.0)
    a_ctx = 700.0 * (p_s + p_m) * kv_bytes / (3.35e12 * eta_m)
    a_in = C["prefill_energy_factor"] * 700.0 * 2 * 3e9 / 1979e12

    got = em.gpu_energy_terms_j(
        active_params_b=3,
        total_params_b=30,
        weight_bits=8,
        gpu_count=2,
        batch_size=16,
        gpu_tdp_w=700,
        gpu_memory_bandwidth_tb_s=3.35,
        gpu_dense_tflops=1979,
        coefficients=COEFS,
    )
    assert got == pytest.approx((a_in, a_out, a_ctx), rel=1e-12)

    # whole-request energy: 1,000 input and 300 output tokens, mean decode context 1,000 + 150
    e = gpu_energy_j(corner(gpu_terms_j=got), 1000, 300)
    assert e == pytest.approx(a_in * 1000 + a_out * 300 + a_ctx * 300 * 1150, rel=1e-12)


def test_custom_coefficients_by_hand() -> None:
    # Round-number coefficients, computed fully by hand.
    coefs = em.EnergyCoefficients(
        mem_bandwidth_efficiency=0.5,
        flop_efficiency=0.25,
        step_overhead_s=0.01,
        step_overhead_params_exponent=1.0,
        static_power_fraction=0.5,
        memory_power_share=0.2,
        compute_power_share=1.0,
        moe_compute_exponent=0.0,
        kv_cache_kb_per_token_per_sqrt_b=100.0,
        prefill_energy_factor=2.0,
    )
    # 10B dense, 16-bit, 1 GPU of 1000 W, 1 TB/s, 100 TFLOPS, batch 10
    # t_mem = 20 GB / 500 GB/s = 0.04 s; t_flop = 2e10*10 / 25e12 = 0.008 s; t_oh = 0.01 s; t_step = 0.058 s
    # p_m = 0.2 * 0.5 = 0.1, p_f = 0.5
    # a_out = 1000 * (0.5*0.058 + 0.1*0.04 + 0.5*0.008) / 10 = 1000 * 0.037 / 10 = 3.7 J
    # kv = 100 kB * sqrt(10) = 316.2 kB; a_ctx = 1000 * 0.6 * 316227.77 / 5e11 = 3.7947e-4 J
    # a_in = 2 * 1000 * 2e10 / 1e14 = 0.4 J
    got = em.gpu_energy_terms_j(
        active_params_b=10,
        total_params_b=10,
        weight_bits=16,
        gpu_count=1,
        batch_size=10,
        gpu_tdp_w=1000,
        gpu_memory_bandwidth_tb_s=1,
        gpu_dense_tflops=100,
        coefficients=coefs,
    )
    assert got == pytest.approx((0.4, 3.7, 1000 * 0.6 * 100e3 * math.sqrt(10) / 5e11), rel=1e-12)
    # latency: s_in = 2 / (0.5 + 0.5) * 2e10 / 1e14 = 4e-4 s; s_out = 0.058 s; s_ctx = 10 * 316227.77 / 5e11
    lat = em.decode_latency_terms_s(
        active_params_b=10,
        total_params_b=10,
        weight_bits=16,
        gpu_count=1,
        batch_size=10,
        gpu_tdp_w=1000,
        gpu_memory_bandwidth_tb_s=1,
        gpu_dense_tflops=100,
        coefficients=coefs,
    )
    assert lat == pytest.approx((4e-4, 0.058, 10 * 100e3 * math.sqrt(10) / 5e11), rel=1e-12)
    # request latency as the engine runs it (L1): time to first token + generation at a growing context
    s_ctx = 10 * 100e3 * math.sqrt(10) / 5e11
    got_s = latency_s(corner(latency_terms_s=lat), 1000, 300)
    assert got_s == pytest.approx(4e-4 * 1000 + 0.058 * 300 + s_ctx * 300 * (1000 + 150), rel=1e-12)


def test_power_never_exceeds_tdp() -> None:
    # energy per step / step time, for a compute-bound configuration, is at most n * TDP
    _, a_out, _ = em.gpu_energy_terms_j(
        active_params_b=70,
        total_params_b=70,
        weight_bits=16,
        gpu_count=4,
        batch_size=4096,
        coefficients=COEFS,
        **H100,
    )
    _, s_out, _ = em.decode_latency_terms_s(
        active_params_b=70,
        total_params_b=70,
        weight_bits=16,
        gpu_count=4,
        batch_size=4096,
        coefficients=COEFS,
        **H100,
    )
    assert a_out * 4096 / s_out <= 4 * 700 * (1 + 1e-12)


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError):
        em.gpu_energy_terms_j(
            active_params_b=0,
            total_params_b=8,
            weight_bits=16,
            gpu_count=1,
            batch_size=1,
            coefficients=COEFS,
            **H100,
        )
    with pytest.raises(ValueError):
        em.decode_latency_terms_s(
            active_params_b=8,
            total_params_b=8,
            weight_bits=16,
            gpu_count=1,
            batch_size=math.nan,
            coefficients=COEFS,
            **H100,
        )
    with pytest.raises(KeyError):
        em.EnergyCoefficients.from_mapping({"flop_efficiency": 0.2})
    with pytest.raises(ValueError):
        em.EnergyCoefficients.from_mapping({**C, "moe_compute_exponent": 1.5})


def test_from_mapping_accepts_document_and_roundtrips() -> None:
    assert em.EnergyCoefficients.from_mapping(SHIPPED["coefficients"]) == COEFS
    assert em.EnergyCoefficients.from_mapping(COEFS.to_dict()) == COEFS


# ------------------------------------------------------------------------------------- (b) monotonicity
ARGS = (
    "active_params_b",
    "total_params_b",
    "weight_bits",
    "gpu_count",
    "batch_size",
    "gpu_tdp_w",
    "gpu_memory_bandwidth_tb_s",
    "gpu_dense_tflops",
)
# +1: non-decreasing, -1: non-increasing, 0: must not change
ENERGY_DIRECTION = {
    "active_params_b": 1,
    "total_params_b": 1,
    "weight_bits": 1,
    "gpu_count": 1,
    "batch_size": -1,
    "gpu_tdp_w": 1,
    "gpu_memory_bandwidth_tb_s": -1,
    "gpu_dense_tflops": -1,
}
LATENCY_DIRECTION = {
    "active_params_b": 1,
    "total_params_b": 1,
    "weight_bits": 1,
    "gpu_count": -1,
    "batch_size": 1,
    "gpu_tdp_w": 0,
    "gpu_memory_bandwidth_tb_s": -1,
    "gpu_dense_tflops": -1,
}

_pos = {
    "active_params_b": st.floats(0.1, 2000),
    "total_params_b": st.floats(0.1, 4000),
    "weight_bits": st.sampled_from([1.58, 2.0, 4.0, 6.0, 8.0, 16.0, 32.0]) | st.floats(1, 32),
    "gpu_count": st.integers(1, 64).map(float) | st.floats(0.5, 64),
    "batch_size": st.floats(0.5, 8192),
    "gpu_tdp_w": st.floats(20, 2000),
    "gpu_memory_bandwidth_tb_s": st.floats(0.05, 20),
    "gpu_dense_tflops": st.floats(5, 20000),
}


def _coef(low: float, high: float) -> st.SearchStrategy[float]:
    """Coefficient values; subnormal floats excluded (they break relative comparisons, not the model)."""
    return st.floats(low, high, allow_subnormal=False)


coefficient_strategy = st.builds(
    em.EnergyCoefficients,
    mem_bandwidth_efficiency=st.floats(0.01, 1),
    flop_efficiency=st.floats(0.01, 1),
    step_overhead_s=_coef(0, 0.1),
    step_overhead_params_exponent=_coef(0, 2),
    static_power_fraction=_coef(0, 1.5),
    memory_power_share=_coef(0, 1.5),
    compute_power_share=_coef(0, 1.5),
    moe_compute_exponent=_coef(0, 1),
    kv_cache_kb_per_token_per_sqrt_b=_coef(0, 500),
    prefill_energy_factor=_coef(0, 10),
) | st.just(COEFS)


def _ordered(a: float, b: float, direction: int, scale: float) -> bool:
    tol = 1e-9 * scale + 1e-300
    if direction > 0:
        return b >= a - tol
    if direction < 0:
        return b <= a + tol
    return abs(b - a) <= tol


@settings(max_examples=400, deadline=None)
@given(
    base=st.fixed_dictionaries(_pos),
    arg=st.sampled_from(ARGS),
    lo_hi=st.tuples(_coef(0, 1), _coef(0, 1)),
    coefs=coefficient_strategy,
)
def test_monotone_and_non_negative(
    base: dict[str, float], arg: str, lo_hi: tuple[float, float], coefs: em.EnergyCoefficients
) -> None:
    strategy_bounds = {
        "active_params_b": (0.1, 2000),
        "total_params_b": (0.1, 4000),
        "weight_bits": (1, 32),
        "gpu_count": (0.5, 64),
        "batch_size": (0.5, 8192),
        "gpu_tdp_w": (20, 2000),
        "gpu_memory_bandwidth_tb_s": (0.05, 20),
        "gpu_dense_tflops": (5, 20000),
    }
    lo, hi = strategy_bounds[arg]
    x1, x2 = sorted(lo * (hi / lo) ** f for f in lo_hi)  # log-uniform pair, x1 <= x2
    for fn, direction in (
        (em.gpu_energy_terms_j, ENERGY_DIRECTION[arg]),
        (em.decode_latency_terms_s, LATENCY_DIRECTION[arg]),
    ):
        t1 = fn(**{**base, arg: x1}, coefficients=coefs)
        t2 = fn(**{**base, arg: x2}, coefficients=coefs)
        for a, b in zip(t1, t2, strict=True):
            assert a >= 0 and b >= 0 and math.isfinite(a) and math.isfinite(b)
            assert _ordered(a, b, direction, max(a, b)), (fn.__name__, arg, x1, x2, a, b)


@settings(max_examples=200, deadline=None)
@given(
    base=st.fixed_dictionaries(_pos),
    f=st.tuples(st.floats(0, 1), st.floats(0, 1)),
    coefs=coefficient_strategy,
)
def test_gpu_seconds_non_decreasing_in_gpu_count(
    base: dict[str, float], f: tuple[float, float], coefs: em.EnergyCoefficients
) -> None:
    # latency falls with tensor parallelism, but gpu_count * latency (GPU-seconds) never does
    n1, n2 = sorted(0.5 * 128**x for x in f)
    t1 = em.decode_latency_terms_s(**{**base, "gpu_count": n1}, coefficients=coefs)
    t2 = em.decode_latency_terms_s(**{**base, "gpu_count": n2}, coefficients=coefs)
    for a, b in zip(t1, t2, strict=True):
        assert n2 * b >= n1 * a * (1 - 1e-9) - 1e-300  # absolute slack for underflow to subnormals


# ------------------------------------------------------------------------------------- (c) reproducible fit
def test_refit_reproduces_shipped_json() -> None:
    pytest.importorskip("scipy")
    pytest.importorskip("pandas")
    if not DATA_DIR.is_dir():
        pytest.skip(f"calibration data not available at {DATA_DIR}")
    spec = importlib.util.spec_from_file_location(
        "fit_energy_model", REPO / "scripts" / "fit_energy_model.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fit_energy_model", module)
    spec.loader.exec_module(module)
    doc = module.fit(DATA_DIR)
    assert set(doc["coefficients"]) == set(SHIPPED["coefficients"])
    for name, value in SHIPPED["coefficients"].items():
        assert doc["coefficients"][name] == pytest.approx(value, rel=1e-6, abs=1e-12), name
    for name, value in SHIPPED["fit_nuisance"].items():
        assert doc["fit_nuisance"][name] == pytest.approx(value, rel=1e-6), name
    assert doc["fitted_on"]["rows_used"] == SHIPPED["fitted_on"]["rows_used"]


# ------------------------------------------------------------------------------------- (d) sanity
def test_llama_8b_h100_batch64_sanity() -> None:
    # ML.ENERGY v3: Llama-3.1-8B, 1x H100, batch 64, vLLM 0.11.1: ~0.12 J per output token
    terms = em.gpu_energy_terms_j(
        active_params_b=8,
        total_params_b=8,
        weight_bits=16,
        gpu_count=1,
        batch_size=64,
        coefficients=COEFS,
        **H100,
    )
    energy_j = gpu_energy_j(corner(gpu_terms_j=terms), 100, 400)
    reference_j = 0.12 * 400
    assert reference_j / 2 <= energy_j <= reference_j * 2
