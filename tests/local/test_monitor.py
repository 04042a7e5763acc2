"""Measurement windows: counters read at both ends (nested and concurrent windows, no thread), power meters
integrated by one sampler thread that runs only while a window is open, wrapping counters guarded."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from aifootprint.local import rapl
from aifootprint.local.monitor import Monitor


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class FakeCounter:
    def __init__(self, name: str) -> None:
        self.name, self.kind, self.method = name, name.split(":", maxsplit=1)[0], "measured"
        self.j = 0.0

    def energy_j(self) -> float:
        return self.j


class FakeMeter:
    def __init__(self, name: str, watts: float) -> None:
        self.name, self.kind, self.method = name, name.split(":", maxsplit=1)[0], "estimated"
        self.w = watts

    def power_w(self) -> float:
        return self.w


def test_nested_and_concurrent_windows_over_counters_use_no_thread() -> None:
    clock = Clock()
    gpu, cpu = FakeCounter("gpu:0"), FakeCounter("cpu:0")
    mon = Monitor([gpu, cpu], clock=clock)
    assert not mon.needs_thread and mon.period_s is None
    before = threading.active_count()
    outer = mon.begin()
    gpu.j, cpu.j, clock.t = 100.0, 10.0, clock.t + 10
    inner = mon.begin()
    other = mon.begin()
    assert threading.active_count() == before
    gpu.j, cpu.j, clock.t = 150.0, 12.0, clock.t + 5
    r_inner = mon.end(inner)
    gpu.j, clock.t = 170.0, clock.t + 1
    r_other = mon.end(other)
    r_outer = mon.end(outer)
    assert r_inner.energy_j == {"gpu:0": 50.0, "cpu:0": 2.0} and r_inner.duration_s == 5.0
    assert r_other.energy_j == {"gpu:0": 70.0, "cpu:0": 2.0} and r_other.duration_s == 6.0
    assert r_outer.energy_j == {"gpu:0": 170.0, "cpu:0": 12.0} and r_outer.duration_s == 16.0
    assert r_outer.method == {"gpu:0": "measured", "cpu:0": "measured"}


def test_power_meters_are_integrated_by_the_trapezoid_rule() -> None:
    clock = Clock()
    ram = FakeMeter("ram", 10.0)
    mon = Monitor([], [ram], clock=clock, threaded=False)
    w = mon.begin()
    clock.t += 2
    ram.w = 30.0
    mon.tick()  # (10 + 30) / 2 * 2 = 40 J
    clock.t += 1
    r = mon.end(w)  # + (30 + 30) / 2 * 1 = 30 J
    assert r.energy_j == {"ram": pytest.approx(70.0)} and r.method == {"ram": "estimated"}
    assert r.duration_s == 3.0


def test_the_sampler_thread_runs_only_while_a_window_is_open() -> None:
    meter = FakeMeter("gpu:0", 200.0)
    mon = Monitor([], [meter], interval_s=0.01)
    assert mon.needs_thread and mon.period_s == 0.01
    w = mon.begin()
    assert mon._thread is not None and mon._thread.is_alive()
    time.sleep(0.05)
    r = mon.end(w)
    assert mon._thread is None
    assert r.energy_j["gpu:0"] == pytest.approx(200.0 * r.duration_s, rel=1e-2)  # reads vs clock: µs apart
    assert not any(t.name == "aifootprint-sampler" for t in threading.enumerate())


def test_wrapping_counters_are_read_often_enough(tmp_path: Path) -> None:
    d = tmp_path / "intel-rapl:0"
    d.mkdir()
    (d / "name").write_text("package-0\n", encoding="ascii")
    (d / "max_energy_range_uj").write_text("1000000000\n", encoding="ascii")  # 1,000 J
    (d / "energy_uj").write_text("900000000\n", encoding="ascii")
    (cpu,) = rapl.discover(tmp_path)[0]
    mon = Monitor([cpu], threaded=False)
    assert mon.needs_thread and mon.period_s == pytest.approx(1000 / rapl_power() / 4)
    w = mon.begin()
    for raw in (990_000_000, 50_000_000, 600_000_000):  # the guard reads see the wrap
        (d / "energy_uj").write_text(f"{raw}\n", encoding="ascii")
        mon.tick()
    (d / "energy_uj").write_text("700000000\n", encoding="ascii")
    r = mon.end(w)
    assert r.energy_j["cpu:0"] == pytest.approx(800.0)  # 900 -> 1000 (wrap) -> 700 J


def rapl_power() -> float:
    from aifootprint.local.monitor import MAX_WRAP_POWER_W

    return MAX_WRAP_POWER_W


def test_a_failing_device_keeps_its_last_figure_and_the_thread_stops() -> None:
    clock = Clock()
    gpu, cpu = FakeCounter("gpu:0"), FakeMeter("cpu", 10.0)
    mon = Monitor([gpu], [cpu], clock=clock)
    w = mon.begin()
    gpu.j, clock.t = 100.0, clock.t + 1

    def broken() -> float:
        raise OSError("GPU lost")

    assert mon.read(w).energy_j["gpu:0"] == 100.0
    gpu.energy_j = broken  # type: ignore[method-assign]
    r = mon.end(w)  # no exception for the measured work
    assert r.energy_j["gpu:0"] == 100.0 and mon.failed == {"gpu:0"}
    assert mon._thread is None and mon._open == 0
    w2 = mon.begin()  # still usable; the failed device stays at its last figure
    assert mon.end(w2).energy_j["gpu:0"] == 0.0


def test_a_long_sampling_interval_never_lets_a_counter_wrap_unseen(tmp_path: Path) -> None:
    from .test_rapl import zone

    zone(tmp_path, "intel-rapl:0", "package-0", 0, max_uj=60_000_000_000)  # wraps after 120 s at 500 W
    counters, _ = rapl.discover(tmp_path)
    mon = Monitor(counters, [FakeMeter("gpu:0", 100.0)], interval_s=600.0, threaded=False)
    assert mon.period_s == pytest.approx(30.0)
