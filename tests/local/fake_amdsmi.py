"""A fake ``amdsmi`` at the import boundary, shaped like the real Python interface (7.0.2 by default,
6.2 and older with ``legacy=True``): GPUs with or without an energy counter, "N/A" power fields, errors
raised as ``AmdSmiLibraryException`` with amdsmi's ``err_info`` text."""

from __future__ import annotations

import types
from dataclasses import dataclass, field


class AmdSmiException(Exception):  # noqa: N818 (amdsmi's own name)
    pass


class AmdSmiLibraryException(AmdSmiException):
    def __init__(self, err_code: int, err_info: str) -> None:
        super().__init__(err_code)
        self.err_code = err_code
        self.err_info = err_info

    def __str__(self) -> str:  # the real one's format: multi-line
        return f"Error code:\n\t{self.err_code} | {self.err_info}"


NOT_SUPPORTED = AmdSmiLibraryException(2, "AMDSMI_STATUS_NOT_SUPPORTED - Feature not supported")
NO_PERM = AmdSmiLibraryException(10, "AMDSMI_STATUS_NO_PERM - Permission Denied")
INIT_ERROR = AmdSmiLibraryException(32, "AMDSMI_STATUS_INIT_ERROR - Initialization error")


@dataclass
class FakeGpu:
    market_name: str
    serial: int  # the unique id ROCr shows as GPU-<16 hex digits>
    energy: int | str | None = 1_000_000  # counter units; None: amdsmi says NOT_SUPPORTED
    resolution: float = 15.300000190734863  # a C float, as amdsmi returns it
    power: dict[str, object] = field(default_factory=lambda: {"current_socket_power": 750})
    hip_id: int | None = None  # None: amdsmi's own order
    partition: int = 0
    error: Exception | None = None  # every per-GPU query raises it


@dataclass(frozen=True)
class Handle:
    """Stands for ``amdsmi_processor_handle`` (a ctypes pointer in the real module)."""

    index: int


def module(
    gpus: list[FakeGpu], *, legacy: bool = False, init_error: Exception | None = None
) -> types.ModuleType:
    m = types.ModuleType("amdsmi")
    calls: list[str] = []
    m.calls = calls  # type: ignore[attr-defined]
    m.AmdSmiException = AmdSmiException  # type: ignore[attr-defined]
    m.AmdSmiLibraryException = AmdSmiLibraryException  # type: ignore[attr-defined]

    def gpu(h: Handle) -> FakeGpu:
        g = gpus[h.index]
        if g.error is not None:
            raise g.error
        return g

    def init() -> None:
        calls.append("init")
        if init_error is not None:
            raise init_error

    def handles() -> list[Handle]:
        if "init" not in calls:
            raise AmdSmiLibraryException(33, "AMDSMI_STATUS_NOT_INIT - Device not initialized")
        return [Handle(i) for i in range(len(gpus))]

    def energy_count(h: Handle) -> dict[str, object]:
        g = gpu(h)
        if g.energy is None:
            raise NOT_SUPPORTED
        return {
            "power" if legacy else "energy_accumulator": g.energy,
            "counter_resolution": g.resolution,
            "timestamp": 1712024507665,
        }

    def power_info(h: Handle) -> dict[str, object]:
        g = gpu(h)
        keys = ["current_socket_power", "average_socket_power", "gfx_voltage", "power_limit"]
        if not legacy:
            keys.insert(0, "socket_power")
        return {k: g.power.get(k, "N/A") for k in keys}

    def asic_info(h: Handle) -> dict[str, object]:
        g = gpu(h)
        return {"market_name": g.market_name, "vendor_id": "0x1002", "asic_serial": f"0x{g.serial:016X}"}

    def enumeration_info(h: Handle) -> dict[str, object]:
        g = gpu(h)
        return {
            "drm_render": 128 + h.index,
            "drm_card": h.index,
            "hsa_id": "N/A" if g.hip_id is None else g.hip_id + 2,
            "hip_id": "N/A" if g.hip_id is None else g.hip_id,
            "hip_uuid": f"GPU-{g.serial:016x}",
        }

    def kfd_info(h: Handle) -> dict[str, object]:
        g = gpu(h)
        return {"kfd_id": 1000 + h.index, "node_id": 2 + h.index, "current_partition_id": g.partition}

    m.amdsmi_init = init  # type: ignore[attr-defined]
    m.amdsmi_get_processor_handles = handles  # type: ignore[attr-defined]
    m.amdsmi_get_energy_count = energy_count  # type: ignore[attr-defined]
    m.amdsmi_get_power_info = power_info  # type: ignore[attr-defined]
    m.amdsmi_get_gpu_asic_info = asic_info  # type: ignore[attr-defined]
    if not legacy:  # amdsmi >= 6.4
        m.amdsmi_get_gpu_enumeration_info = enumeration_info  # type: ignore[attr-defined]
        m.amdsmi_get_gpu_kfd_info = kfd_info  # type: ignore[attr-defined]
    return m
