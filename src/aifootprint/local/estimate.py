"""Labelled **estimates** of CPU and RAM energy, for machines without a readable RAPL counter.

Both devices are counters (``energy_j()``), so a measurement window costs two reads and no thread.

**CPU** (``CpuEstimate``): ``power = TDP_total x utilisation``, ``TDP_total = TDP per package x packages``.

- TDP per package: the shipped table ``aifootprint/data/cpu_tdp.csv`` (CodeCarbon 3.3.2
  ``data/hardware/cpu_power.csv``, MIT, built by ``scripts/data/build_catalog.py``) looked up by the CPU brand
  string. A brand that names no model (empty, ``x86_64``, Windows' ``Intel64 Family 6 Model 85 ...``) gets
  CodeCarbon's default of 85 W per package (``codecarbon/external/hardware.py`` ``POWER_CONSTANT``); a
  model that is not in the table gets ``threads x 4 W`` for the whole machine (``codecarbon/core/cpu.py``
  ``DEFAULT_POWER_PER_CORE``, applied by ``TDP._main`` to ``count_cpus()``). Figures collected in
  ``shared/reference-data/hardware_power_defaults.csv``.
- Utilisation as a cumulative counter. On Linux the machine's busy time from ``/proc/stat`` (first line,
  USER_HZ ticks; busy = user + nice + system + irq + softirq; idle, iowait and steal are not busy, and guest /
  guest_nice are already inside user / nice: ``proc_stat(5)``, https://man7.org/linux/man-pages/man5/proc_stat.5.html):
  ``energy = TDP_total x busy_cpu_seconds / logical_cpus``. Elsewhere the process's own CPU time
  (``os.times()``: user + system + children's user + system) over ``os.cpu_count()``; ``source`` says which.
  The figure never exceeds ``TDP_total`` (``max_power_w``); CodeCarbon's process mode can (its
  ``_get_power_from_cpu_load`` divides by ``count_cpus()`` but not by wall time per CPU).
- Range (``bounds``): with ``u = energy / (TDP_total x duration)``, between the linear model (the figure) and
  Boavizta's CPU load curve, TDP ratios 0.12 / 0.32 / 0.75 / 1.02 at 0 / 10 / 50 / 100 % load
  (BoaviztAPI 2.5.0 ``consumption_profile.py`` ``_TDP_RATIOS``), interpolated linearly, both capped at TDP.

**RAM** (``RamEstimate``): constant power from the installed memory (``SC_PHYS_PAGES x SC_PAGE_SIZE``, GiB as
CodeCarbon's ``B_TO_GB = 1024**3``), energy = power x elapsed time on the clock.

- Central: CodeCarbon v3 (``codecarbon/external/ram.py`` ``_estimate_dimm_count`` / ``_calculate_ram_power``):
  DIMM count from the size (1 if <= 2 GiB; 2 if <= 16; 4 if <= 64; 8 if <= 128; above, size / the largest of
  4..128 GiB that is <= size / 8, rounded up, at most 32), 5 W per DIMM on x86 and 1.5 W on ARM, DIMMs 5-8
  counted at 0.9, 9-16 at 0.8, 17+ at 0.7, at least 2 DIMMs' worth (10 W x86, 3 W ARM).
- Range: min and max of that, CodeCarbon v2's 0.375 W/GiB (3 W per 8 GB, Crucial,
  https://www.crucial.com/support/articles-faq-memory/how-much-power-does-memory-use), and Boavizta's DIMM
  model on the same DIMM layout: ``3.0 W + 0.055 W/GB`` per DIMM at full load, 0.7 of that when idle
  (BoaviztAPI 2.5.0 ``consumption_profile.py``; GreenDIMM, MICRO 2021).

Overrides: ``tdp_w=`` (per package) replaces the table; ``power_w=`` makes a constant-power device.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .device import EnergyCounter as Counter


Clock = Callable[[], float]

PROC: Path = Path("/proc")

#: CodeCarbon 3.3.2: TDP assumed for a CPU whose model is unknown (W per package).
DEFAULT_TDP_W = 85.0
#: CodeCarbon 3.3.2: W per logical CPU when the model is known but not in the table (whole machine).
POWER_PER_THREAD_W = 4.0
#: BoaviztAPI 2.5.0 CPU load curve: (load fraction, power / TDP).
LOAD_CURVE: tuple[tuple[float, float], ...] = ((0.0, 0.12), (0.1, 0.32), (0.5, 0.75), (1.0, 1.02))

#: What the short codes in cpu_tdp.csv's ``source`` column stand for (scripts/data/build_catalog.py).
TDP_SOURCES = {
    "cc": "CodeCarbon 3.3.2 cpu_power.csv, MIT",
    "cc-max": "CodeCarbon 3.3.2 cpu_power.csv, MIT; largest of its rows for this name",
}

# RAM models (see the module docstring for sources).
RAM_W_PER_DIMM_X86 = 5.0
RAM_W_PER_DIMM_ARM = 1.5
RAM_W_PER_GIB_LEGACY = 0.375
BOAVIZTA_DIMM_BASE_W = 3.0
BOAVIZTA_DIMM_W_PER_GB = 0.055
BOAVIZTA_IDLE_RATIO = 0.7

_GIB = 1024**3


# ---------------------------------------------------------------------------------------------- CPU model


class CpuInfo(NamedTuple):
    brand: str  # "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz"; "" when unknown
    sockets: int  # packages
    threads: int  # logical CPUs


def cpu_info(proc: Path = PROC) -> CpuInfo:
    """The CPU brand, package count and logical CPU count (``/proc/cpuinfo``; ``platform.processor()`` and
    ``os.cpu_count()`` where there is none)."""
    try:
        text = (proc / "cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    brand = ""
    packages: set[str] = set()
    threads = 0
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip()
        if key == "processor":
            threads += 1
        elif key == "model name" and not brand:
            brand = value.strip()
        elif key == "physical id":
            packages.add(value.strip())
    if not brand:
        import platform  # only here: platform.processor() may run `uname -p`

        brand = platform.processor().strip()
    return CpuInfo(brand, max(len(packages), 1), threads or os.cpu_count() or 1)


_TRADEMARKS = ("(R)", "(r)", "(TM)", "(tm)", "\u00ae", "\u2122", "\u200b", "\u00a0")
_DROP_TOKENS = frozenset({"cpu", "processor", "six-core", "eight-core", "twelve-core", "sixteen-core"})
_ARCH_ONLY = frozenset(
    {"x86_64", "amd64", "i386", "i686", "x86", "arm", "arm64", "aarch64", "armv7l", "ppc64le", "s390x"}
)


def normalise_cpu_name(brand: str) -> str:
    """A CPU brand string in the table's form: no trademarks, frequency, ``CPU``, ``Processor``, core count.

    ``"Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz"`` -> ``"Intel Xeon Gold 6230"``;
    ``"AMD EPYC 7763 64-Core Processor"`` -> ``"AMD EPYC 7763"``. String operations only (no regular
    expression to compile: this runs once per measurement start).
    """
    s = brand
    for mark in _TRADEMARKS:
        s = s.replace(mark, " ")
    s = s.replace("(OEM Only)", " ")
    s = s.split(" @", 1)[0]  # "@ 2.10GHz"
    for graphics in (" with Radeon", " w/ Radeon"):  # "AMD Ryzen 7 5800H with Radeon Graphics"
        s = s.split(graphics, 1)[0]
    tokens = s.replace(" -", "-").split()  # "AMD FX(tm)-8350" -> "AMD FX -8350" -> "AMD FX-8350"
    if len(tokens) > 2 and tokens[1] == "Gen" and tokens[2] == "Intel" and tokens[0][:-2].isdigit():
        del tokens[:2]  # "13th Gen Intel(R) Core(TM) i7-1365U"
    if len(tokens) > 1 and tokens[0] in ("Dual-Core", "Quad-Core") and tokens[1] == "AMD":
        del tokens[0]  # "Quad-Core AMD Opteron(tm) Processor 2378"
    kept = [t for t in tokens if t.lower() not in _DROP_TOKENS and not _is_core_count(t)]
    if len(kept) > 1 and kept[-1] == "0":
        kept.pop()  # Sandy Bridge Xeons: "Intel(R) Xeon(R) CPU E5-2680 0 @ 2.70GHz"
    return " ".join(kept)


def _is_core_count(token: str) -> bool:
    """``64-Core``, ``64-Cores``."""
    head, sep, tail = token.partition("-")
    return bool(sep) and head.isdigit() and tail.lower() in ("core", "cores")


def names_a_model(brand: str) -> bool:
    """Whether a brand string names a CPU model (not an architecture or a Windows family/model code)."""
    s = brand.strip()
    if not s or s.lower() in _ARCH_ONLY:
        return False
    words = set(s.lower().replace(",", " ").split())
    windows_code = {"family", "model", "stepping"} <= words  # "Intel64 Family 6 Model 85 Stepping 7, ..."
    return not windows_code


class TdpMatch(NamedTuple):
    tdp_w: float  # per package
    source: str
    name: str  # the table's name


@functools.cache
def _table() -> tuple[str, str]:
    """cpu_tdp.csv as text, and its lower-case copy (read once, never parsed as a whole)."""
    path = Path(__file__).resolve().parent.parent / "data" / "cpu_tdp.csv"
    try:
        text = "\n" + path.read_text(encoding="utf-8")
    except OSError:  # installed as a zip: go through importlib.resources
        from importlib import resources

        text = "\n" + resources.files("aifootprint.data").joinpath("cpu_tdp.csv").read_text(encoding="utf-8")
    return text, text.lower()


def _row(text: str, start: int) -> tuple[str, float, str]:
    end = text.find("\n", start)
    line = text[start : end if end >= 0 else len(text)]
    name, tdp, code = line.rsplit(",", 2)
    return name.strip('"'), float(tdp), code


def _lookup(key: str) -> TdpMatch | None:
    text, lower = _table()
    for pattern in (f"\n{key},", f'\n"{key}",'):
        i = lower.find(pattern)
        if i >= 0:
            name, tdp, code = _row(text, i + 1)
            return TdpMatch(tdp, TDP_SOURCES.get(code, code), name)
    # Power variants of one model ("Intel Core 2 Quad Q6600 (95W)" / "(105W)"): the largest.
    best: TdpMatch | None = None
    prefix = f"\n{key} ("
    i = lower.find(prefix)
    while i >= 0:
        name, tdp, code = _row(text, i + 1)
        if _is_power_variant(name[len(key) + 2 :]) and (best is None or tdp > best.tdp_w):
            best = TdpMatch(tdp, TDP_SOURCES.get(code, code) + "; largest of its power variants", name)
        i = lower.find(prefix, i + 1)
    return best


def _is_power_variant(rest: str) -> bool:
    """``95W)``, ``32.5W)``."""
    return rest.endswith("W)") and rest[:-2].replace(".", "", 1).isdigit()


def cpu_tdp(brand: str) -> TdpMatch | None:
    """The TDP (W per package) of the CPU a brand string names, from the shipped table, or None.

    Exact model matches only (case-insensitive, after ``normalise_cpu_name``; then without a trailing ``APU``
    or a leading ``AMD``, which some AMD rows lack): ``i7-1070`` never matches ``i7-10700K``, nor
    ``Apple M1 Pro`` ``Apple M1``.
    """
    key = normalise_cpu_name(brand).lower()
    if not any(c.isdigit() for c in key):
        return None  # a family ("Intel Xeon"), not a model
    candidates = [key]
    if key.endswith(" apu"):  # "AMD A4-5000 APU with Radeon(TM) HD Graphics": the table says "AMD A4-5000"
        candidates.append(key[:-4])
    if key.startswith("amd "):
        candidates += [k[4:] for k in candidates]
    for k in candidates:
        found = _lookup(k)
        if found is not None:
            return found
    return None


def load_curve(u: float) -> float:
    """Boavizta's power / TDP at load fraction ``u`` (piecewise-linear between its four points)."""
    u = min(max(u, 0.0), 1.0)
    for (u0, r0), (u1, r1) in itertools.pairwise(LOAD_CURVE):
        if u <= u1:
            return r0 + (r1 - r0) * (u - u0) / (u1 - u0)
    return LOAD_CURVE[-1][1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class _ProcStat:
    """Machine-wide busy CPU seconds from /proc/stat."""

    def __init__(self, path: Path) -> None:
        self.path = path
        text = path.read_text(encoding="ascii", errors="replace")
        self.cpus = sum(1 for line in text.splitlines() if line[:3] == "cpu" and line[3:4].isdigit())
        self.hz = float(os.sysconf("SC_CLK_TCK")) if hasattr(os, "sysconf") else 100.0
        self._parse(text.partition("\n")[0])  # the format is checked here
        if self.cpus <= 0 or self.hz <= 0:
            raise ValueError(f"{path}: no per-CPU lines")

    def _parse(self, line: str) -> float:
        fields = line.split()
        if not fields or fields[0] != "cpu" or len(fields) < 8:
            raise ValueError(f"{self.path}: unexpected first line {line[:60]!r}")
        user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[1:8])
        return (user + nice + system + irq + softirq) / self.hz

    def busy_s(self) -> float:
        with open(self.path, "rb") as fh:
            return self._parse(fh.readline().decode("ascii", "replace"))


