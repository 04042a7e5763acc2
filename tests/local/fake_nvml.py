"""A fake ``pynvml`` at the import boundary: GPUs with or without an energy counter, a settable clock."""

from __future__ import annotations

import types
from dataclasses import dataclass


class NVMLError(Exception):
    pass


class NVMLNotSupportedError(NVMLError):
    pass


@dataclass
class FakeGpu:
    name: str
    uuid: str
    energy_mj: int | None  # None: no total-energy counter (before Volta)
    power_mw: int = 300_000


def module(gpus: list[FakeGpu], *, init_error: Exception | None = None) -> types.ModuleType:
    m = types.ModuleType("pynvml")
    m.calls = []  # type: ignore[attr-defined]

    def init() -> None:
        m.calls.append("init")  # type: ignore[attr-defined]
        if init_error is not None:
            raise init_error

    def energy(h: int) -> int:
        mj = gpus[h].energy_mj
        if mj is None:
            raise NVMLNotSupportedError("Not Supported")
        return mj

    m.nvmlInit = init  # type: ignore[attr-defined]
    m.nvmlDeviceGetCount = lambda: len(gpus)  # type: ignore[attr-defined]
    m.nvmlDeviceGetHandleByIndex = lambda i: i  # type: ignore[attr-defined]
    m.nvmlDeviceGetName = lambda h: gpus[h].name.encode()  # type: ignore[attr-defined]  # bytes in old versions
    m.nvmlDeviceGetUUID = lambda h: gpus[h].uuid  # type: ignore[attr-defined]
    m.nvmlDeviceGetTotalEnergyConsumption = energy  # type: ignore[attr-defined]
    m.nvmlDeviceGetPowerUsage = lambda h: gpus[h].power_mw  # type: ignore[attr-defined]
    return m
