"""Cost of local measurement: start and stop of a measurement, and the sampler thread's CPU share.

    .venv/bin/python benchmarks/bench_measure.py                       # aifootprint only
    .venv/bin/python benchmarks/bench_measure.py --codecarbon /tmp/venv-cc/bin/python

1. **Cold start and stop.** A new process imports aifootprint, then times ``m = aifootprint.measure(...);
   m.start(); m.stop()``: the first measurement of a process pays for finding the devices (and, with a
   ``zone``, for checking it). Median of ``--processes`` processes, for: no zone and no ledger; a zone; the
   ledger on (a temporary file: the measurement creates the ledger object, whose writer thread opens the
   file on its first write), with the stop right after the start or after 50 ms of work (the time of the
   work itself is not counted). In a bare interpreter, after a typical program's standard-library imports,
   and with aifootprint's modules already imported. Target: <= 5 ms.
2. **Warm start and stop.** The same in a loop once the devices are known (decorated functions pay this).
3. **Sampler thread.** A measurement over a device without an energy counter (a power meter that reads a
   file, as NVML's power call does) sampled at 1 Hz, for ``--seconds``: the process's CPU time (getrusage)
   divided by the wall time is the thread's share of a core (the main thread sleeps). Target: <= 0.1 %.
4. **CodeCarbon** (``--codecarbon PYTHON``: a throwaway venv with codecarbon installed): the first
   ``OfflineEmissionsTracker`` start and stop in a new process, and its CPU share over the same idle time
   with ``measure_power_secs=1`` in machine and process tracking modes.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

#: What a typical program (a training script) has imported before aifootprint: the cold figures are given
#: both in a bare interpreter and after these, and once aifootprint's own modules are loaded too.
PRELOAD = "import typing, dataclasses, inspect, threading, functools, contextvars, json, logging, pathlib\n"
OWN = (
    "import aifootprint.local.session, aifootprint.local.devices, aifootprint.local.estimate, "
    "aifootprint.local.rapl, aifootprint.local.nvml, aifootprint.ledger.hub, aifootprint.ledger.entry\n"
)

COLD = """
import os, time, sys
PRE
t0 = time.perf_counter()
import aifootprint
t1 = time.perf_counter()
m = aifootprint.measure("bench", **KW)
m.start()
t2 = time.perf_counter()
time.sleep(WORK)
t3 = time.perf_counter()
m.stop()
t4 = time.perf_counter()
print(f"{(t1 - t0) * 1e3:.3f} {(t2 - t1 + t4 - t3) * 1e3:.3f}")
"""

CODECARBON_COLD = """
import logging, time, tempfile
t0 = time.perf_counter()
from codecarbon import OfflineEmissionsTracker
t1 = time.perf_counter()
d = tempfile.mkdtemp()
tr = OfflineEmissionsTracker(country_iso_code="FRA", output_dir=d, log_level="error", save_to_file=False)
tr.start()
tr.stop()
t2 = time.perf_counter()
print(f"{(t1 - t0) * 1e3:.3f} {(t2 - t1) * 1e3:.3f}")
"""

CODECARBON_IDLE = """
import resource, sys, tempfile, time
from codecarbon import OfflineEmissionsTracker
tr = OfflineEmissionsTracker(country_iso_code="FRA", output_dir=tempfile.mkdtemp(), log_level="error",
                             save_to_file=False, measure_power_secs=1, tracking_mode=sys.argv[1])
tr.start()
time.sleep(2)  # let its start-up work finish
r0, w0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
time.sleep(float(sys.argv[2]))
r1, w1 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
tr.stop()
cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
print(f"{cpu / (w1 - w0) * 100:.4f}")
"""

SAMPLER = """
import resource, sys, time
from aifootprint.local.monitor import Monitor

class FileMeter:
    name, kind, method, model, source = "gpu:0", "gpu", "measured", "stand-in", "a file read per sample"
    def power_w(self):
        with open("/proc/loadavg", "rb") as fh:
            return 100.0 + float(fh.read().split()[0])

