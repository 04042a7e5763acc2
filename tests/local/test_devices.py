"""Device discovery end to end: NVML GPUs through a fake pynvml and RAPL counters in a temporary powercap tree
feed one measurement; nothing is imported for a vendor whose driver is absent."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aifootprint.local import devices
from aifootprint.local.session import Measurement

from .fake_nvml import FakeGpu, module
from .test_rapl import set_energy, zone


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> devices.Probe:
    p = devices.Probe(powercap=tmp_path / "powercap", env={}, nvidia=True, amd=False, threaded=False)
    monkeypatch.setattr(devices, "PROBE", p)
    devices.reset()
    yield p
    devices.reset()


def test_gpus_and_rapl_feed_one_measurement(monkeypatch: pytest.MonkeyPatch, probe: devices.Probe) -> None:
    fleet = [FakeGpu("NVIDIA H100 80GB HBM3", "GPU-1", energy_mj=1_000_000)]
    monkeypatch.setitem(sys.modules, "pynvml", module(fleet))
    pkg = zone(probe.powercap, "intel-rapl:0", "package-0", 5_000_000)
    dram = zone(probe.powercap, "intel-rapl:0/intel-rapl:0:0", "dram", 1_000_000)
    t = [0.0]
    probe.clock = lambda: t[0]
    with Measurement("train", zone="FRA", record=False) as m:
        fleet[0].energy_mj += 360_000_000  # 360 kJ = 0.1 kWh
        set_energy(pkg, 5_000_000 + 36_000_000_000)  # 36 kJ
        set_energy(dram, 1_000_000 + 3_600_000_000)  # 3.6 kJ
        t[0] = 600.0
    by = m.energy_by_device
    assert {k: round(v.kwh, 6) for k, v in by.items()} == {"gpu:0": 0.1, "cpu:0": 0.01, "ram:0": 0.001}
    assert {v.method for v in by.values()} == {"measured"}
    assert by["gpu:0"].model == "NVIDIA H100 80GB HBM3" and "NVML" in by["gpu:0"].source
    assert "RAPL package" in by["cpu:0"].source and "RAPL DRAM" in by["ram:0"].source
    assert m.duration_s == 600 and m.problems == ()
    assert m.impacts.energy.value == pytest.approx(0.111)


def test_devices_are_found_once_per_process_and_options(probe: devices.Probe) -> None:
    zone(probe.powercap, "intel-rapl:0", "package-0", 1)
    zone(probe.powercap, "intel-rapl:0/intel-rapl:0:0", "dram", 1)
    probe.nvidia = False
    a = devices.setup(devices.Options())
    assert devices.setup(devices.Options()) is a
    assert devices.setup(devices.Options(interval_s=2.0)) is not a
    assert sorted(a.info) == ["cpu:0", "ram:0"]
    assert a.monitor.needs_thread and a.monitor.period_s is not None  # RAPL wraps: guard reads


def test_no_driver_means_no_vendor_import(monkeypatch: pytest.MonkeyPatch, probe: devices.Probe) -> None:
    zone(probe.powercap, "intel-rapl:0", "package-0", 1)
    zone(probe.powercap, "intel-rapl:0/intel-rapl:0:0", "dram", 1)
    probe.nvidia = False
    monkeypatch.delitem(sys.modules, "pynvml", raising=False)
    s = devices.build(devices.Options(), probe)
    assert "pynvml" not in sys.modules and s.problems == ()


def test_gpu_problems_are_reported(monkeypatch: pytest.MonkeyPatch, probe: devices.Probe) -> None:
    zone(probe.powercap, "intel-rapl:0", "package-0", 1)
    zone(probe.powercap, "intel-rapl:0/intel-rapl:0:0", "dram", 1)
    probe.env = {"CUDA_VISIBLE_DEVICES": "GPU-nope"}
    monkeypatch.setitem(sys.modules, "pynvml", module([FakeGpu("NVIDIA L4", "GPU-1", energy_mj=1)]))
    s = devices.build(devices.Options(), probe)
    assert [p for p in s.problems if "CUDA_VISIBLE_DEVICES" in p]


def test_process_scope_estimates_this_process_share_even_with_rapl(probe: devices.Probe) -> None:
    zone(probe.powercap, "intel-rapl:0", "package-0", 1)
    zone(probe.powercap, "intel-rapl:0/intel-rapl:0:0", "dram", 1)
    probe.nvidia = False
    s = devices.build(devices.Options(cpu_scope="process", cpu_tdp_w=100.0), probe)
    assert sorted(s.info) == ["cpu", "ram:0"]  # RAM still measured; the CPU is this process's share
    cpu = s.info["cpu"]
    assert cpu.method == "estimated" and "this process" in cpu.source and cpu.scope == "process"
