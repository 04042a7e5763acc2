"""AMD GPUs through a fake amdsmi: energy counters (resolution, 32-bit wrap), power fallback and "N/A",
ROCR/HIP/CUDA_VISIBLE_DEVICES, partitions, and the ways amdsmi can be missing or fail."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from aifootprint.local import amd
from aifootprint.local.monitor import MAX_WRAP_POWER_W, Monitor

from .fake_amdsmi import INIT_ERROR, NO_PERM, FakeGpu, module

RES = 15.300000190734863  # uJ per unit, as amdsmi returns it (a C float)
A, B, C = 0x1A2B3C4D00000001, 0x9F8E7D6C00000002, 0x1A2B000000000003


def fleet() -> list[FakeGpu]:
    return [
        FakeGpu("AMD Instinct MI300X", A, energy=70_000_000_000),  # 64-bit counter, past 2**32
        FakeGpu("AMD Radeon RX 7900 XTX", B, energy=1_000_000),  # may be a 32-bit counter
        FakeGpu("AMD Instinct MI100", C, energy=None, power={"average_socket_power": 180}),
    ]


def install(monkeypatch: pytest.MonkeyPatch, gpus: list[FakeGpu], **kw: object) -> None:
    monkeypatch.setitem(sys.modules, "amdsmi", module(gpus, **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize("legacy", [False, True], ids=["amdsmi-7", "amdsmi-6.2"])
def test_counters_power_and_resolution(monkeypatch: pytest.MonkeyPatch, legacy: bool) -> None:
    gpus = fleet()
    install(monkeypatch, gpus, legacy=legacy)
    devices, problems = amd.discover(env={})
    assert problems == []
    assert [(d.name, type(d).__name__, d.model) for d in devices] == [
        ("gpu:0", "AmdCounter", "AMD Instinct MI300X"),
        ("gpu:1", "AmdWrappingCounter", "AMD Radeon RX 7900 XTX"),
        ("gpu:2", "AmdPower", "AMD Instinct MI100"),
    ]
    mi300, navi, mi100 = devices
    assert isinstance(mi300, amd.AmdCounter) and isinstance(navi, amd.AmdCounter)
    assert isinstance(mi100, amd.AmdPower)
    assert mi300.energy_j() == 0.0  # energy since the first read
    gpus[0].energy = 70_000_000_000 + 1_000_000  # units x 15.3 uJ
    assert mi300.energy_j() == pytest.approx(15.3, rel=1e-6)
    gpus[1].energy = 1_000_000 + 65_359_477  # ~1 kJ
    assert navi.energy_j() == pytest.approx(1000.0, rel=1e-6)
    assert mi100.power_w() == 180.0 and mi100.key == "average_socket_power"
    assert all(d.kind == "gpu" and d.method == "measured" for d in devices)
    assert mi300.uuid == f"GPU-{A:016X}"
    assert "amdsmi_get_energy_count" in mi300.source and "average_socket_power" in mi100.source
    assert not hasattr(mi300, "wrap_seconds")  # a 64-bit counter needs no guard reads


def test_a_32bit_counter_wraps_once_between_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    gpu = FakeGpu("AMD Radeon RX 6900 XT", B, energy=(1 << 32) - 1_000)
    install(monkeypatch, [gpu])
    (navi,), _ = amd.discover(env={})
    assert isinstance(navi, amd.AmdWrappingCounter)
    gpu.energy = 500  # 1,000 units to the wrap, 500 after it
    assert navi.energy_j() == pytest.approx(1_500 * RES / 1e6)
    gpu.energy = 2_500
    assert navi.energy_j() == pytest.approx(3_500 * RES / 1e6)
    assert navi.wrap_seconds(300.0) == pytest.approx((1 << 32) * RES / 1e6 / 300.0)  # ~219 s
    mon = Monitor([navi], threaded=False)
    assert mon.needs_thread and mon.period_s == pytest.approx(navi.wrap_seconds(MAX_WRAP_POWER_W) / 4)


def test_a_64bit_counter_going_back_adds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    gpu = FakeGpu("AMD Instinct MI300X", A, energy=70_000_000_000)
    install(monkeypatch, [gpu])
    (mi300,), _ = amd.discover(env={})
    assert isinstance(mi300, amd.AmdCounter)
    gpu.energy = 70_000_100_000
    first = mi300.energy_j()
    gpu.energy = 1_000  # driver reloaded: the counter restarts
    assert mi300.energy_j() == pytest.approx(first)
    gpu.energy = 3_000
    assert mi300.energy_j() == pytest.approx(first + 2_000 * RES / 1e6)
    gpu.energy = "N/A"  # a reading amdsmi cannot make keeps the total
    assert mi300.energy_j() == pytest.approx(first + 2_000 * RES / 1e6)


@pytest.mark.parametrize(
    ("power", "key", "watts"),
    [
        ({"current_socket_power": 750, "average_socket_power": "N/A"}, "current_socket_power", 750.0),
        ({"socket_power": 420, "current_socket_power": 0xFFFFFFFF}, "socket_power", 420.0),  # C marker
        ({"current_socket_power": "N/A", "average_socket_power": 230.5}, "average_socket_power", 230.5),
    ],
)
def test_power_fields_and_na(
    monkeypatch: pytest.MonkeyPatch, power: dict[str, object], key: str, watts: float
) -> None:
    gpu = FakeGpu("AMD GPU X", A, energy=0xFFFFFFFF, power=power)  # UINT_MAX: no counter (RDNA4)
    install(monkeypatch, [gpu])
    (meter,), problems = amd.discover(env={})
    assert problems == [] and isinstance(meter, amd.AmdPower)
    assert (meter.key, meter.power_w()) == (key, watts)
    gpu.power = {key: "N/A"}  # "N/A" for a moment: the last reading holds
    assert meter.power_w() == watts
    gpu.power = {key: 100}
    assert meter.power_w() == 100.0


def test_power_meter_integrated_by_the_monitor(monkeypatch: pytest.MonkeyPatch) -> None:
    class Clock:
        t = 500.0

        def __call__(self) -> float:
            return self.t

    gpu = FakeGpu("AMD Instinct MI210", A, energy=None, power={"average_socket_power": 200})
    install(monkeypatch, [gpu])
    (meter,), _ = amd.discover(env={})
    assert isinstance(meter, amd.AmdPower)
    clock = Clock()
    mon = Monitor([], [meter], clock=clock, threaded=False)
    w = mon.begin()
    clock.t += 2.0
    gpu.power = {"average_socket_power": 300}
    mon.tick()  # (200 + 300) / 2 x 2 s = 500 J
    clock.t += 1.0
    gpu.power = {"average_socket_power": "N/A"}  # held at 300 W: + 300 J
    r = mon.end(w)
    assert r.energy_j == {"gpu:0": pytest.approx(800.0)}
    assert r.method == {"gpu:0": "measured"}
    assert r.low_j["gpu:0"] == pytest.approx(760.0) and r.high_j["gpu:0"] == pytest.approx(840.0)
    assert getattr(mon.devices[0], "source", "") == meter.source


def order_fleet() -> list[FakeGpu]:
    # amdsmi lists them in another order than ROCr's (hip_id): runtime order is C, A, B
    return [
        FakeGpu("GPU A", A, hip_id=1),
        FakeGpu("GPU B", B, hip_id=2),
        FakeGpu("GPU C", C, hip_id=0),
    ]


@pytest.mark.parametrize(
    ("env", "models"),
    [
        ({}, ["GPU C", "GPU A", "GPU B"]),  # runtime order, not amdsmi's
        ({"ROCR_VISIBLE_DEVICES": "2,0"}, ["GPU B", "GPU C"]),
        ({"ROCR_VISIBLE_DEVICES": " 0x1 "}, ["GPU A"]),  # strtol base 0, spaces trimmed
        ({"ROCR_VISIBLE_DEVICES": f"gpu-{B:016x}"[:10]}, ["GPU B"]),  # a UUID prefix, any case
        ({"ROCR_VISIBLE_DEVICES": "GPU-1A2B"}, []),  # ambiguous (A and C): the list ends
        ({"ROCR_VISIBLE_DEVICES": "1,1,0"}, ["GPU A"]),  # a repeat ends the list
        ({"ROCR_VISIBLE_DEVICES": "0,7,1"}, ["GPU C"]),  # out of range ends it
        ({"ROCR_VISIBLE_DEVICES": ""}, []),  # set but empty: no GPU
        ({"ROCR_VISIBLE_DEVICES": "1,2", "HIP_VISIBLE_DEVICES": "1"}, ["GPU B"]),  # HIP indexes ROCr's
        ({"HIP_VISIBLE_DEVICES": "2,0,2"}, ["GPU B", "GPU C"]),  # a repeat is skipped
        ({"HIP_VISIBLE_DEVICES": "1,x,0"}, ["GPU A"]),  # invalid ends the list
        ({"HIP_VISIBLE_DEVICES": f"GPU-{A:016X}"}, ["GPU A"]),
        ({"HIP_VISIBLE_DEVICES": ""}, ["GPU C", "GPU A", "GPU B"]),  # empty: no filtering
        ({"CUDA_VISIBLE_DEVICES": "1"}, ["GPU A"]),  # HIP honours it too
        ({"HIP_VISIBLE_DEVICES": "0", "CUDA_VISIBLE_DEVICES": "1"}, ["GPU C"]),  # HIP's wins
        ({"HIP_VISIBLE_DEVICES": "", "CUDA_VISIBLE_DEVICES": "2"}, ["GPU B"]),
    ],
)
def test_visible_devices(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], models: list[str]) -> None:
    install(monkeypatch, order_fleet())
    devices, problems = amd.discover(env=env)
    assert [d.model for d in devices] == models
    assert [d.name for d in devices] == [f"gpu:{i}" for i in range(len(models))]
    assert problems == []


def test_visibility_without_enumeration_info_uses_amdsmi_order(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, order_fleet(), legacy=True)  # amdsmi < 6.4: no hip_id, UUID from the serial
    devices, _ = amd.discover(env={"ROCR_VISIBLE_DEVICES": f"GPU-{C:016X},0"})
    assert [d.model for d in devices] == ["GPU C", "GPU A"]


def test_no_amdsmi_or_no_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "amdsmi", None)  # import fails
    devices, problems = amd.discover(env={})
    assert devices == [] and problems[0].reason == amd.NOT_INSTALLED
    assert "amdsmi is not installed (it comes with ROCm" in problems[0].reason
    install(monkeypatch, [], init_error=INIT_ERROR)
    devices, problems = amd.discover(env={})
    assert devices == [] and len(problems) == 1
    assert "amdsmi cannot start" in problems[0].reason and "AMDSMI_STATUS_INIT_ERROR" in problems[0].reason
    assert "amdgpu" in problems[0].reason and "\n" not in problems[0].reason


def test_library_that_cannot_load_is_explained_quietly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pkg = tmp_path / "amdsmi"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(  # what amdsmi_wrapper does without libamd_smi.so
        "print('libamd_smi.so: cannot open shared object file')\n_libraries = {}\n"
        "_libraries['libamd_smi.so']\n",
        encoding="ascii",
    )
    monkeypatch.delitem(sys.modules, "amdsmi", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    devices, problems = amd.discover(env={})
    assert devices == [] and len(problems) == 1
    assert "cannot load libamd_smi.so (libamd_smi.so: cannot open shared object file)" in problems[0].reason
    assert "ROCM_PATH" in problems[0].reason
    assert capsys.readouterr().out == ""  # its print went into the problem, not to the user


def test_failing_and_unreadable_gpus_are_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    gpus = [
        FakeGpu("AMD Instinct MI250X", A, energy=2_000_000, hip_id=0),
        FakeGpu("AMD Instinct MI250X", B, energy=0, power={"average_socket_power": 0}, hip_id=1),
        FakeGpu("AMD Instinct MI300X", C, error=NO_PERM, hip_id=2),
        FakeGpu("AMD Instinct MI300X", C + 1, partition=1, hip_id=3),
    ]
    install(monkeypatch, gpus)
    devices, problems = amd.discover(env={})
    assert [d.name for d in devices] == ["gpu:0"]
    by = {p.name: p.reason for p in problems}
    assert "second die" in by["gpu:1"] and "reads 0" in by["gpu:1"]
    assert "AMDSMI_STATUS_NO_PERM" in by["gpu:2"] and "`render` and `video` groups" in by["gpu:2"]
    assert by["gpu:2"].startswith("AMD GPU: neither energy nor power readable")  # no name: it failed too
    assert "partition 1" in by["gpu:3"]


def test_amdsmi_is_not_touched_at_import() -> None:
    fake = module(fleet())
    sys.modules["amdsmi"] = fake
    try:
        importlib.reload(amd)
        assert fake.calls == []
    finally:
        del sys.modules["amdsmi"]
