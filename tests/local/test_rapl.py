"""RAPL powercap counters on trees written to temporary directories: packages, DRAM, wrap-around,
unreadable files explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from aifootprint.local import rapl


def zone(root: Path, name: str, label: str, energy_uj: int, max_uj: int = 262_143_328_850) -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / "name").write_text(label + "\n", encoding="ascii")
    (d / "energy_uj").write_text(f"{energy_uj}\n", encoding="ascii")
    (d / "max_energy_range_uj").write_text(f"{max_uj}\n", encoding="ascii")
    return d


def set_energy(d: Path, uj: int) -> None:
    (d / "energy_uj").write_text(f"{uj}\n", encoding="ascii")


def test_two_packages_with_dram_and_the_zones_that_are_not_read(tmp_path: Path) -> None:
    p0 = zone(tmp_path, "intel-rapl:0", "package-0", 1_000_000)
    zone(tmp_path, "intel-rapl:0/intel-rapl:0:0", "core", 5)
    d0 = zone(tmp_path, "intel-rapl:0/intel-rapl:0:1", "dram", 2_000_000)
    p1 = zone(tmp_path, "intel-rapl:1", "package-1", 3_000_000)
    zone(tmp_path, "intel-rapl:2", "psys", 9)  # the whole platform: overlaps the packages
    zone(tmp_path, "intel-rapl-mmio:0", "package-0", 9)  # another interface to package 0
    counters, problems = rapl.discover(tmp_path)
    assert [c.name for c in counters] == ["cpu:0", "ram:0", "cpu:1"]
    assert [c.kind for c in counters] == ["cpu", "ram", "cpu"]
    assert problems == []
    cpu0, dram0, cpu1 = counters
    assert cpu0.energy_j() == 0.0  # energy since the first read
    set_energy(p0, 1_000_000 + 2_500_000)
    set_energy(d0, 2_000_000 + 400_000)
    set_energy(p1, 3_000_000 + 1)
    assert cpu0.energy_j() == pytest.approx(2.5)
    assert dram0.energy_j() == pytest.approx(0.4)
    assert cpu1.energy_j() == pytest.approx(1e-6)


def test_wrap_around_is_corrected(tmp_path: Path) -> None:
    p0 = zone(tmp_path, "intel-rapl:0", "package-0", 990, max_uj=1000)
    (c,) = rapl.discover(tmp_path)[0]
    set_energy(p0, 995)
    assert c.energy_j() == pytest.approx(5e-6)
    set_energy(p0, 20)  # wrapped: 995 -> 1000 -> 20
    assert c.energy_j() == pytest.approx(30e-6)
    set_energy(p0, 500)
    assert c.energy_j() == pytest.approx(510e-6)
    assert c.wrap_seconds(200.0) == pytest.approx(1000 / 1e6 / 200)


def test_unreadable_counters_are_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    zone(tmp_path, "intel-rapl:0", "package-0", 1)
    d1 = zone(tmp_path, "intel-rapl:1", "package-1", 1)
    (d1 / "max_energy_range_uj").write_text("lots\n", encoding="ascii")
    real = rapl.RaplCounter.raw_uj

    def raw_uj(self: rapl.RaplCounter) -> int:
        if self.name == "cpu:0":  # root reads anything: simulate the 0400 mode of Linux >= 5.10
            raise PermissionError(13, "Permission denied", str(self.path / "energy_uj"))
        return real(self)

    monkeypatch.setattr(rapl.RaplCounter, "raw_uj", raw_uj)
    counters, problems = rapl.discover(tmp_path)
    assert counters == []
    by = {p.name: p.reason for p in problems}
    assert "permission denied" in by["cpu:0"] and "sudo chmod a+r" in by["cpu:0"]
    assert "unreadable" in by["cpu:1"] and "lots" in by["cpu:1"]


def test_no_powercap_means_no_counters(tmp_path: Path) -> None:
    assert rapl.discover(tmp_path / "missing") == ([], [])
    assert not rapl.readable(tmp_path / "missing")


def test_concurrent_readers_never_see_a_false_wrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    zone(tmp_path, "intel-rapl:0", "package-0", 1_000)
    [counter], _ = rapl.discover(tmp_path)
    value = [1_000]

    def slow_raw(self: rapl.RaplCounter) -> int:
        v = value[0]
        value[0] += 1  # the counter moves on between reads
        time.sleep(0.001)  # a file read releases the interpreter: another reader gets in here
        return v

    monkeypatch.setattr(rapl.RaplCounter, "raw_uj", slow_raw)
    threads = [threading.Thread(target=lambda: [counter.energy_j() for _ in range(20)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter.energy_j() * 1e6 == pytest.approx(80)  # 81 reads, 1 µJ apart: never a whole counter range
