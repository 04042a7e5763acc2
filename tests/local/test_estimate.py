"""CPU and RAM estimates: brand matching against the shipped TDP table, fake /proc trees, fake clocks,
bounds, caps, overrides, RAM model values computed by hand, the non-Linux fallbacks."""

from __future__ import annotations

import csv
import io
import os
from importlib import resources
from pathlib import Path

import pytest

from aifootprint.local import estimate
from aifootprint.local.estimate import CpuEstimate, CpuInfo, RamEstimate
from aifootprint.local.monitor import Monitor

HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

GOLD_6230 = "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz"


class Clock:
    def __init__(self, t: float = 100.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def cpuinfo(brand: str | None, sockets: int, threads_per_socket: int) -> str:
    blocks = []
    for i in range(sockets * threads_per_socket):
        lines = [f"processor\t: {i}", "vendor_id\t: GenuineIntel", "cpu family\t: 6"]
        if brand is not None:
            lines.append(f"model name\t: {brand}")
        if sockets:
            lines.append(f"physical id\t: {i // threads_per_socket}")
        lines.append("flags\t\t: fpu vme de pse tsc msr")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def stat(cpus: int, user: int, nice: int, system: int, idle: int, iowait: int, irq: int, softirq: int,
         steal: int = 0, guest: int = 0, guest_nice: int = 0) -> str:  # fmt: skip
    fields = (user, nice, system, idle, iowait, irq, softirq, steal, guest, guest_nice)
    head = "cpu  " + " ".join(str(f) for f in fields)
    per = [f"cpu{i} " + " ".join(str(f // cpus) for f in fields) for i in range(cpus)]
    return "\n".join([head, *per, "intr 12345 0 0", "ctxt 999", "btime 1700000000", "procs_running 1"]) + "\n"


def fake_proc(root: Path, brand: str | None = GOLD_6230, sockets: int = 2, per: int = 4) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "cpuinfo").write_text(cpuinfo(brand, sockets, per), encoding="utf-8")
    (root / "stat").write_text(stat(sockets * per, 1000, 10, 500, 90000, 300, 20, 30), encoding="ascii")
    return root


# ---------------------------------------------------------------------------------------------- cpu_info


def test_cpu_info_counts_packages_and_threads(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, sockets=2, per=4)
    assert estimate.cpu_info(proc) == CpuInfo(GOLD_6230, 2, 8)


def test_cpu_info_of_a_vm_without_physical_ids(tmp_path: Path) -> None:
    (tmp_path / "cpuinfo").write_text(cpuinfo("AMD EPYC 7763 64-Core Processor", 0, 1), encoding="utf-8")
    text = "processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\n\nprocessor\t: 1\n"
    (tmp_path / "cpuinfo").write_text(text, encoding="utf-8")
    assert estimate.cpu_info(tmp_path) == CpuInfo("AMD EPYC 7763 64-Core Processor", 1, 2)


def test_cpu_info_elsewhere_uses_platform_and_cpu_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platform

    monkeypatch.setattr(platform, "processor", lambda: "Intel64 Family 6 Model 85 Stepping 7, GenuineIntel")
    monkeypatch.setattr(os, "cpu_count", lambda: 12)
    info = estimate.cpu_info(tmp_path / "no-proc")
    assert info == CpuInfo("Intel64 Family 6 Model 85 Stepping 7, GenuineIntel", 1, 12)
    assert not estimate.names_a_model(info.brand)  # a family/model code, not a model name


# ------------------------------------------------------------------------------------------- brand matching

MATCHES = [
    (GOLD_6230, "Intel Xeon Gold 6230", 125),
    ("AMD EPYC 7763 64-Core Processor", "AMD EPYC 7763", 280),
    ("AMD Ryzen 9 5950X 16-Core Processor", "AMD Ryzen 9 5950X", 105),
    ("Intel(R) Core(TM) i7-10700K CPU @ 3.80GHz", "Intel Core i7-10700K", 125),
    ("Intel(R) Core(TM) i7-10700 CPU @ 2.90GHz", "Intel Core i7-10700", 65),
    ("Apple M2", "Apple M2", 22),
    ("Apple M2 Max", "Apple M2 Max", 50),
    ("Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz", "Intel Xeon E5-2686 v4", 145),
    ("Intel(R) Xeon(R) CPU E5-2680 0 @ 2.70GHz", "Intel Xeon E5-2680", 130),
    ("Intel(R) Xeon(R) CPU           X5650  @ 2.67GHz", "Intel Xeon X5650", 95),
    ("Intel(R) Xeon(R) CPU Max 9480", "Intel Xeon Max 9480", 350),  # the table said "Intel Xeon CPU Max 9480"
    ("Intel(R) Xeon(R) Platinum 8480+", "Intel Xeon Platinum 8480+", 350),
    ("Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz", "Intel Xeon Platinum 8259CL", 210),
    ("Intel(R) Xeon(R) Silver 4214R CPU @ 2.40GHz", "Intel Xeon Silver 4214R", 100),
    ("Intel(R) Xeon(R) W-2295 CPU @ 3.00GHz", "Intel Xeon W-2295", 165),
    ("Intel(R) Xeon(R) 6980P", "Intel Xeon 6980P", 500),
    ("12th Gen Intel(R) Core(TM) i7-12700H", "Intel Core i7-12700H", 45),
    ("Intel(R) Core(TM) Ultra 7 155H", "Intel Core Ultra 7 155H", 28),
    ("Intel(R) Core(TM)2 Duo CPU     E8400  @ 3.00GHz", "Intel Core 2 Duo E8400", 65),
    ("Intel(R) Pentium(R) CPU G4560 @ 3.50GHz", "Intel Pentium G4560", 54),
    ("Intel(R) Celeron(R) N4020 CPU @ 1.10GHz", "Intel Celeron N4020", 6),
    ("AMD EPYC 7R13 Processor", "AMD EPYC 7R13", 225),
    ("AMD EPYC 9654 96-Core Processor", "AMD EPYC 9654", 360),
    ("AMD Ryzen Threadripper PRO 5995WX 64-Cores", "AMD Ryzen Threadripper PRO 5995WX", 280),
    ("AMD Ryzen 7 PRO 4750U with Radeon Graphics", "AMD Ryzen 7 PRO 4750U", 15),
    ("AMD Ryzen 7 5800H with Radeon Graphics", "AMD Ryzen 7 5800H", 45),
    ("AMD Ryzen 5 3500 6-Core Processor", "AMD Ryzen 5 3500", 65),  # the table said "... (OEM Only)"
    ("AMD FX(tm)-8350 Eight-Core Processor", "AMD FX-8350", 125),
    ("AMD Opteron(tm) Processor 6272", "AMD Opteron 6272", 115),
    ("AMD Athlon(tm) 5350 APU with Radeon(tm) R3", "AMD Athlon 5350 APU", 25),
    ("AMD A4-5000 APU with Radeon(TM) HD Graphics", "AMD A4-5000", 15),
    (
        "Intel(R) Core(TM)2 Quad CPU    Q6600  @ 2.40GHz",
        "Intel Core 2 Quad Q6600 (105W)",
        105,
    ),  # 95 W / 105 W
    ("Intel(R) Core(TM) i5 processor 14401E", "Intel Core i5 14401E", 65),  # Intel's lower-case "processor"
    ("intel xeon gold 6230", "Intel Xeon Gold 6230", 125),  # case does not matter
]


@pytest.mark.parametrize(("brand", "name", "tdp"), MATCHES, ids=[m[0] for m in MATCHES])
def test_brand_strings_match_their_model(brand: str, name: str, tdp: float) -> None:
    found = estimate.cpu_tdp(brand)
    assert found is not None
    tdp_w, source, matched = found  # a (tdp_w, source, matched_name) tuple
    assert (matched, tdp_w) == (name, tdp)
    assert "CodeCarbon 3.3.2" in source and "MIT" in source


NO_MATCH = [
    "Intel(R) Core(TM) i7-1070",  # near miss of i7-10700 / i7-10700K
    "Intel(R) Core(TM) i7-1070 CPU @ 2.90GHz",
    "13th Gen Intel(R) Core(TM) i7-1365U",  # the table has only i7-1365UE / i7-1365URE
    "Intel(R) Xeon(R) Gold 623",
    "Intel(R) Xeon(R) Gold 62300",
    "AMD EPYC 776",
    "AMD EPYC 77631",
    "Apple M1 Pro",  # the table has "Apple M1" only
    "Apple M",
    "Intel(R) Xeon(R) CPU @ 2.20GHz",  # a family, no model (GCP)
    "AMD EPYC Processor (with IBPB)",
    "Intel Xeon Processor (Cascadelake)",
    "Intel(R) Xeon(R) Platinum 8488C",  # not in the table
    "AMD EPYC 9R14 96-Core Processor",
    "Intel(R) Core(TM) i9-14900K",
    "QEMU Virtual CPU version 2.5+",
    "Common KVM processor",
    "Genuine Intel(R) CPU 0000 @ 2.00GHz",
    "x86_64",
    "",
    "6230",
    "Intel Core i7-10700K extra",
]


@pytest.mark.parametrize("brand", NO_MATCH)
def test_brand_strings_that_must_not_match(brand: str) -> None:
    assert estimate.cpu_tdp(brand) is None


def table_rows() -> list[dict[str, str]]:
    text = resources.files("aifootprint.data").joinpath("cpu_tdp.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_every_table_row_is_found_by_its_own_name_and_never_by_a_prefix() -> None:
    rows = table_rows()
    assert len(rows) > 4800
    for r in rows:
        name = r["name"]
        assert r["source"] in estimate.TDP_SOURCES, r
        assert float(r["tdp_w"]) > 0, r
        # the build's canonical names are fixed points of the runtime normalisation
        assert estimate.normalise_cpu_name(name).lower() == name.lower(), name
        if not any(c.isdigit() for c in name):
            continue
        found = estimate.cpu_tdp(name)
        assert found is not None and found.name == name and found.tdp_w == float(r["tdp_w"]), name
        shorter = estimate.cpu_tdp(name[:-1])  # "i7-10700" must never find "i7-10700K"
        if shorter is not None:
            assert exact_form_of(name[:-1], shorter.name), (name, shorter)


def exact_form_of(query: str, found: str) -> bool:
    """Whether ``found`` is the same model as ``query``: equal after normalisation, the APU/AMD spellings
    of one model, or one of its power variants ("Intel Core 2 Quad Q6600 (95W)")."""
    k = estimate.normalise_cpu_name(query).lower()
    forms = {k, k.removesuffix(" apu")}
    forms |= {f.removeprefix("amd ") for f in forms}
    f = found.lower()
    return f in forms or (f.startswith(k + " (") and f.endswith("w)"))


def test_exact_form_of_rejects_near_misses() -> None:
    assert not exact_form_of("Intel Core i7-1070", "Intel Core i7-10700K")
    assert exact_form_of("Intel Core 2 Quad Q6600", "Intel Core 2 Quad Q6600 (105W)")


def test_lookup_does_not_parse_the_table_twice() -> None:
    estimate._table.cache_clear()
    assert estimate.cpu_tdp(GOLD_6230) is not None
    assert estimate.cpu_tdp("AMD EPYC 7763") is not None
    assert estimate._table.cache_info().misses == 1


# ---------------------------------------------------------------------------------------------- CPU device


def test_cpu_estimate_from_proc_stat(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path)
    cpu = CpuEstimate(estimate.cpu_info(proc), proc=proc)
    assert (cpu.name, cpu.kind, cpu.method, cpu.model) == ("cpu", "cpu", "estimated", GOLD_6230)
    assert cpu.tdp_total_w == 250 and cpu.max_power_w == 250  # 125 W x 2 packages
    assert cpu.cpus == 8 and cpu.scope == "machine"
    assert cpu.source.startswith("TDP 125 W x 2 packages ('Intel Xeon Gold 6230' in CodeCarbon 3.3.2")
    assert "machine CPU utilisation (/proc/stat" in cpu.source
    assert cpu.energy_j() == 0.0  # energy since the first read
    # busy grows by user 400 + nice 40 + system 200 + irq 80 + softirq 80 ticks = 8 CPU-seconds at HZ=100;
    # idle, iowait, steal and guest (already inside user) do not count
    d = HZ // 100
    after = stat(8, 1000 + 400 * d, 10 + 40 * d, 500 + 200 * d, 90000 + 5000 * d, 300 + 900 * d,
                 20 + 80 * d, 30 + 80 * d, steal=700 * d, guest=300 * d)  # fmt: skip
    (proc / "stat").write_text(after, encoding="ascii")
    assert cpu.energy_j() == pytest.approx(250 * 8.0 / 8)
    assert cpu.energy_j() == pytest.approx(250.0)  # a counter: unchanged when nothing ran


def test_cpu_figures_are_capped_at_tdp_by_the_monitor(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path)
    clock = Clock()
    cpu = CpuEstimate(estimate.cpu_info(proc), proc=proc)
    mon = Monitor([cpu], clock=clock, threaded=False)
    w = mon.begin()
    busy = 100 * 16 * HZ  # 16 CPU-seconds per CPU: twice what 8 CPUs can do in the 1 s below
    (proc / "stat").write_text(stat(8, 1000 + busy, 10, 500, 90000, 300, 20, 30), encoding="ascii")
    clock.t += 1.0
    r = mon.end(w)
    assert r.energy_j["cpu"] == pytest.approx(250.0)  # TDP x 1 s, not 250 x 16 x 8 / 8 / 100
    assert r.method["cpu"] == "estimated"
    assert r.low_j["cpu"] == pytest.approx(250.0) and r.high_j["cpu"] == pytest.approx(250.0)


@pytest.mark.parametrize(
    ("u", "low", "high"),
    [
        (0.0, 0.0, 0.12),  # idle: the linear model says 0, Boavizta 12 % of TDP
        (0.1, 0.1, 0.32),
        (0.3, 0.3, 0.32 + (0.75 - 0.32) * 0.5),
        (0.5, 0.5, 0.75),
        (0.75, 0.75, 0.75 + (1.02 - 0.75) * 0.5),
        (0.9, 0.9, 0.75 + 0.27 * 0.8),  # 0.966
        (0.99, 0.99, 1.0),  # Boavizta 1.0146, capped at TDP
        (1.0, 1.0, 1.0),  # 1.02 capped
    ],
)
def test_bounds_span_linear_and_boavizta_curve(tmp_path: Path, u: float, low: float, high: float) -> None:
    proc = fake_proc(tmp_path)
    cpu = CpuEstimate(estimate.cpu_info(proc), proc=proc)  # 250 W
    duration = 10.0
    full = 250 * duration
    lo, hi = cpu.bounds(u * full, duration)
    assert lo == pytest.approx(min(low, high) * full)
    assert hi == pytest.approx(min(max(low, high), 1.0) * full)
    assert hi <= full + 1e-9


def test_load_curve_points() -> None:
    assert [estimate.load_curve(u) for u in (0, 0.1, 0.5, 1.0)] == pytest.approx([0.12, 0.32, 0.75, 1.02])
    assert estimate.load_curve(-1) == pytest.approx(0.12) and estimate.load_curve(2) == pytest.approx(1.02)
    assert estimate.load_curve(0.05) == pytest.approx(0.22)


def test_bounds_of_an_empty_window(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path)
    cpu = CpuEstimate(estimate.cpu_info(proc), proc=proc)
    assert cpu.bounds(0.0, 0.0) == (0.0, 0.0)


def test_unknown_model_uses_85_w_per_package(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, brand=None, sockets=2, per=2)
    info = CpuInfo("", 2, 4)
    cpu = CpuEstimate(info, proc=proc)
    assert cpu.tdp_total_w == 170 and cpu.max_power_w == 170
    assert "85 W x 2 packages (CodeCarbon default" in cpu.source
    assert cpu.notes and "model unknown" in cpu.notes[0]
    assert CpuEstimate(CpuInfo("x86_64", 1, 4), proc=proc).tdp_total_w == 85


def test_model_not_in_table_uses_4_w_per_thread(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, brand="Intel(R) Core(TM) i7-1070 CPU @ 2.90GHz", sockets=2, per=8)
    cpu = CpuEstimate(estimate.cpu_info(proc), proc=proc)
    assert cpu.tdp_total_w == 64  # 16 threads x 4 W, whole machine (not x packages)
    assert cpu.source.startswith("TDP 64 W = 16 threads x 4 W (CodeCarbon fallback")
    assert "not in the CPU TDP table" in cpu.notes[0]


def test_tdp_override_is_per_package(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path)
    cpu = CpuEstimate(estimate.cpu_info(proc), tdp_w=100.0, proc=proc)
    assert cpu.tdp_total_w == 200
    assert cpu.source.startswith("TDP 100 W x 2 packages (user-supplied TDP)")
    with pytest.raises(ValueError, match="tdp_w"):
        CpuEstimate(estimate.cpu_info(proc), tdp_w=0.0, proc=proc)


def test_a_failing_read_keeps_the_last_figure(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path)
    cpu = CpuEstimate(estimate.cpu_info(proc), proc=proc)
    cpu.energy_j()
    (proc / "stat").write_text(stat(8, 1000 + 800 * HZ // 100, 10, 500, 90000, 300, 20, 30), encoding="ascii")
    e = cpu.energy_j()
    assert e == pytest.approx(250 * 8.0 / 8)
    (proc / "stat").unlink()
    assert cpu.energy_j() == e


def test_process_time_where_there_is_no_proc_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    times = [os.times_result((1.0, 0.5, 0.25, 0.25, 0.0))]
    monkeypatch.setattr(os, "times", lambda: times[0])
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    cpu = CpuEstimate(CpuInfo("Apple M2", 1, 4), proc=tmp_path / "no-proc")
    assert cpu.scope == "process" and cpu.cpus == 4 and cpu.notes == []
    assert cpu.source == "TDP 22 W x 1 package ('Apple M2' in CodeCarbon 3.3.2 cpu_power.csv, MIT) x " + (
        "this process's CPU time / 4 logical CPUs (os.times)"
    )
    assert cpu.energy_j() == 0.0
    times[0] = os.times_result((3.0, 1.5, 0.5, 1.0, 0.0))  # +2 + 1 + 0.25 + 0.75 = 4 CPU-seconds
    assert cpu.energy_j() == pytest.approx(22 * 4.0 / 4)


def test_scope_can_be_forced(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path)
    assert CpuEstimate(estimate.cpu_info(proc), proc=proc, scope="process").scope == "process"
    with pytest.raises(OSError):
        CpuEstimate(estimate.cpu_info(proc), proc=tmp_path / "none", scope="machine")
    with pytest.raises(ValueError, match="scope"):
        CpuEstimate(estimate.cpu_info(proc), proc=proc, scope="cgroup")


def test_a_linux_with_an_unusable_proc_stat_says_so(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path)
    (proc / "stat").write_text("garbage\n", encoding="ascii")
    cpu = CpuEstimate(estimate.cpu_info(proc), proc=proc)
    assert cpu.scope == "process"
    assert any("process's CPU time instead" in n for n in cpu.notes)


# ---------------------------------------------------------------------------------------------- RAM

GIB = 1024**3


@pytest.mark.parametrize(
    ("gib", "dimms", "central", "low", "high"),
    [
        # CodeCarbon v3 = 5 W x DIMMs (marginal 0.9 beyond 4), at least 10 W; v2 = 0.375 W/GiB;
        # Boavizta = DIMMs x 3 W + 0.055 W/GiB, idle 0.7 of that
        (8, 2, 10.0, 8 * 0.375, 10.0),  # v2 3 W; Boavizta 6.44 / 4.508
        (16, 2, 10.0, 0.7 * (6 + 0.055 * 16), 10.0),  # v2 6 W; Boavizta 6.88 / 4.816
        (64, 4, 20.0, 0.7 * (12 + 0.055 * 64), 64 * 0.375),  # Boavizta 15.52 / 10.864; v2 24 W
        (512, 8, 20 + 4 * 4.5, 0.7 * (24 + 0.055 * 512), 512 * 0.375),  # 8 x 64 GiB: 38 W; 36.512..192
    ],
)
def test_ram_model_values(gib: int, dimms: int, central: float, low: float, high: float) -> None:
    p = estimate.ram_power(gib)
    assert p.dimms == dimms
    assert p.power_w == pytest.approx(central)
    assert (p.low_w, p.high_w) == (pytest.approx(low), pytest.approx(high))


def test_ram_model_details() -> None:
    assert [estimate.dimm_count(g) for g in (1, 2, 4, 8, 15.5, 16, 31, 32, 62.8, 64, 100, 128)] == [
        1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 8, 8,
    ]  # fmt: skip
    assert [estimate.dimm_count(g) for g in (256, 503, 1024, 2048, 4096, 8192)] == [8, 16, 8, 16, 32, 32]
    assert estimate.ram_power_codecarbon(1) == 10.0  # 1 DIMM, but at least 2 DIMMs' worth
    assert estimate.ram_power_codecarbon(2048) == pytest.approx(5 * (4 + 0.9 * 4 + 0.8 * 8))  # 70 W
    assert estimate.ram_power_codecarbon(4096) == pytest.approx(5 * (4 + 3.6 + 6.4 + 0.7 * 16))  # 126 W
    assert estimate.ram_power_codecarbon(8, arm=True) == 3.0  # 2 x 1.5 W
    assert estimate.ram_power_codecarbon(64, arm=True) == 6.0


def test_ram_device_is_a_counter_on_the_clock() -> None:
    clock = Clock()
    ram = RamEstimate(64 * GIB, arm=False, clock=clock)
    assert (ram.name, ram.kind, ram.method, ram.model) == ("ram", "ram", "estimated", "64 GiB RAM")
    assert ram.source.startswith("64 GiB RAM ~ 4 DIMMs x 5 W (x86; CodeCarbon v3 DIMM model, MIT) = 20 W")
    assert "range 10.9-24 W" in ram.source
    assert ram.energy_j() == 0.0
    clock.t += 30.0
    assert ram.energy_j() == pytest.approx(600.0)
    lo, hi = ram.bounds(600.0, 30.0)
    assert lo == pytest.approx(10.864 * 30) and hi == pytest.approx(24 * 30)
    assert ram.max_power_w == pytest.approx(24.0)


def test_ram_power_override() -> None:
    clock = Clock()
    ram = RamEstimate(None, power_w=7.5, clock=clock)
    assert ram.source == "user-supplied 7.5 W (constant)"
    ram.energy_j()
    clock.t += 2
    assert ram.energy_j() == pytest.approx(15.0)
    assert ram.bounds(15.0, 2.0) == (15.0, 15.0)
    with pytest.raises(ValueError, match="power_w"):
        RamEstimate(None)
    with pytest.raises(ValueError, match="power_w"):
        RamEstimate(None, power_w=float("nan"))


# ---------------------------------------------------------------------------------------------- discover


def test_discover_on_a_fake_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = fake_proc(tmp_path)
    monkeypatch.setattr(estimate, "ram_bytes", lambda: 16 * GIB)
    monkeypatch.setattr(estimate, "_is_arm", lambda: False)
    clock = Clock()
    devices, problems = estimate.discover(need_cpu=True, need_ram=True, clock=clock, proc=proc)
    assert problems == []
    cpu, ram = devices
    assert isinstance(cpu, CpuEstimate) and cpu.tdp_total_w == 250
    assert isinstance(ram, RamEstimate) and ram.power == 10.0
    assert estimate.discover(need_cpu=False, need_ram=False, proc=proc) == ([], [])


def test_discover_with_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = fake_proc(tmp_path)
    monkeypatch.setattr(estimate, "ram_bytes", lambda: None)
    clock = Clock()
    devices, problems = estimate.discover(
        need_cpu=True, need_ram=True, cpu_power_w=45.0, ram_power_w=6.0, clock=clock, proc=proc
    )
    assert problems == []
    cpu, ram = devices
    assert (cpu.name, cpu.kind, cpu.method) == ("cpu", "cpu", "estimated")
    assert getattr(cpu, "source", "") == "user-supplied 45 W (constant)"
    assert getattr(cpu, "model", "") == GOLD_6230
    cpu.energy_j(), ram.energy_j()
    clock.t += 10
    assert (cpu.energy_j(), ram.energy_j()) == (pytest.approx(450.0), pytest.approx(60.0))
    devices, _ = estimate.discover(need_cpu=True, need_ram=False, cpu_tdp_w=150.0, proc=proc)
    assert isinstance(devices[0], CpuEstimate) and devices[0].tdp_total_w == 300


def test_discover_without_a_ram_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = fake_proc(tmp_path, brand="Intel(R) Xeon(R) Platinum 8488C", sockets=1, per=2)
    monkeypatch.setattr(estimate, "ram_bytes", lambda: None)
    devices, problems = estimate.discover(need_cpu=True, need_ram=True, proc=proc)
    assert [d.name for d in devices] == ["cpu"]
    assert any(p.startswith("ram: the installed memory size is unknown") for p in problems)
    assert any("8488C" in p and "not in the CPU TDP table" in p for p in problems)


def test_ram_bytes_where_sysconf_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    size = estimate.ram_bytes()
    assert size is None or size > 0
    monkeypatch.delattr(os, "sysconf", raising=False)
    assert estimate.ram_bytes() is None


def test_the_real_machine() -> None:
    """Whatever this machine is, discovery gives labelled devices whose counters start at zero."""
    devices, problems = estimate.discover(need_cpu=True, need_ram=True)
    assert all(isinstance(p, str) for p in problems)
    for d in devices:
        assert d.method == "estimated" and d.energy_j() >= 0.0
