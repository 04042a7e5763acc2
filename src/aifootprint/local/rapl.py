"""CPU package and DRAM energy from Linux RAPL powercap files (``/sys/class/powercap/intel-rapl:*``).

Each zone has a cumulative ``energy_uj`` counter that wraps at ``max_energy_range_uj``. A package zone
(``name`` = ``package-N``) gives ``cpu:N``; its ``dram`` subzone, where the CPU has one, gives ``ram:N``
(DRAM energy is not part of the package's). Core/uncore subzones are inside the package figure and ``psys``
covers the whole platform, so neither is read (that would count twice). AMD CPUs expose their package
counters under the same names on recent kernels.

Reading needs permission: since Linux 5.10 (CVE-2020-8694) ``energy_uj`` is readable by root only. A zone
that cannot be read is reported with the fix, and the CPU falls back to an estimate (labelled as such).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

POWERCAP = Path("/sys/class/powercap")

PERMISSION_FIX = (
    "since Linux 5.10 only root may read RAPL energy counters: run "
    "`sudo chmod a+r /sys/class/powercap/intel-rapl:*/energy_uj "
    "/sys/class/powercap/intel-rapl:*:*/energy_uj` (until reboot) or add a udev rule, or keep the estimate"
)


class RaplCounter:
    """One RAPL zone as a cumulative, wrap-corrected energy counter in joules.

    ``energy_j()`` must be read at least once per wrap period (``max_energy_range_uj`` at full power:
    tens of minutes for a package); the monitor's guard reads see to that for long windows. (Plain classes
    here and in the rest of the package: a dataclass costs a measurement's first start milliseconds.)
    """

    method = "measured"
    model = ""

    def __init__(self, name: str, path: Path, max_range_uj: int) -> None:
        self.name = name  # "cpu:0", "ram:0"
        self.path = path  # the zone directory
        self.max_range_uj = max_range_uj
        self._last: int | None = None
        self._total_uj = 0
        self._lock = threading.Lock()  # windows and the guard thread read concurrently
        self.kind = name.split(":", 1)[0]
        zone = "DRAM" if self.kind == "ram" else "package"
        self.source = f"RAPL {zone} energy counter ({path / 'energy_uj'})"

    def __repr__(self) -> str:
        return f"RaplCounter({self.name!r}, {str(self.path)!r}, {self.max_range_uj})"

    def raw_uj(self) -> int:
        with open(self.path / "energy_uj", "rb") as fh:
            return int(fh.read().strip())

    def energy_j(self) -> float:
        """Energy since the first read, in J, correcting one wrap-around between two reads."""
        with self._lock:  # read and update together: two readers would otherwise see a false wrap
            raw = self.raw_uj()
            last = self._last
            if last is not None:
                delta = raw - last if raw >= last else self.max_range_uj - last + raw
                self._total_uj += delta
            self._last = raw
            return self._total_uj / 1e6

    def wrap_seconds(self, power_w: float) -> float:
        """How long the counter takes to wrap at ``power_w`` watts."""
        return self.max_range_uj / 1e6 / max(power_w, 1e-9)


class RaplProblem:
    """A zone that exists but cannot be used, and what to do about it."""

    __slots__ = ("name", "path", "reason")

    def __init__(self, name: str, path: Path, reason: str) -> None:
        self.name, self.path, self.reason = name, path, reason

    def __repr__(self) -> str:
        return f"RaplProblem({self.name!r}, {self.reason!r})"


def _read_text(path: Path) -> str:
    with open(path, encoding="ascii", errors="replace") as fh:
        return fh.read().strip()


def discover(root: Path = POWERCAP) -> tuple[list[RaplCounter], list[RaplProblem]]:
    """The readable package and DRAM counters under ``root``, and the zones that could not be used."""
    counters: list[RaplCounter] = []
    problems: list[RaplProblem] = []
    try:
        zones = sorted(
            p for p in root.iterdir() if p.name.startswith("intel-rapl:") and p.name.count(":") == 1
        )
    except OSError:
        return counters, problems  # no powercap here (not Linux, a container without /sys): no RAPL
    for zone in zones:
        try:
            name = _read_text(zone / "name")
        except OSError:
            continue
        if not name.startswith("package-"):
            continue  # psys and others: they overlap the packages
        index = name.split("-", 1)[1]
        found = [(f"cpu:{index}", zone)]
        for sub in sorted(zone.glob(f"{zone.name}:*")):
            try:
                if _read_text(sub / "name") == "dram":
                    found.append((f"ram:{index}", sub))
            except OSError:
                continue
        for label, path in found:
            counter = _counter(label, path, problems)
            if counter is not None:
                counters.append(counter)
    return counters, problems


def _counter(label: str, path: Path, problems: list[RaplProblem]) -> RaplCounter | None:
    try:
        max_range = int(_read_text(path / "max_energy_range_uj"))
        counter = RaplCounter(label, path, max_range)
        counter.energy_j()  # the first read: permission and format are checked here
    except PermissionError:
        problems.append(
            RaplProblem(label, path, f"{path / 'energy_uj'}: permission denied; {PERMISSION_FIX}")
        )
        return None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        problems.append(RaplProblem(label, path, f"{path}: unreadable ({reason})"))
        return None
    if max_range <= 0:
        problems.append(RaplProblem(label, path, f"{path}: max_energy_range_uj is {max_range}"))
        return None
    return counter


def readable(root: Path = POWERCAP) -> bool:
    """Whether any package counter can be read (a cheap capability probe)."""
    return os.access(root, os.R_OK) and bool(discover(root)[0])
