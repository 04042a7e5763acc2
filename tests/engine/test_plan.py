"""Plan evaluation: hand-computed impacts, and corner bounds that contain every sampled input."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aifootprint.catalog.loader import read_json
from aifootprint.engine.energy_model import EnergyCoefficients, gpu_energy_terms_j
from aifootprint.engine.plan import HIGH, LOW, VALUE, Deployment, compile_corner, evaluate, latency_s

COEF = EnergyCoefficients.from_mapping(read_json("energy_model.json"))


def deployment(**over: object) -> Deployment:
    base: dict[str, object] = dict(
        active_params_b=(8.0, 8.0, 8.0),
        total_params_b=(8.0, 8.0, 8.0),
        weight_bits=16.0,
        gpu_memory_gb=80.0,
        gpu_tdp_w=700.0,
        gpu_memory_bandwidth_tb_s=3.35,
        gpu_dense_tflops=989.0,
        gpu_count=None,
        memory_overhead=1.2,
        batch_size=(64.0, 64.0, 64.0),
        gpus_per_server=8.0,
        host_power_w=(800.0, 800.0, 800.0),
        pue=(1.2, 1.2, 1.2),
        wue_l_per_kwh=(0.5, 0.5, 0.5),
        idle_capacity_factor=(1.1, 1.1, 1.1),
        gwp_kgco2eq_per_kwh=(0.4, 0.4, 0.4),
        adpe_kgsbeq_per_kwh=1e-7,
        pe_mj_per_kwh=9.0,
        grid_water_l_per_kwh=3.0,
        gpu_embodied_gwp=(500.0, 500.0, 500.0),
        gpu_embodied_adpe=(0.005,) * 3,
        gpu_embodied_pe=(7000.0,) * 3,
        host_embodied_gwp=(6000.0,) * 3,
        host_embodied_adpe=(0.4,) * 3,
        host_embodied_pe=(70000.0,) * 3,
        lifetime_years=(3.0, 3.0, 3.0),
        boundary="datacenter",
        latency_catalogue=(0.5, 50.0),
    )
    base.update(over)
    return Deployment(**base)  # type: ignore[arg-type]


def test_datacenter_boundary_by_hand() -> None:
    d = deployment()
    c = compile_corner(d, COEF, VALUE)
    a_in, a_out, a_ctx = gpu_energy_terms_j(
        active_params_b=8,
        total_params_b=8,
        weight_bits=16,
        gpu_count=1,
        batch_size=64,
        gpu_tdp_w=700,
        gpu_memory_bandwidth_tb_s=3.35,
        gpu_dense_tflops=989,
        coefficients=COEF,
    )
    i, o = 1000, 400
    lat = 0.5 + o / 50.0  # catalogue: ttft + output / tokens per second
    assert latency_s(c, i, o) == pytest.approx(lat)
    gpu_j = a_in * i + a_out * o + a_ctx * o * (i + o / 2)
    host_j = 800 * 1 / 8 / 64 * lat  # host power share of 1 GPU of 8, per concurrent request
    it_kwh = (gpu_j + host_j) / 3.6e6
    e, g, a, p, w, eg, ea, ep = evaluate(c, i, o, lat)
    assert e == pytest.approx(it_kwh * 1.2, rel=1e-12)
    assert g == pytest.approx(it_kwh * 1.2 * 0.4, rel=1e-12)
    assert a == pytest.approx(it_kwh * 1.2 * 1e-7, rel=1e-12)
    assert p == pytest.approx(it_kwh * 1.2 * 9.0, rel=1e-12)
    assert w == pytest.approx(it_kwh * (0.5 + 1.2 * 3.0), rel=1e-12)
    seconds = 3 * 365.25 * 86400
    assert eg == pytest.approx(lat * (500 + 6000 / 8) / (64 * seconds), rel=1e-12)
    assert ea == pytest.approx(lat * (0.005 + 0.4 / 8) / (64 * seconds), rel=1e-12)
    assert ep == pytest.approx(lat * (7000 + 70000 / 8) / (64 * seconds), rel=1e-12)


@pytest.mark.parametrize("boundary", ["gpu", "server", "datacenter", "comprehensive"])
def test_boundaries_nest(boundary: str) -> None:
    """gpu <= server <= datacenter <= comprehensive for energy, and gpu excludes host and water on site."""
    results = {}
    for b in ("gpu", "server", "datacenter", "comprehensive"):
        c = compile_corner(deployment(boundary=b), COEF, VALUE)
        results[b] = evaluate(c, 100, 400, latency_s(c, 100, 400))
    order = ["gpu", "server", "datacenter", "comprehensive"]
    for lo, hi in itertools.pairwise(order):
        assert results[lo][0] < results[hi][0]
    c = compile_corner(deployment(boundary=boundary), COEF, VALUE)
    if boundary == "gpu":
        assert c.host_w == 0.0  # no host power
        assert c.water_l_per_it_kwh == pytest.approx(3.0)  # grid water only, no on-site WUE


def test_gpu_count_from_memory_per_corner() -> None:
    d = deployment(
        total_params_b=(100.0, 200.0, 400.0), active_params_b=(10.0, 20.0, 40.0), latency_catalogue=None
    )
    lo, val, hi = (compile_corner(d, COEF, k) for k in (LOW, VALUE, HIGH))
    # energy per output token grows with the parameters and the GPU count (4, 8, 16 GPUs)
    assert lo.gpu_j_per_output_token < val.gpu_j_per_output_token < hi.gpu_j_per_output_token


ranges = st.tuples(st.floats(1.0, 2.0), st.floats(1.0, 3.0))


@settings(max_examples=60, deadline=None)
@given(
    total=st.floats(1.0, 800.0),
    active_share=st.floats(0.05, 1.0),
    spread=st.floats(1.0, 3.0),
    batch=st.floats(1.0, 256.0),
    batch_spread=st.floats(1.0, 4.0),
    pue=st.floats(1.0, 1.6),
    input_tokens=st.integers(0, 20_000),
    output_tokens=st.integers(0, 8_000),
    s=st.floats(0, 1),
    t=st.floats(0, 1),
    u=st.floats(0, 1),
    boundary=st.sampled_from(["gpu", "server", "datacenter", "comprehensive"]),
    catalogue=st.booleans(),
)
def test_corners_bound_every_sampled_input(
    total: float,
    active_share: float,
    spread: float,
    batch: float,
    batch_spread: float,
    pue: float,
    input_tokens: int,
    output_tokens: int,
    s: float,
    t: float,
    u: float,
    boundary: str,
    catalogue: bool,
) -> None:
    """A point deployment drawn inside the ranges gives impacts inside [low corner, high corner]."""
    active = total * active_share
    d = deployment(
        total_params_b=(total, total * spread, total * spread * spread),
        active_params_b=(active, active * spread, active * spread * spread),
        batch_size=(batch, batch * batch_spread, batch * batch_spread**2),
        pue=(pue, pue * 1.1, pue * 1.2),
        boundary=boundary,
        latency_catalogue=(0.3, 40.0) if catalogue else None,
    )
    k = spread ** (2 * s)
    point = dataclasses.replace(
        d,
        total_params_b=(total * k,) * 3,
        active_params_b=(active * k,) * 3,
        batch_size=(batch * batch_spread ** (2 * t),) * 3,
        pue=(pue * (1 + 0.2 * u),) * 3,
    )
    corners = [compile_corner(d, COEF, c) for c in (LOW, VALUE, HIGH)]
    pc = compile_corner(point, COEF, VALUE)
    got = evaluate(pc, input_tokens, output_tokens, latency_s(pc, input_tokens, output_tokens))
    lo = evaluate(corners[0], input_tokens, output_tokens, latency_s(corners[0], input_tokens, output_tokens))
    hi = evaluate(corners[2], input_tokens, output_tokens, latency_s(corners[2], input_tokens, output_tokens))
    val = evaluate(
        corners[1], input_tokens, output_tokens, latency_s(corners[1], input_tokens, output_tokens)
    )
    for i in range(8):
        assert lo[i] <= got[i] * (1 + 1e-9) + 1e-300
        assert got[i] <= hi[i] * (1 + 1e-9) + 1e-300
        assert lo[i] <= val[i] * (1 + 1e-9) + 1e-300 and val[i] <= hi[i] * (1 + 1e-9) + 1e-300