def _process_cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class CpuEstimate:
    """CPU energy estimated from TDP and cumulative CPU time (a counter, labelled "estimated")."""

    def __init__(
        self,
        info: CpuInfo,
        *,
        tdp_w: float | None = None,
        proc: Path = PROC,
        scope: str = "auto",
    ) -> None:
        """``tdp_w``: per-package TDP replacing the table. ``scope``: ``"auto"`` (machine-wide from
        ``/proc/stat`` where it can be read, else this process), ``"machine"`` or ``"process"``."""
        self.name, self.kind, self.method = "cpu", "cpu", "estimated"
        self.model = info.brand
        self.notes: list[str] = []  # fallbacks taken, for the caller's problem list
        packages = _plural(info.sockets, "package")
        if tdp_w is not None:
            if not (math.isfinite(tdp_w) and tdp_w > 0):
                raise ValueError(f"tdp_w must be a positive number of watts, not {tdp_w!r}")
            self.tdp_total_w = tdp_w * info.sockets
            model = f"TDP {tdp_w:g} W x {packages} (user-supplied TDP)"
        elif not names_a_model(info.brand):
            self.tdp_total_w = DEFAULT_TDP_W * info.sockets
            model = f"TDP {DEFAULT_TDP_W:g} W x {packages} (CodeCarbon default for an unknown CPU, MIT)"
            self.notes.append(
                f"cpu: model unknown ({info.brand or 'no brand string'}); assuming "
                f"{DEFAULT_TDP_W:g} W TDP per package (set it with cpu_tdp_w= or --cpu-tdp-w)"
            )
        else:
            match = cpu_tdp(info.brand)
            if match is not None:
                self.tdp_total_w = match.tdp_w * info.sockets
                model = f"TDP {match.tdp_w:g} W x {packages} ({match.name!r} in {match.source})"
            else:
                self.tdp_total_w = POWER_PER_THREAD_W * info.threads
                model = (
                    f"TDP {self.tdp_total_w:g} W = {_plural(info.threads, 'thread')} x "
                    f"{POWER_PER_THREAD_W:g} W (CodeCarbon fallback, MIT: model not in its cpu_power.csv)"
                )
                self.notes.append(
                    f"cpu: {info.brand!r} is not in the CPU TDP table; assuming {POWER_PER_THREAD_W:g} W x "
                    f"{_plural(info.threads, 'thread')} = {self.tdp_total_w:g} W "
                    "(set it with cpu_tdp_w= or --cpu-tdp-w)"
                )
        self.max_power_w: float | None = self.tdp_total_w

        self._stat: _ProcStat | None = None
        if scope not in ("auto", "machine", "process"):
            raise ValueError(f"scope must be 'auto', 'machine' or 'process', not {scope!r}")
        if scope != "process":
            try:
                self._stat = _ProcStat(proc / "stat")
            except (OSError, ValueError) as exc:
                if scope == "machine":
                    raise
                if (proc / "cpuinfo").exists():  # a Linux whose /proc/stat cannot be used: say so
                    self.notes.append(f"cpu: {exc}; using this process's CPU time instead")
        if self._stat is not None:
            self.cpus = self._stat.cpus
            self._read: Callable[[], float] = self._stat.busy_s
            usage = "machine CPU utilisation (/proc/stat busy time)"
        else:
            self.cpus = os.cpu_count() or 1
            self._read = _process_cpu_s
            usage = f"this process's CPU time / {_plural(self.cpus, 'logical CPU')} (os.times)"
        self.scope = "machine" if self._stat is not None else "process"
        self.source = f"{model} x {usage}"
        self._base: float | None = None
        self._last = 0.0

    def energy_j(self) -> float:
        """Energy since the first read, in J: TDP_total x busy CPU-seconds / logical CPUs."""
        try:
            busy = self._read()
        except (OSError, ValueError):  # a read failing mid-run: keep the last figure
            busy = self._last
            if self._base is None:
                return 0.0
        if self._base is None:
            self._base = busy
        self._last = busy
        return self.tdp_total_w * max(busy - self._base, 0.0) / self.cpus

    def bounds(self, energy_j: float, duration_s: float) -> tuple[float, float]:
        """Between the linear model and Boavizta's load curve at the same mean utilisation, capped at TDP."""
        full = self.tdp_total_w * duration_s
        if not full > 0:
            return energy_j, energy_j
        linear = min(max(energy_j, 0.0), full)
        curve = min(load_curve(linear / full), 1.0) * full
        return min(linear, curve), max(linear, curve)


