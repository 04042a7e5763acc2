"""What the monitor needs from a device: the Protocols every device of this package satisfies.

An **energy counter** (``energy_j()``: NVML's total-energy counter, RAPL, amdsmi's accumulator, the CPU
and RAM estimates over cumulative quantities) is read when a window opens and closes. A **power meter**
(``power_w()``: GPUs without a counter) is sampled and integrated by the monitor's thread. A **wrapping
counter** (RAPL, 32-bit amdsmi counters) also says how long it takes to wrap, so that the monitor reads it
often enough. mypy checks that :mod:`.nvml`, :mod:`.amd`, :mod:`.rapl` and :mod:`.estimate` devices fit
(their ``discover()`` results are used where these types are expected), and the monitor uses nothing else.

Optional extras, read with ``getattr`` because most devices have none:

- ``max_power_w`` (float | None): a bound; a window's energy never exceeds it x the window's duration;
- ``bounds(energy_j, duration_s) -> (low_j, high_j)``: the uncertainty range of a window's figure
  (default: +/- ``monitor.MEASURED_UNCERTAINTY`` for measured figures, none for estimated ones).
"""

from __future__ import annotations

from typing import Protocol


class Device(Protocol):
    """What every device says about itself."""

    @property
    def name(self) -> str:
        """``gpu:0``, ``cpu:0``, ``ram:0``, ``cpu``, ``ram``."""

    @property
    def kind(self) -> str:
        """``gpu``, ``cpu`` or ``ram``."""

    @property
    def method(self) -> str:
        """``measured`` or ``estimated``."""

    @property
    def model(self) -> str:
        """The hardware's name (``NVIDIA H100 80GB HBM3``; empty when unknown), for embodied impacts."""

    @property
    def source(self) -> str:
        """How its figure is obtained, one line for ``Impacts.explain()``."""


class EnergyCounter(Device, Protocol):
    def energy_j(self) -> float:
        """Energy since some fixed origin (its first read, say), in J, never decreasing."""


class WrappingCounter(EnergyCounter, Protocol):
    def wrap_seconds(self, power_w: float) -> float:
        """How long the hardware counter takes to wrap at ``power_w`` watts."""


class PowerMeter(Device, Protocol):
    def power_w(self) -> float:
        """The power drawn now, in W."""
