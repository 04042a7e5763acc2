"""Comparison benchmark: EcoLogits' per-call impact computation and import time, on this machine.

Run it with a THROWAWAY virtual environment that has EcoLogits installed, never the project's:

    python3 -m venv /tmp/ecobench && /tmp/ecobench/bin/pip install ecologits==0.11.3
    /tmp/ecobench/bin/python benchmarks/bench_ecologits.py

It times ``ecologits.tracers.utils.llm_impacts`` (model lookup + impact computation: what every instrumented
call runs) for openai/gpt-4o-mini, 400 output tokens, 5 s latency. Compare with benchmarks/bench_estimate.py.
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import time


def main(n: int = 2_000, repeats: int = 7) -> None:
    print(f"{platform.platform()} | Python {platform.python_version()}")
    code = "import time; t=time.perf_counter(); import ecologits; print(time.perf_counter()-t)"
    imports = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(10)
    ]
    print(f"import ecologits: median {statistics.median(imports) * 1e3:.1f} ms over 10 fresh interpreters")

    from importlib.metadata import version

    from ecologits.tracers.utils import llm_impacts

    def call() -> object:
        return llm_impacts(
            provider="openai", model_name="gpt-4o-mini", output_token_count=400, request_latency=5.0
        )

    call()
    per_call = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            call()
        per_call.append((time.perf_counter() - t) / n)
    print(
        f"ecologits {version('ecologits')} llm_impacts(): "
        f"median {statistics.median(per_call) * 1e6:.1f} us/call"
    )


if __name__ == "__main__":
    main()