# ---------------------------------------------------------------------------------------------- RAM model


def ram_bytes() -> int | None:
    """Installed memory in bytes (``SC_PHYS_PAGES x SC_PAGE_SIZE``), or None where the OS does not say."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    return pages * size if pages > 0 and size > 0 else None


def dimm_count(total_gib: float) -> int:
    """CodeCarbon v3's guess of the number of DIMMs from the memory size."""
    if total_gib <= 2:
        return 1
    if total_gib <= 16:
        return 2
    if total_gib <= 64:
        return 4
    if total_gib <= 128:
        return 8
    for size in (128, 64, 32, 16, 8, 4):
        if size <= total_gib / 8:
            return min(math.ceil(total_gib / size), 32)
    return 8  # unreachable above 128 GiB; kept for symmetry with CodeCarbon


def ram_power_codecarbon(total_gib: float, *, arm: bool = False) -> float:
    """CodeCarbon v3 RAM power (W): per-DIMM power with decreasing marginal power, at least 2 DIMMs."""
    per = RAM_W_PER_DIMM_ARM if arm else RAM_W_PER_DIMM_X86
    n = dimm_count(total_gib)
    weighted = min(n, 4) + 0.9 * min(max(n - 4, 0), 4) + 0.8 * min(max(n - 8, 0), 8) + 0.7 * max(n - 16, 0)
    return max(2 * per, per * weighted)


