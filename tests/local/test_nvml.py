"""NVML devices through a fake pynvml: energy counters, power-only GPUs, CUDA_VISIBLE_DEVICES, errors."""

from __future__ import annotations

import sys

import pytest

from aifootprint.local import nvml

from .fake_nvml import FakeGpu, NVMLError, module

H100 = "GPU-1a2b3c4d-0000-0000-0000-000000000001"
A100 = "GPU-9f8e7d6c-0000-0000-0000-000000000002"
P100 = "GPU-55555555-0000-0000-0000-000000000003"


def gpus() -> list[FakeGpu]:
    return [
        FakeGpu("NVIDIA H100 80GB HBM3", H100, energy_mj=5_000_000),
        FakeGpu("NVIDIA A100-SXM4-40GB", A100, energy_mj=7_000_000),
        FakeGpu("Tesla P100-PCIE-16GB", P100, energy_mj=None, power_mw=180_500),
    ]


def test_counters_and_power_only_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = gpus()
    monkeypatch.setitem(sys.modules, "pynvml", module(fleet))
    devices, problems = nvml.discover(env={})
    assert problems == []
    assert [(d.name, type(d).__name__, d.model) for d in devices] == [
        ("gpu:0", "NvmlCounter", "NVIDIA H100 80GB HBM3"),
        ("gpu:1", "NvmlCounter", "NVIDIA A100-SXM4-40GB"),
        ("gpu:2", "NvmlPower", "Tesla P100-PCIE-16GB"),
    ]
    h100, _, p100 = devices
    assert isinstance(h100, nvml.NvmlCounter) and isinstance(p100, nvml.NvmlPower)
    assert h100.energy_j() == 0.0
    fleet[0].energy_mj = 5_000_000 + 123_456
    assert h100.energy_j() == pytest.approx(123.456)
    assert p100.power_w() == pytest.approx(180.5)
    assert h100.kind == "gpu" and h100.method == "measured"


@pytest.mark.parametrize(
    ("visible", "names"),
    [
        ("1", ["NVIDIA A100-SXM4-40GB"]),
        ("2,0", ["Tesla P100-PCIE-16GB", "NVIDIA H100 80GB HBM3"]),
        (f"{A100}", ["NVIDIA A100-SXM4-40GB"]),
        ("GPU-9f8e", ["NVIDIA A100-SXM4-40GB"]),  # a unique UUID prefix, as CUDA accepts
        ("0,7,1", ["NVIDIA H100 80GB HBM3"]),  # CUDA stops at the first invalid entry
        ("", []),
        ("-1", []),
    ],
)
def test_cuda_visible_devices(monkeypatch: pytest.MonkeyPatch, visible: str, names: list[str]) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", module(gpus()))
    devices, problems = nvml.discover(env={"CUDA_VISIBLE_DEVICES": visible})
    assert [d.model for d in devices] == names
    assert [d.name for d in devices] == [f"gpu:{i}" for i in range(len(names))]
    assert problems == []


def test_ambiguous_uuid_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", module(gpus()))
    devices, problems = nvml.discover(env={"CUDA_VISIBLE_DEVICES": "GPU-"})
    assert devices == [] and "matches 3 GPUs" in problems[0].reason


def test_no_pynvml_or_no_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import fails
    devices, problems = nvml.discover(env={})
    assert devices == [] and "pip install 'aifootprint[nvidia]'" in problems[0].reason
    monkeypatch.setitem(sys.modules, "pynvml", module([], init_error=NVMLError("Driver Not Loaded")))
    devices, problems = nvml.discover(env={})
    assert devices == [] and "NVML cannot start (Driver Not Loaded)" in problems[0].reason


def test_nvml_is_not_touched_at_import() -> None:
    fake = module(gpus())
    sys.modules["pynvml"] = fake
    try:
        import importlib

        importlib.reload(nvml)
        assert fake.calls == []  # type: ignore[attr-defined]
    finally:
        del sys.modules["pynvml"]
