"""AMD GPU energy through AMD SMI (the ``amdsmi`` Python package shipped with ROCm).

**Energy.** ``amdsmi_get_energy_count(h)`` returns the GPU's accumulated-energy counter as a dict:
``energy_accumulator`` (amdsmi >= 6.3; named ``power`` in 5.x-6.2), ``counter_resolution`` (uJ per
counter unit, 15.3 in practice) and ``timestamp``. Energy = units x resolution. The API type is 64-bit,
but the firmware counter behind it is not always: MI200 (aldebaran) and MI300 (SMU 13.0.6) report a
64-bit ``SocketEnergyAcc``, while RDNA GPUs (SMU 11, SMU 13.0.7) copy a 32-bit ``EnergyAccumulator``,
which wraps after 2**32 x 15.3 uJ = 65.7 kJ (3.6 minutes at 300 W). So a counter first read below
2**32 is treated as possibly 32-bit: a decrease is corrected as one 32-bit wrap (as for RAPL) and
``wrap_seconds(power_w)`` lets the monitor read it often enough. A counter above 2**32 is 64-bit: a
decrease (driver reload, GPU reset) restarts it from the new value without adding anything.
Counters reading 0 (the second die of an MI250/MI250X, whose energy the first die reports) or
UINT_MAX (what amdgpu reports where the firmware has no counter) are not used.

**Power.** Without a usable counter, ``amdsmi_get_power_info(h)`` is sampled and integrated by the
monitor: the first readable of ``current_socket_power`` (MI300 and later), ``socket_power`` (amdsmi >= 7)
and ``average_socket_power`` (RDNA, MI200 and earlier), all in W on Linux. Fields amdsmi cannot read
come back as ``"N/A"`` (the Python layer maps 0xFFFF) or as UINT32_MAX (the C library's marker); both
mean "no reading", and a meter holds its last reading while they last.

**Which GPUs.** ``gpu:N`` is the GPU a HIP program sees as device N, as the ROCm runtimes number them:

1. GPUs are ordered like ROCr (KFD node order), using ``amdsmi_get_gpu_enumeration_info(h)["hip_id"]``
   where amdsmi has it (6.4+), else amdsmi's own order. UUIDs are ROCr's ``GPU-<16 hex digits>``
   (``hip_uuid``, else the ASIC serial from ``amdsmi_get_gpu_asic_info``).
2. ``ROCR_VISIBLE_DEVICES`` (ROCr, applies first): indices or UUID prefixes, case-insensitive; only
   the first as-many-tokens-as-GPUs are read; an invalid, out-of-range, ambiguous or repeated entry
   ends the list; set but empty means no GPU.
3. ``HIP_VISIBLE_DEVICES``, or ``CUDA_VISIBLE_DEVICES`` when the former is unset or empty (HIP reads
   the second only then): indices into what ROCr left, or ``GPU-...`` UUIDs; an invalid or
   out-of-range entry ends the list, a repeated one is skipped; empty means no filtering.
   ``GPU_DEVICE_ORDINAL`` only applies to OpenCL in current ROCm and is ignored.

A partitioned GPU (MI300 in CPX/DPX modes) appears as several GPUs; socket energy and power belong to
the whole GPU and are read on partition 0 only, so other partitions are reported, not measured.

amdsmi is initialised when :func:`discover` runs, never at import; its errors are translated here, in
one place (:func:`_problem`), into :class:`GpuProblem` entries that say what to do.

Sources: amdsmi Python interface 5.7.0-7.0.2 (PyPI sdists: ``amdsmi_get_energy_count``,
``amdsmi_get_power_info``, ``amdsmi_get_gpu_asic_info``, ``amdsmi_get_gpu_enumeration_info``,
``amdsmi_get_gpu_kfd_info``); amdsmi_power_info_t reference (W on Linux, unsupported = UINT32_MAX),
https://rocm.docs.amd.com/projects/amdsmi/en/docs-7.1.1/doxygen/docBin/html/structamdsmi__power__info__t.html;
amdsmi_get_energy_count reference,
https://rocm.docs.amd.com/projects/amdsmi/en/latest/doxygen/docBin/html/group__tagPowerQuery.html;
counter widths: Linux amdgpu ``*_get_gpu_metrics`` (aldebaran_ppt.c, smu_v13_0_6_ppt.c,
smu_v13_0_7_ppt.c, smu_v14_0_2_ppt.c, smu11 driver_if headers); visibility: ROCm "GPU isolation
techniques" and "HIP environment variables" pages, ROCr ``amd_filter_device.cpp`` (RvdFilter) and
CLR ``rocdevice.cpp`` (``Device::init``).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from .nvml import GpuProblem

#: A 32-bit firmware energy counter wraps at this many units.
COUNTER_32: Final = 1 << 32

#: Values amdsmi and amdgpu use for "not available" (uint16/uint32/uint64 maxima).
UNAVAILABLE: Final = frozenset({0xFFFF, 0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF})

#: Power fields of ``amdsmi_get_power_info``, best first (all W on Linux).
POWER_KEYS: Final = ("current_socket_power", "socket_power", "average_socket_power")

NOT_INSTALLED: Final = (
    "amdsmi is not installed (it comes with ROCm: `pip install /opt/rocm/share/amd_smi`, "
    "or `pip install amdsmi` at your ROCm version)"
)


class _NoReadingError(ValueError):
    """amdsmi answered, but with nothing usable ("N/A", a marker value, a zero)."""


def _count(value: object) -> float | None:
    """A counter or power value amdsmi returned, or None when it means "not available"."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None  # "N/A", None
    if not math.isfinite(value) or value <= 0 or value in UNAVAILABLE:
        return None
    return value