class RamPower(NamedTuple):
    power_w: float  # central: CodeCarbon v3
    low_w: float
    high_w: float
    dimms: int
    models: dict[str, float]  # every model's figure, for explanations


def ram_power(total_gib: float, *, arm: bool = False) -> RamPower:
    """Central RAM power and its range over CodeCarbon v3, CodeCarbon v2 and Boavizta (idle..full load)."""
    n = dimm_count(total_gib)
    boavizta_full = n * BOAVIZTA_DIMM_BASE_W + BOAVIZTA_DIMM_W_PER_GB * total_gib
    models = {
        "codecarbon_v3": ram_power_codecarbon(total_gib, arm=arm),
        "codecarbon_v2": RAM_W_PER_GIB_LEGACY * total_gib,
        "boavizta_idle": BOAVIZTA_IDLE_RATIO * boavizta_full,
        "boavizta_full": boavizta_full,
    }
    values = models.values()
    return RamPower(models["codecarbon_v3"], min(values), max(values), n, models)


def _is_arm() -> bool:
    machine = os.uname().machine if hasattr(os, "uname") else ""
    if not machine:
        import platform

        machine = platform.machine()
    return machine.lower().startswith(("arm", "aarch"))


class ConstantPower:
    """A device drawing constant power, as a counter: energy = power x time elapsed since the first read."""

    def __init__(
        self,
        name: str,
        kind: str,
        power_w: float,
        *,
        source: str,
        model: str = "",
        low_w: float | None = None,
        high_w: float | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        if not (math.isfinite(power_w) and power_w >= 0):
            raise ValueError(f"power_w must be a non-negative number of watts, not {power_w!r}")
        self.name, self.kind, self.method = name, kind, "estimated"
        self.model, self.source = model, source
        self.power = float(power_w)
        self.max_power_w: float | None = max(self.power, high_w or 0.0)
        self._low, self._high = low_w, high_w
        self._clock = clock
        self._t0: float | None = None

    def energy_j(self) -> float:
        t = self._clock()
        if self._t0 is None:
            self._t0 = t
        return self.power * max(t - self._t0, 0.0)

    def bounds(self, energy_j: float, duration_s: float) -> tuple[float, float]:
        if self._low is None or self._high is None or not self.power > 0:
            return energy_j, energy_j
        return energy_j * self._low / self.power, energy_j * self._high / self.power


class RamEstimate(ConstantPower):
    """RAM energy at a constant power estimated from the installed memory size (labelled "estimated")."""

    def __init__(
        self,
        total_bytes: int | None,
        *,
        power_w: float | None = None,
        arm: bool | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        gib = total_bytes / _GIB if total_bytes else None
        size = f"{gib:.3g} GiB RAM" if gib is not None else "RAM"
        if power_w is not None:
            super().__init__(
                "ram",
                "ram",
                power_w,
                source=f"user-supplied {power_w:g} W (constant)",
                model=size,
                clock=clock,
            )
            return
        if gib is None:
            raise ValueError("the installed RAM size is unknown: pass power_w")
        arm = _is_arm() if arm is None else arm
        p = ram_power(gib, arm=arm)
        per = RAM_W_PER_DIMM_ARM if arm else RAM_W_PER_DIMM_X86
        source = (
            f"{size} ~ {_plural(p.dimms, 'DIMM')} x {per:g} W ({'ARM' if arm else 'x86'}; "
            f"CodeCarbon v3 DIMM model, MIT) = {p.power_w:.3g} W constant; "
            f"range {p.low_w:.3g}-{p.high_w:.3g} W over CodeCarbon v2 0.375 W/GB "
            "and Boavizta 3 W + 0.055 W/GB per DIMM, idle x0.7"
        )
        super().__init__(
            "ram", "ram", p.power_w, source=source, model=size, low_w=p.low_w, high_w=p.high_w, clock=clock
        )
        self.max_power_w = p.high_w
        self.models = p.models


# ---------------------------------------------------------------------------------------------- discovery


_cpu_info_once = functools.cache(
    cpu_info
)  # /proc/cpuinfo is slow to generate on large machines: read it once


def discover(
    *,
    need_cpu: bool,
    need_ram: bool,
    cpu_tdp_w: float | None = None,
    cpu_power_w: float | None = None,
    ram_power_w: float | None = None,
    cpu_scope: str = "auto",
    clock: Clock = time.monotonic,
    proc: Path = PROC,
) -> tuple[list[Counter], list[str]]:
    """Estimated ``cpu`` and ``ram`` devices (counters), and lines saying which fallbacks were taken or why a
    device is missing. ``cpu_power_w`` / ``ram_power_w``: constant power, replacing the models;
    ``cpu_scope``: see :class:`CpuEstimate`."""
    devices: list[Counter] = []
    problems: list[str] = []
    if need_cpu:
        info = _cpu_info_once(proc)
        if cpu_power_w is not None:
            source = f"user-supplied {cpu_power_w:g} W (constant)"
            devices.append(
                ConstantPower("cpu", "cpu", cpu_power_w, source=source, model=info.brand, clock=clock)
            )
        else:
            cpu = CpuEstimate(info, tdp_w=cpu_tdp_w, proc=proc, scope=cpu_scope)
            devices.append(cpu)
            problems.extend(cpu.notes)
    if need_ram:
        size = ram_bytes()
        if ram_power_w is None and size is None:
            problems.append(
                "ram: the installed memory size is unknown here (os.sysconf SC_PHYS_PAGES); no RAM estimate "
                "(pass ram_power_w= to set one)"
            )
        else:
            devices.append(RamEstimate(size, power_w=ram_power_w, clock=clock))
    return devices, problems
