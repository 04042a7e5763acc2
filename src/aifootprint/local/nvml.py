"""NVIDIA GPU energy through NVML (the ``nvidia-ml-py`` package, imported as ``pynvml``).

Volta and later GPUs have a total-energy counter (``nvmlDeviceGetTotalEnergyConsumption``, mJ since the
driver loaded, 64-bit: it does not wrap); older ones only report power (``nvmlDeviceGetPowerUsage``, mW),
which the monitor samples and integrates. ``CUDA_VISIBLE_DEVICES`` is honoured: its entries are NVML
indices (the PCI bus order, as with ``CUDA_DEVICE_ORDER=PCI_BUS_ID``) or GPU UUIDs (``GPU-...``, also
``MIG-...`` prefixes are matched to their parent GPU), and ``gpu:N`` is the N-th visible device.

NVML is initialised when :func:`discover` runs, never at import; its errors are translated here, in one
place, into :class:`GpuProblem` entries that say what to do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class NvmlCounter:
    """A GPU's total-energy counter as energy since the first read, in J."""

    name: str  # "gpu:0"
    model: str  # "NVIDIA H100 80GB HBM3"
    uuid: str
    nvml: Any = field(repr=False)
    handle: Any = field(repr=False)
    _first_mj: int | None = field(default=None, repr=False)

    kind: str = field(default="gpu", init=False)
    method: str = field(default="measured", init=False)
    source: str = field(default="NVML total energy counter (nvmlDeviceGetTotalEnergyConsumption)", init=False)

    def energy_j(self) -> float:
        mj = int(self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle))
        if self._first_mj is None:
            self._first_mj = mj
        return (mj - self._first_mj) / 1e3


@dataclass
class NvmlPower:
    """A GPU without an energy counter: its power, to be sampled and integrated by the monitor."""

    name: str
    model: str
    uuid: str
    nvml: Any = field(repr=False)
    handle: Any = field(repr=False)

    kind: str = field(default="gpu", init=False)
    method: str = field(default="measured", init=False)  # measured power, integrated over time
    source: str = field(default="NVML power (nvmlDeviceGetPowerUsage) sampled and integrated", init=False)

    def power_w(self) -> float:
        return float(self.nvml.nvmlDeviceGetPowerUsage(self.handle)) / 1e3


@dataclass(frozen=True)
class GpuProblem:
    name: str
    reason: str


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _visible(count: int, uuids: list[str], env: Mapping[str, str]) -> list[int] | str:
    """NVML indices of the devices CUDA may use, in CUDA's numbering; or why the variable is unusable."""
    raw = env.get("CUDA_VISIBLE_DEVICES")
    if raw is None:
        return list(range(count))
    out: list[int] = []
    for item in (x.strip() for x in raw.split(",")):
        if not item:
            break  # CUDA stops at the first invalid entry; an empty one hides the rest
        if item.lstrip("-").isdigit():
            i = int(item)
            if not 0 <= i < count:
                break
            out.append(i)
            continue
        prefix = item.removeprefix("MIG-").removeprefix("GPU-")
        match = [i for i, u in enumerate(uuids) if u.removeprefix("GPU-").startswith(prefix)]
        if len(match) != 1:
            return f"CUDA_VISIBLE_DEVICES entry {item!r} matches {len(match)} GPUs"
        out.append(match[0])
    return out


def discover(
    env: Mapping[str, str] | None = None,
) -> tuple[list[NvmlCounter | NvmlPower], list[GpuProblem]]:
    """The visible NVIDIA GPUs with their best energy source, and why any could not be used.

    No ``pynvml`` or no driver: no GPUs and one problem saying so (a machine without NVIDIA GPUs is the
    common case, not an error)."""
    env = os.environ if env is None else env
    try:
        import pynvml as nvml
    except ImportError:
        return [], [GpuProblem("gpu", "pynvml is not installed: pip install 'aifootprint[nvidia]'")]
    try:
        nvml.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, DriverNotLoaded...
        return [], [GpuProblem("gpu", f"NVML cannot start ({_text(exc)}): no NVIDIA driver here")]
    devices: list[NvmlCounter | NvmlPower] = []
    problems: list[GpuProblem] = []
    try:
        count = int(nvml.nvmlDeviceGetCount())
        handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
        uuids = [_text(nvml.nvmlDeviceGetUUID(h)) for h in handles]
    except Exception as exc:
        return [], [GpuProblem("gpu", f"NVML cannot list the GPUs ({_text(exc)})")]
    visible = _visible(count, uuids, env)
    if isinstance(visible, str):
        return [], [GpuProblem("gpu", visible)]
    for cuda_index, i in enumerate(visible):
        label, h = f"gpu:{cuda_index}", handles[i]
        try:
            model = _text(nvml.nvmlDeviceGetName(h))
        except Exception:
            model = "NVIDIA GPU"
        try:
            NvmlCounter(label, model, uuids[i], nvml, h).energy_j()
            devices.append(NvmlCounter(label, model, uuids[i], nvml, h))
            continue
        except Exception:
            pass  # no counter (before Volta, or not supported): power sampling
        try:
            NvmlPower(label, model, uuids[i], nvml, h).power_w()
            devices.append(NvmlPower(label, model, uuids[i], nvml, h))
        except Exception as exc:
            problems.append(GpuProblem(label, f"{model}: neither energy nor power readable ({_text(exc)})"))
    return devices, problems