mon = Monitor(meters=[FileMeter()], interval_s=1.0)
w = mon.begin()
time.sleep(2)
r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
time.sleep(float(sys.argv[1]))
r1, t1 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
mon.end(w)
cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
print(f"{cpu / (t1 - t0) * 100:.4f}")
"""


def _runs(python: str, code: str, n: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    imports, starts = [], []
    for _ in range(n):
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, env=env, check=True)
        a, b = out.stdout.split()[-2:]
        imports.append(float(a))
        starts.append(float(b))
    return imports, starts


def _fmt(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f} ms (min {min(xs):.2f}, max {max(xs):.2f}, n={len(xs)})"


def cold(n: int) -> None:
    print("## 1. Cold start and stop (first measurement in a new process)")
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's install has its bytecode compiled
    with tempfile.TemporaryDirectory() as tmp:
        variants = [
            ("no zone, ledger off", {}, "off", 0),
            ('zone="FRA", ledger off', {"zone": "FRA"}, "off", 0),
            ("no zone, ledger on", {}, os.path.join(tmp, "ledger.db"), 0),
            ('zone="FRA", ledger on', {"zone": "FRA"}, os.path.join(tmp, "ledger2.db"), 0),
            (
                'zone="FRA", ledger on, 50 ms of work in between',
                {"zone": "FRA"},
                os.path.join(tmp, "l3.db"),
                0.05,
            ),
        ]
        for where, pre in (
            ("bare interpreter", ""),
            ("typical program", PRELOAD),
            ("modules loaded", PRELOAD + OWN),
        ):
            print(f"### {where}")
            for label, kw, ledger, work in variants:
                code = COLD.replace("KW", repr(kw)).replace("PRE", pre).replace("WORK", repr(work))
                _, starts = _runs(sys.executable, code, n, {**env, "AIFOOTPRINT_LEDGER": ledger})
                print(f"- {label}: start+stop {_fmt(starts)}")


def warm(n: int) -> None:
    import aifootprint

    os.environ["AIFOOTPRINT_LEDGER"] = "off"
    aifootprint.measure("warm-up").start().stop()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        m = aifootprint.measure("bench", record=False)
        m.start()
        m.stop()
        times.append((time.perf_counter() - t0) * 1e6)
    print("## 2. Warm start and stop")
    print(f"- median {statistics.median(times):.1f} µs (min {min(times):.1f}, n={n})")


def sampler(seconds: float) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SAMPLER, str(seconds)], capture_output=True, text=True, check=True
    )
    print("## 3. Sampler thread at 1 Hz")
    print(f"- {float(out.stdout):.4f} % of one core over {seconds:.0f} s")


def codecarbon(python: str, n: int, seconds: float) -> None:
    print("## 4. CodeCarbon (OfflineEmissionsTracker)")
    version = subprocess.run(
        [python, "-c", "import codecarbon; print(codecarbon.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"- version {version}")
    imports, starts = _runs(python, CODECARBON_COLD, n, dict(os.environ))
    print(f"- first start+stop {_fmt(starts)}; `from codecarbon import ...` {_fmt(imports)}")
    for mode in ("machine", "process"):
        out = subprocess.run(
            [python, "-c", CODECARBON_IDLE, mode, str(seconds)], capture_output=True, text=True, check=True
        )
        print(
            f"- tracking_mode={mode}, measure_power_secs=1: {float(out.stdout.split()[-1]):.4f} % of one core"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--processes", type=int, default=15)
    ap.add_argument("--loops", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=60.0, help="idle time for the CPU-share parts")
    ap.add_argument("--codecarbon", metavar="PYTHON", help="python of a venv with codecarbon installed")
    ap.add_argument("--skip-sampler", action="store_true")
    args = ap.parse_args()
    cpu = platform.processor() or platform.machine()
    print(f"# bench_measure ({time.strftime('%Y-%m-%d')}, {platform.platform()}, {cpu},")
    print(f"#   {os.cpu_count()} CPUs, Python {platform.python_version()})")
    cold(args.processes)
    warm(args.loops)
    if not args.skip_sampler:
        sampler(args.seconds)
    if args.codecarbon:
        codecarbon(args.codecarbon, max(3, args.processes // 3), args.seconds)


if __name__ == "__main__":
    main()
