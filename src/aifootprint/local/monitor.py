"""Measurement windows over energy devices: counters read at the start and end of each window.

Devices are of two kinds. **Counters** (``energy_j()``: NVML total energy, RAPL) are read when a window
opens and closes, and a window's energy is the difference, so any number of nested or concurrent windows
cost two reads each and no thread. **Power meters** (``power_w()``: GPUs without a counter, models of CPU
and RAM power) are turned into counters by integrating samples (trapezoid rule) taken by one sampler
thread, which runs only while a window is open. RAPL counters wrap (every few minutes to hours): while a
window is open the same thread reads them often enough to see every wrap, at a period derived from their
range, not every second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import cast

from .device import EnergyCounter, PowerMeter, WrappingCounter

Clock = Callable[[], float]

#: Power assumed when deciding how often a wrapping counter must be read (a generous CPU package).
MAX_WRAP_POWER_W = 500.0

#: Relative uncertainty given to a measured figure (NVML, RAPL, amdsmi) when the device says nothing better:
#: NVML documents its power readings as accurate to +/- 5 % (methodology section 15).
MEASURED_UNCERTAINTY = 0.05


def bounds_of(device: object, energy_j: float, duration_s: float) -> tuple[float, float]:
    """The (low, high) range of ``energy_j`` measured by ``device`` over ``duration_s``."""
    fn = getattr(device, "bounds", None)
    if fn is not None:
        low, high = fn(energy_j, duration_s)
        return min(float(low), energy_j), max(float(high), energy_j)
    if getattr(device, "method", "") == "measured":
        return energy_j * (1 - MEASURED_UNCERTAINTY), energy_j * (1 + MEASURED_UNCERTAINTY)
    return energy_j, energy_j


class Integrated:
    """A power meter seen as a counter: energy integrated over its samples (trapezoid rule)."""

    def __init__(self, meter: PowerMeter, clock: Clock) -> None:
        self.meter = meter
        self.name, self.kind, self.method = meter.name, meter.kind, meter.method
        self.model: str = getattr(meter, "model", "")
        self.source: str = getattr(meter, "source", "")
        self.max_power_w: float | None = getattr(meter, "max_power_w", None)
        self._clock = clock
        self._lock = threading.Lock()
        self._t = clock()
        self._p = meter.power_w()
        self._total = 0.0

    def sample(self) -> None:
        with self._lock:
            t, p = self._clock(), self.meter.power_w()
            self._total += 0.5 * (p + self._p) * max(t - self._t, 0.0)
            self._t, self._p = t, p

    def energy_j(self) -> float:
        self.sample()  # a read is a sample too: windows end exactly when they end
        return self._total

    def bounds(self, energy_j: float, duration_s: float) -> tuple[float, float]:
        return bounds_of(self.meter, energy_j, duration_s)


class Reading:
    """Energy of each device over one window (J) with its range, the window's duration (s), and how each
    figure was obtained ("measured" or "estimated")."""

    __slots__ = ("duration_s", "energy_j", "high_j", "low_j", "method")

    def __init__(
        self,
        duration_s: float,
        energy_j: dict[str, float],
        method: dict[str, str],
        low_j: dict[str, float],
        high_j: dict[str, float],
    ) -> None:
        self.duration_s = duration_s
        self.energy_j = energy_j
        self.method = method
        self.low_j = low_j
        self.high_j = high_j

    def __repr__(self) -> str:
        return f"Reading({self.duration_s:.6g} s, {self.energy_j!r}, {self.method!r})"


class Window:
    __slots__ = ("start", "t0")

    def __init__(self, t0: float, start: dict[str, float]) -> None:
        self.t0 = t0
        self.start = start


class Monitor:
    """Opens and closes measurement windows over a fixed set of devices."""

    def __init__(
        self,
        counters: Sequence[EnergyCounter] = (),
        meters: Sequence[PowerMeter] = (),
        *,
        clock: Clock = time.monotonic,
        interval_s: float = 1.0,
        threaded: bool = True,
    ) -> None:
        self._clock = clock
        self.interval_s = interval_s
        self._integrated = [Integrated(m, clock) for m in meters]
        self.devices: list[EnergyCounter] = [*counters, *self._integrated]
        wrapping = [cast(WrappingCounter, c) for c in counters if hasattr(c, "wrap_seconds")]
        self._wrapping = wrapping
        guard = min((c.wrap_seconds(MAX_WRAP_POWER_W) / 4 for c in wrapping), default=None)
        self._guard_s = guard
        self._threaded = threaded
        self._open = 0
        self._last: dict[str, float] = {}
        self.failed: set[str] = set()  # devices that stopped answering
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def needs_thread(self) -> bool:
        """Whether open windows need the sampler thread (power meters or wrapping counters)."""
        return bool(self._integrated or self._wrapping)

    @property
    def period_s(self) -> float | None:
        """How often the sampler thread wakes (None: no thread at all): the sampling interval of power
        meters, and never longer than the guard period of wrapping counters."""
        periods = [self.interval_s] if self._integrated else []
        if self._guard_s is not None:
            periods.append(self._guard_s)
        return min(periods, default=None)

    def _energy(self, d: EnergyCounter) -> float:
        """A device's counter; a device that fails (a GPU lost, a file gone) keeps its last value, and the
        failure is logged once: a measurement never raises into the measured work because of a device."""
        try:
            e = d.energy_j()
        except Exception:
            from .._log import log_once

            log_once(
                ("device", d.name),
                "aifootprint: %s could not be read; its energy stops here",
                d.name,
                exc_info=True,
            )
            self.failed.add(d.name)
            return self._last.get(d.name, 0.0)
        self._last[d.name] = e
        if self.failed:
            self.failed.discard(d.name)  # answering again
        return e

    def begin(self) -> Window:
        with self._lock:
            self._open += 1
            if self._open == 1 and self._threaded and self.needs_thread:
                self._start_thread()
        return Window(self._clock(), {d.name: self._energy(d) for d in self.devices})

    def read(self, window: Window) -> Reading:
        """The window's figures so far, leaving it open (a training forecast reads this each epoch)."""
        duration = max(self._clock() - window.t0, 0.0)
        energy: dict[str, float] = {}
        low: dict[str, float] = {}
        high: dict[str, float] = {}
        for d in self.devices:
            e = max(self._energy(d) - window.start[d.name], 0.0)
            cap = getattr(d, "max_power_w", None)
            if cap is not None:
                e = min(e, cap * duration)
            energy[d.name] = e
            low[d.name], high[d.name] = bounds_of(d, e, duration)
        return Reading(duration, energy, {d.name: d.method for d in self.devices}, low, high)

    def end(self, window: Window) -> Reading:
        try:
            return self.read(window)
        finally:
            with self._lock:
                self._open -= 1
                if self._open == 0:
                    self._stop_thread()

    def tick(self) -> None:
        """One sampler step: sample power meters, and read wrapping counters (the thread calls this)."""
        for d in self._integrated:
            d.sample()
        for c in self._wrapping:
            self._energy(c)

    # -- the sampler thread ----------------------------------------------------------------------------
    def _start_thread(self) -> None:
        period = self.period_s
        if period is None:
            return
        self._stop.clear()
        t = threading.Thread(target=self._run, args=(period,), name="aifootprint-sampler", daemon=True)
        self._thread = t
        t.start()

    def _stop_thread(self) -> None:
        t = self._thread
        if t is None:
            return
        self._stop.set()
        if t is not threading.current_thread():
            t.join(timeout=5.0)
        self._thread = None

    def _run(self, period: float) -> None:
        while not self._stop.wait(period):
            try:
                self.tick()
            except Exception:  # a device failing mid-run: the window keeps what it has
                from .._log import log_once

                log_once(("sampler",), "aifootprint: a device could not be sampled", exc_info=True)
