"""Which devices a measurement reads, found once per process and per set of overrides.

GPUs: NVIDIA through NVML, then AMD through amdsmi (numbered after the NVIDIA ones). CPU and RAM: RAPL
package and DRAM counters where they can be read, else labelled estimates (CPU TDP x utilisation, a RAM
power model). A vendor library is only imported where its driver is present, so a machine without GPUs
pays nothing for them. What could not be used, and how to fix it, is kept in ``problems``.

The devices and their monitor are shared by every measurement with the same overrides, so nested and
concurrent measurements read the same counters (two reads per window, no thread when every device has a
counter). After ``fork()`` the child finds its devices again.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple, cast

from . import rapl
from .device import Device, EnergyCounter, PowerMeter
from .monitor import Clock, Monitor


class Options(NamedTuple):
    """User overrides of the device models (arguments of ``measure()``): the key of the devices found.

    A NamedTuple (hashable, compared by value): creating the class costs 0.1 ms at the first start, where a
    frozen dataclass costs 0.7 ms (2-vCPU CI machine, 2026-12-08)."""

    cpu_tdp_w: float | None = None
    cpu_power_w: float | None = None
    ram_power_w: float | None = None
    interval_s: float = 1.0
    cpu_scope: str = "machine"  # "machine" (counters, else machine CPU time) or "process"


class Probe:
    """Where devices are looked for (tests point these at temporary trees and fake modules)."""

    def __init__(
        self,
        *,
        powercap: Path = rapl.POWERCAP,
        proc: Path = Path("/proc"),
        env: Mapping[str, str] | None = None,
        nvidia: bool | None = None,  # None: look for the driver
        amd: bool | None = None,
        clock: Clock = time.monotonic,
        threaded: bool = True,
    ) -> None:
        self.powercap = powercap
        self.proc = proc
        self.env = env
        self.nvidia = nvidia
        self.amd = amd
        self.clock = clock
        self.threaded = threaded


class Setup:
    """The devices of a measurement and their monitor."""

    def __init__(
        self, monitor: Monitor, problems: tuple[str, ...], info: Mapping[str, Device] | None = None
    ) -> None:
        self.monitor = monitor
        self.problems = problems
        self.info: Mapping[str, Device] = info if info is not None else {}  # device name -> the device


PROBE = Probe()
_lock = threading.Lock()
_setups: dict[Options, Setup] = {}


def _nvidia_present(probe: Probe) -> bool:
    if probe.nvidia is not None:
        return probe.nvidia
    if sys.platform != "linux":
        return sys.platform == "win32"
    return os.path.exists("/proc/driver/nvidia") or os.path.exists("/usr/lib/wsl/lib/libnvidia-ml.so.1")


def _amd_present(probe: Probe) -> bool:
    if probe.amd is not None:
        return probe.amd
    return sys.platform == "linux" and os.path.exists("/dev/kfd")


def _gpus(probe: Probe, problems: list[str]) -> list[EnergyCounter | PowerMeter]:
    found: list[EnergyCounter | PowerMeter] = []
    env = os.environ if probe.env is None else probe.env
    if _nvidia_present(probe):
        from . import nvml

        nvidia, issues = nvml.discover(env)
        found += nvidia
        problems += (f"{p.name}: {p.reason}" for p in issues)
    if _amd_present(probe):
        from . import amd

        radeon, amd_issues = amd.discover(env)
        for d in radeon:  # AMD GPUs are numbered after the NVIDIA ones
            d.name = f"gpu:{len(found)}"
            found.append(d)
        problems += (f"{p.name}: {p.reason}" for p in amd_issues)
    return found


def build(options: Options, probe: Probe) -> Setup:
    """Find the devices (no cache: see :func:`setup`)."""
    problems: list[str] = []
    devices: list[EnergyCounter | PowerMeter] = _gpus(probe, problems)
    counters, rapl_problems = rapl.discover(probe.powercap)
    has_cpu = any(c.kind == "cpu" for c in counters)
    has_ram = any(c.kind == "ram" for c in counters)
    if options.cpu_power_w is not None or options.cpu_scope == "process":
        # a user-supplied CPU power, or this process's share only: the package counters cannot say that
        counters = [c for c in counters if c.kind != "cpu"]
        has_cpu = False
    if options.ram_power_w is not None:
        counters = [c for c in counters if c.kind != "ram"]
        has_ram = False
    devices += counters
    problems += (p.reason for p in rapl_problems)
    if not (has_cpu and has_ram):
        from . import estimate

        estimated, reasons = estimate.discover(
            need_cpu=not has_cpu,
            need_ram=not has_ram,
            cpu_tdp_w=options.cpu_tdp_w,
            cpu_power_w=options.cpu_power_w,
            ram_power_w=options.ram_power_w,
            cpu_scope="process" if options.cpu_scope == "process" else "auto",
            clock=probe.clock,
            proc=probe.proc,
        )
        devices += estimated
        problems += reasons
    counting = [cast(EnergyCounter, d) for d in devices if hasattr(d, "energy_j")]
    meters = [d for d in devices if not hasattr(d, "energy_j")]
    monitor = Monitor(
        counting, meters, clock=probe.clock, interval_s=options.interval_s, threaded=probe.threaded
    )
    return Setup(monitor, tuple(problems), {d.name: d for d in devices})


def setup(options: Options) -> Setup:
    """The process-wide devices for ``options`` (found on first use)."""
    s = _setups.get(options)
    if s is not None:
        return s
    with _lock:
        s = _setups.get(options)
        if s is None:
            s = _setups[options] = build(options, PROBE)
        return s


def reset() -> None:
    """Forget the devices found (tests; and a forked child, whose parent's handles and thread are gone)."""
    with _lock:
        _setups.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_setups.clear)
