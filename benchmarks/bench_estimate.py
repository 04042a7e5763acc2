"""Benchmark: scalar estimate(), batch estimate_many(), import time. Run by hand:

    .venv/bin/python benchmarks/bench_estimate.py            # all
    .venv/bin/python benchmarks/bench_estimate.py scalar     # one

Prints median of repeated runs; docs/performance.md records results with machine and date.
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import time


def bench_import(runs: int = 30) -> None:
    code = "import time; t=time.perf_counter(); import aifootprint; print(time.perf_counter()-t)"
    times = [
        float(
            subprocess.run(
                [sys.executable, "-X", "frozen_modules=on", "-c", code],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for _ in range(runs)
    ]
    print(
        f"import aifootprint: median {statistics.median(times) * 1e3:.2f} ms over {runs} fresh interpreters"
    )
    code = (
        "import time; t=time.perf_counter(); import aifootprint as af; "
        "af.estimate('openai/gpt-4o-mini', output_tokens=400); print(time.perf_counter()-t)"
    )
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(10)
    ]
    print(f"import + first estimate (loads the catalogue): median {statistics.median(times) * 1e3:.1f} ms")


def bench_scalar(n: int = 20_000, repeats: int = 7) -> None:
    import aifootprint as af

    af.estimate("openai/gpt-4o-mini", output_tokens=400)  # warm: catalogue loaded, plan compiled
    cases = {
        "catalogue model, defaults": lambda: af.estimate("openai/gpt-4o-mini", output_tokens=400),
        "catalogue model, zone + input tokens + latency": lambda: af.estimate(
            "anthropic/claude-sonnet-4-5", input_tokens=20_000, output_tokens=600, zone="FRA", latency_s=12.5
        ),
    }
    for name, fn in cases.items():
        fn()
        per_call = []
        for _ in range(repeats):
            t = time.perf_counter()
            for _ in range(n):
                fn()
            per_call.append((time.perf_counter() - t) / n)
        print(f"estimate() {name}: median {statistics.median(per_call) * 1e6:.2f} us/call")
    imp = af.estimate("openai/gpt-4o-mini", output_tokens=400)
    t = time.perf_counter()
    for _ in range(n):
        _ = imp.gwp.value, imp.energy.high
    print(f"reading two quantities from Impacts: {(time.perf_counter() - t) / n * 1e6:.2f} us")


def bench_batch(n: int = 5_000_000, repeats: int = 5) -> None:
    import numpy as np

    import aifootprint as af

    rng = np.random.default_rng(0)
    models = np.asarray(
        [
            "openai/gpt-4o-mini",
            "anthropic/claude-sonnet-4-5",
            "mistral/mistral-small-latest",
            "openai/gpt-4o",
            "google/gemini-2.5-flash",
        ],
        dtype=object,
    )
    kinds = {}
    base = {
        "model": models[rng.integers(0, len(models), n)],
        "output_tokens": rng.integers(1, 2000, n).astype(np.int64),
        "input_tokens": rng.integers(0, 8000, n).astype(np.int64),
    }
    kinds["dict of NumPy arrays"] = base
    try:
        import pandas as pd

        kinds["pandas DataFrame"] = pd.DataFrame(base)
        kinds["pandas DataFrame, categorical model"] = pd.DataFrame(base).astype({"model": "category"})
    except ImportError:
        pass
    try:
        import pyarrow as pa

        kinds["Arrow table"] = pa.table(base)
    except ImportError:
        pass
    for name, table in kinds.items():
        af.estimate_many(table if name != "dict of NumPy arrays" else {k: v[:1000] for k, v in table.items()})
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            af.estimate_many(table)
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        print(f"estimate_many, {name}, {n:,} rows: median {med:.3f} s = {n / med / 1e6:.2f} M rows/s")


if __name__ == "__main__":
    print(
        f"{platform.platform()} | {platform.processor() or platform.machine()} | "
        f"Python {platform.python_version()}"
    )
    which = sys.argv[1:] or ["import", "scalar", "batch"]
    for w in which:
        {"import": bench_import, "scalar": bench_scalar, "batch": bench_batch}[w]()