def _energy_reading(smi: Any, handle: Any) -> tuple[int, float]:
    """(counter units, uJ per unit) from ``amdsmi_get_energy_count``; :class:`_NoReadingError` if unusable."""
    info = smi.amdsmi_get_energy_count(handle)
    raw = info.get("energy_accumulator", info.get("power"))  # "power" before amdsmi 6.3
    units = _count(raw)
    resolution = info.get("counter_resolution")
    if units is None or units != int(units):
        raise _NoReadingError(f"energy counter reads {raw!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, float)):
        raise _NoReadingError(f"counter resolution is {resolution!r}")
    if not math.isfinite(resolution) or resolution <= 0:
        raise _NoReadingError(f"counter resolution is {resolution!r}")
    return int(units), float(resolution)


@dataclass
class AmdCounter:
    """A GPU's accumulated-energy counter as energy since the first read, in J (64-bit: no wrap)."""

    name: str  # "gpu:0"
    model: str  # "AMD Instinct MI300X"
    uuid: str  # "GPU-..." as ROCr shows it
    smi: Any = field(repr=False)
    handle: Any = field(repr=False)
    _last: int | None = field(default=None, repr=False)
    _total_uj: float = field(default=0.0, repr=False)
    _resolution_uj: float = field(default=15.3, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    kind: str = field(default="gpu", init=False)
    method: str = field(default="measured", init=False)
    source: str = field(default="amdsmi accumulated energy counter (amdsmi_get_energy_count)", init=False)

    wraps: ClassVar[bool] = False

    def energy_j(self) -> float:
        """Energy since the first read, in J. A reading amdsmi marks unavailable keeps the total."""
        with self._lock:
            try:
                raw, resolution = _energy_reading(self.smi, self.handle)
            except _NoReadingError:
                return self._total_uj / 1e6
            last = self._last
            if last is not None:
                if raw >= last:
                    self._total_uj += (raw - last) * resolution
                elif self.wraps and last < COUNTER_32 and raw < COUNTER_32:
                    self._total_uj += (COUNTER_32 - last + raw) * resolution  # one 32-bit wrap
                # else: a 64-bit counter went back (driver reload, reset): restart from here
            self._last, self._resolution_uj = raw, resolution
            return self._total_uj / 1e6


@dataclass
class AmdWrappingCounter(AmdCounter):
    """A counter that may be 32-bit wide (first read below 2**32): read at least once per wrap."""

    wraps: ClassVar[bool] = True

    def wrap_seconds(self, power_w: float) -> float:
        """How long a 32-bit counter takes to wrap at ``power_w`` watts."""
        return COUNTER_32 * self._resolution_uj / 1e6 / max(power_w, 1e-9)


@dataclass
class AmdPower:
    """A GPU without a usable energy counter: its socket power, sampled and integrated by the monitor."""

    name: str
    model: str
    uuid: str
    smi: Any = field(repr=False)
    handle: Any = field(repr=False)
    key: str = "current_socket_power"  # the amdsmi_get_power_info field read
    _last_w: float = field(default=0.0, repr=False)

    kind: str = field(default="gpu", init=False)
    method: str = field(default="measured", init=False)  # measured power, integrated over time
    source: str = field(default="", init=False)

    def __post_init__(self) -> None:
        self.source = f"amdsmi socket power ({self.key}, amdsmi_get_power_info) sampled and integrated"

    def power_w(self) -> float:
        """Socket power in W; while amdsmi says "N/A", the last reading."""
        watts = _count(self.smi.amdsmi_get_power_info(self.handle).get(self.key))
        if watts is not None:
            self._last_w = float(watts)
        return self._last_w


def _power_key(smi: Any, handle: Any) -> str:
    info = smi.amdsmi_get_power_info(handle)
    for key in POWER_KEYS:
        if _count(info.get(key)) is not None:
            return key
    shown = ", ".join(f"{k}={info.get(k)!r}" for k in POWER_KEYS if k in info)
    raise _NoReadingError(f"socket power reads {shown or 'nothing'}")


# -- errors, in one place --------------------------------------------------------------------------


def _reason(exc: BaseException) -> str:
    info = getattr(exc, "err_info", None)  # AmdSmiLibraryException: "AMDSMI_STATUS_... - text"
    text = str(info) if info else str(exc)
    return " ".join(text.split()) or type(exc).__name__


def _problem(name: str, what: str, exc: BaseException | None = None, *, model: str = "") -> GpuProblem:
    """The :class:`GpuProblem` for a failure, with what to do about it."""
    reason = "" if exc is None else _reason(exc)
    head = f"{model}: " if model else ""
    if isinstance(exc, _NoReadingError):
        return GpuProblem(name, f"{head}{what}: {reason}")
    if "NO_PERM" in reason or isinstance(exc, PermissionError):
        fix = "permission denied; add the user to the `render` and `video` groups"
    elif "NOT_SUPPORTED" in reason:
        fix = "not supported on this GPU or driver (nor in a virtual machine guest)"
    elif "NOT_INIT" in reason or "INIT_ERROR" in reason or "DRM_ERROR" in reason:
        fix = "is the amdgpu driver loaded? (`lsmod | grep amdgpu`)"
    else:
        fix = ""
    detail = "; ".join(x for x in (reason, fix) if x)
    return GpuProblem(name, f"{head}{what}" + (f" ({detail})" if detail else ""))


def _import() -> tuple[Any, GpuProblem | None]:
    """The amdsmi module, or why it cannot be used. Its loader prints to stdout when libamd_smi.so is
    missing: that text goes into the problem instead."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            amdsmi = importlib.import_module("amdsmi")  # not `import`: amdsmi ships no type stubs
    except ModuleNotFoundError as exc:
        if exc.name in (None, "amdsmi"):
            return None, GpuProblem("gpu", NOT_INSTALLED)
        return None, _problem("gpu", f"amdsmi cannot be imported (missing {exc.name})")
    except Exception as exc:  # KeyError/OSError from its ctypes loader: libamd_smi.so not found
        said = " ".join(printed.getvalue().split()) or _reason(exc)
        return None, GpuProblem(
            "gpu",
            f"amdsmi is installed but cannot load libamd_smi.so ({said}): "
            "set ROCM_PATH to your ROCm directory or add its lib/ to LD_LIBRARY_PATH",
        )
    return amdsmi, None


# -- which GPUs, in the runtimes' numbering ----------------------------------------------------------


@dataclass(frozen=True)
class _Gpu:
    handle: Any
    order: int | None  # hip_id: position in ROCr's (KFD) order
    uuid: str  # "GPU-0123456789ABCDEF", "" when unknown
    model: str
    partition: int  # 0 for a whole GPU or a primary partition


def _optional(smi: Any, fn: str, handle: Any) -> Mapping[str, Any]:
    """An amdsmi query that older versions lack or some GPUs refuse: {} then."""
    try:
        result = getattr(smi, fn)(handle)
    except Exception:
        return {}
    return result if isinstance(result, Mapping) else {}


def _identify(smi: Any, handle: Any) -> _Gpu:
    enum = _optional(smi, "amdsmi_get_gpu_enumeration_info", handle)
    asic = _optional(smi, "amdsmi_get_gpu_asic_info", handle)
    kfd = _optional(smi, "amdsmi_get_gpu_kfd_info", handle)
    hip_id = enum.get("hip_id")
    order = hip_id if isinstance(hip_id, int) and not isinstance(hip_id, bool) else None
    uuid = ""
    hip_uuid = enum.get("hip_uuid")
    if isinstance(hip_uuid, str) and hip_uuid.upper().startswith("GPU-") and len(hip_uuid) > 4:
        uuid = "GPU-" + hip_uuid[4:].upper()
    else:
        serial = asic.get("asic_serial")
        with contextlib.suppress(TypeError, ValueError):
            number = int(str(serial), 16)
            if number:
                uuid = f"GPU-{number:016X}"
    name = asic.get("market_name")
    model = name.strip() if isinstance(name, str) and name.strip() not in ("", "N/A") else "AMD GPU"
    part = kfd.get("current_partition_id")
    partition = part if isinstance(part, int) and not isinstance(part, bool) else 0
    return _Gpu(handle, order, uuid, model, partition)


def _tokens(raw: str) -> list[str]:
    """Comma-separated entries as the C++ loops see them: a trailing comma adds no entry."""
    items = raw.split(",")
    return items[:-1] if raw.endswith(",") else items


_STRTOL0 = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def _strtol0(token: str) -> int:
    """``strtol(token, &end, 0)`` over the whole token (hex, octal or decimal), or -1."""
    m = _STRTOL0.fullmatch(token)
    if m is None:
        return -1
    sign, digits = m.groups()
    base = 16 if digits[:2].lower() == "0x" else 8 if digits.startswith("0") else 10
    value = int(digits, base)
    return -value if sign == "-" else value


def _rocr(raw: str, uuids: Sequence[str]) -> list[int]:
    """Indices (into ``uuids``) that ``ROCR_VISIBLE_DEVICES=raw`` exposes, in its order."""
    out: list[int] = []
    for token in (t.strip().upper() for t in _tokens(raw)[: len(uuids)]):
        if token.startswith("G"):
            match = [i for i, u in enumerate(uuids) if u and 5 <= len(token) <= 20 and u.startswith(token)]
            index = match[0] if len(match) == 1 else -1
        else:
            index = _strtol0(token)
        if not 0 <= index < len(uuids) or index in out:
            break  # an invalid, out-of-range or repeated entry ends the list
        out.append(index)
    return out


def _hip(raw: str, uuids: Sequence[str]) -> list[int]:
    """Indices (into ``uuids``, the GPUs ROCr left) that ``HIP_VISIBLE_DEVICES=raw`` selects."""
    out: list[int] = []
    for token in _tokens(raw):
        item = token
        if "GPU-" in token.upper():
            match = [i for i, u in enumerate(uuids) if u and token.upper() in u]
            item = str(match[0]) if match else token  # the first GPU whose UUID contains it
        if not re.fullmatch(r"0|[1-9][0-9]*", item) or int(item) >= len(uuids):
            break  # an invalid or out-of-range entry ends the list
        if int(item) not in out:  # a repeated one is skipped
            out.append(int(item))
    return out


def _visible(gpus: Sequence[_Gpu], env: Mapping[str, str]) -> list[int]:
    """Positions in ``gpus`` (runtime order) of the GPUs a HIP program sees, in its device order."""
    visible = list(range(len(gpus)))
    rocr = env.get("ROCR_VISIBLE_DEVICES")
    if rocr is not None:
        visible = _rocr(rocr, [g.uuid for g in gpus])
    hip = env.get("HIP_VISIBLE_DEVICES") or env.get("CUDA_VISIBLE_DEVICES")
    if hip:
        visible = [visible[j] for j in _hip(hip, [gpus[i].uuid for i in visible])]
    return visible


# -- discovery -------------------------------------------------------------------------------------


def discover(
    env: Mapping[str, str] | None = None,
) -> tuple[list[AmdCounter | AmdPower], list[GpuProblem]]:
    """The visible AMD GPUs with their best energy source, and why any could not be used.

    No ``amdsmi`` or no driver: no GPUs and one problem saying so (a machine without AMD GPUs is the
    common case, not an error)."""
    env = os.environ if env is None else env
    smi, missing = _import()
    if missing is not None:
        return [], [missing]
    try:
        smi.amdsmi_init()
    except Exception as exc:
        return [], [_problem("gpu", "amdsmi cannot start: no AMD GPU driver (amdgpu) here", exc)]
    try:
        gpus = [_identify(smi, h) for h in smi.amdsmi_get_processor_handles()]
    except Exception as exc:
        return [], [_problem("gpu", "amdsmi cannot list the GPUs", exc)]
    if gpus and all(g.order is not None for g in gpus):
        gpus.sort(key=lambda g: g.order if g.order is not None else 0)
    devices: list[AmdCounter | AmdPower] = []
    problems: list[GpuProblem] = []
    for hip_index, i in enumerate(_visible(gpus, env)):
        label, gpu = f"gpu:{hip_index}", gpus[i]
        if gpu.partition:
            problems.append(
                GpuProblem(
                    label,
                    f"{gpu.model}: partition {gpu.partition} of a partitioned GPU; amdsmi reports energy "
                    "for the whole GPU on its partition 0, so this partition is not measured on its own",
                )
            )
            continue
        device = _device(smi, label, gpu, problems)
        if device is not None:
            devices.append(device)
    return devices, problems


def _device(smi: Any, label: str, gpu: _Gpu, problems: list[GpuProblem]) -> AmdCounter | AmdPower | None:
    try:
        units, _ = _energy_reading(smi, gpu.handle)
        cls = AmdWrappingCounter if units < COUNTER_32 else AmdCounter
        counter = cls(label, gpu.model, gpu.uuid, smi, gpu.handle)
        counter.energy_j()  # the first read
        return counter
    except Exception as exc:
        energy_exc: Exception = exc  # no counter: power sampling
    try:
        key = _power_key(smi, gpu.handle)
        meter = AmdPower(label, gpu.model, gpu.uuid, smi, gpu.handle, key)
        meter.power_w()
        return meter
    except Exception as exc:
        if isinstance(energy_exc, _NoReadingError) and isinstance(exc, _NoReadingError):
            what = (
                "reports neither energy nor power (on an MI250/MI250X the second die of each module "
                "reports none: the first one's figure covers both)"
            )
            problems.append(GpuProblem(label, f"{gpu.model}: {what}; {energy_exc}; {exc}"))
        else:
            failed = exc if not isinstance(exc, _NoReadingError) else energy_exc
            problems.append(_problem(label, "neither energy nor power readable", failed, model=gpu.model))
        return None
