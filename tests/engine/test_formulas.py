"""Engine formulas against hand-computed values."""

from __future__ import annotations

import math

import pytest

from aifootprint.engine import formulas as f


def test_model_memory_and_gpu_count() -> None:
    # 70B bf16: 1.2 x 70 x 2 bytes = 168 GB -> 3 x 80 GB -> rounded up to a power of two: 4
    mem = f.model_memory_gb(total_params_b=70, weight_bits=16, memory_overhead=1.2)
    assert mem == pytest.approx(168.0)
    assert f.gpu_count_required(memory_gb=mem, gpu_memory_gb=80) == 4
    # the same model in fp8 (84 GB) needs 2 GPUs; 8B bf16 (19.2 GB) needs 1
    assert f.gpu_count_required(memory_gb=84.0, gpu_memory_gb=80) == 2
    assert f.gpu_count_required(memory_gb=19.2, gpu_memory_gb=80) == 1
    # exactly full: 160 GB on 80 GB GPUs -> 2 (no spurious extra GPU from float error)
    assert f.gpu_count_required(memory_gb=160.0, gpu_memory_gb=80) == 2
    # 1.8T bf16: 4,320 GB / 80 = 54 -> 64
    assert f.gpu_count_required(memory_gb=4320.0, gpu_memory_gb=80) == 64


def test_host_power_share_and_facility_multiplier() -> None:
    assert f.host_power_share_w(host_power_w=856, gpu_count=2, gpus_per_server=8) == pytest.approx(214.0)
    assert f.facility_multiplier(boundary="gpu", pue=1.2, idle_capacity_factor=1.3) == 1.0
    assert f.facility_multiplier(boundary="server", pue=1.2, idle_capacity_factor=1.3) == 1.0
    assert f.facility_multiplier(boundary="datacenter", pue=1.2, idle_capacity_factor=1.3) == 1.2
    assert f.facility_multiplier(
        boundary="comprehensive", pue=1.2, idle_capacity_factor=1.3
    ) == pytest.approx(1.56)


def test_embodied_per_second() -> None:
    # 4 GPUs x 575 kg + 4/8 x 5,733 kg host = 5,166.5 kg, over 64 requests and 3 years
    got = f.embodied_per_second(
        gpu_embodied=575.0,
        gpu_count=4,
        host_embodied=5733.0,
        gpus_per_server=8,
        include_host=True,
        batch_size=64,
        lifetime_years=3,
        idle_capacity_factor=1.0,
    )
    expected = (4 * 575.0 + 0.5 * 5733.0) / (64 * 3 * 365.25 * 86400)
    assert got == pytest.approx(expected, rel=1e-12)
    gpu_only = f.embodied_per_second(
        gpu_embodied=575.0,
        gpu_count=4,
        host_embodied=5733.0,
        gpus_per_server=8,
        include_host=False,
        batch_size=64,
        lifetime_years=3,
        idle_capacity_factor=1.0,
    )
    assert gpu_only == pytest.approx(4 * 575.0 / (64 * 3 * 365.25 * 86400), rel=1e-12)


def test_water_per_it_kwh() -> None:
    # EcoLogits form: E_server x (WUE_onsite + PUE x WUE_offsite)
    assert f.water_per_it_kwh(wue_onsite_l_per_kwh=0.569, multiplier=1.2, grid_water_l_per_kwh=3.14) == (
        pytest.approx(0.569 + 1.2 * 3.14)
    )
    assert math.isclose(f.JOULES_PER_KWH, 3_600_000.0)
