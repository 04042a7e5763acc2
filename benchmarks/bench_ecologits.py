"""Comparison benchmark: EcoLogits' per-call impact computation and import time, on this machine.

Run it with the python of a THROWAWAY virtual environment that has EcoLogits installed, never with the
project's venv (EcoLogits is not a project dependency):

    python3 -m venv /tmp/ecobench/venv && /tmp/ecobench/venv/bin/pip install ecologits==0.11.3
    /tmp/ecobench/venv/bin/python benchmarks/bench_ecologits.py

It times, for openai / gpt-4o-mini, 400 output tokens, 5 s request latency:

(a) ``ecologits.tracers.utils.llm_impacts`` -- model lookup + electricity-mix lookup + impact computation,
    the path every instrumented call takes;
(b) ``ecologits.impacts.llm.compute_llm_impacts`` -- the computation alone, parameters already resolved
    (from EcoLogits' own model / electricity-mix repositories and provider config);

and the import time of ``ecologits`` (and of ``ecologits.tracers.utils``, which loads the bundled JSON data),
each as the median over 10 fresh interpreters. Compare with benchmarks/bench_estimate.py.
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import version

PROVIDER = "openai"
MODEL = "gpt-4o-mini"
OUTPUT_TOKENS = 400
LATENCY_S = 5.0


def import_ms(module: str, runs: int = 10) -> float:
    """Median wall time (ms) of ``import module`` in ``runs`` fresh interpreters."""
    code = f"import time; t=time.perf_counter(); import {module}; print(time.perf_counter()-t)"
    times = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(runs)
    ]
    return statistics.median(times) * 1e3


def per_call_us(fn: Callable[[], object], n: int = 2_000, repeats: int = 7) -> tuple[float, float, float]:
    """(median, min, max) over ``repeats`` of the mean time per call (us) of ``n`` calls."""
    fn()  # warm-up (also emits EcoLogits' once-only warnings)
    samples = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t) / n * 1e6)
    return statistics.median(samples), min(samples), max(samples)


def main() -> None:
    print(f"{platform.platform()} | Python {platform.python_version()} ({platform.python_implementation()})")
    print(f"ecologits {version('ecologits')}")
    for module in ("ecologits", "ecologits.tracers.utils"):
        print(f"import {module:24s} median {import_ms(module):7.1f} ms over 10 fresh interpreters")

    from ecologits.electricity_mix_repository import electricity_mixes
    from ecologits.impacts.llm import compute_llm_impacts
    from ecologits.model_repository import ParametersMoE, models
    from ecologits.tracers.utils import PROVIDER_CONFIG_MAP, llm_impacts

    def high_level() -> object:
        return llm_impacts(
            provider=PROVIDER, model_name=MODEL, output_token_count=OUTPUT_TOKENS, request_latency=LATENCY_S
        )

    # Resolve the parameters once, from EcoLogits' own data, for the low-level call.
    model = models.find_model(provider=PROVIDER, model_name=MODEL)
    if model is None:
        raise SystemExit(f"{PROVIDER}/{MODEL} not in this EcoLogits version's model repository")
    params = model.architecture.parameters
    active, total = (params.active, params.total) if isinstance(params, ParametersMoE) else (params, params)
    config = PROVIDER_CONFIG_MAP[PROVIDER]
    mix = electricity_mixes.find_electricity_mix(zone=config.datacenter_location)
    if mix is None:
        raise SystemExit(f"no electricity mix for zone {config.datacenter_location}")
    kwargs = dict(
        model_active_parameter_count=active,
        model_total_parameter_count=total,
        output_token_count=OUTPUT_TOKENS,
        request_latency=LATENCY_S,
        if_electricity_mix_adpe=mix.adpe,
        if_electricity_mix_pe=mix.pe,
        if_electricity_mix_gwp=mix.gwp,
        if_electricity_mix_wue=mix.wue,
        datacenter_pue=config.datacenter_pue,
        datacenter_wue=config.datacenter_wue,
        tps=model.deployment.tps if model.deployment else None,
        ttft=model.deployment.ttft if model.deployment else None,
    )

    def low_level() -> object:
        return compute_llm_impacts(**kwargs)

    print(
        f"case: {PROVIDER}/{MODEL}, {OUTPUT_TOKENS} output tokens, {LATENCY_S} s latency; "
        f"parameters={params}, zone={config.datacenter_location}"
    )
    for name, fn in (("(a) llm_impacts()", high_level), ("(b) compute_llm_impacts()", low_level)):
        med, lo, hi = per_call_us(fn)
        print(f"{name:27s} median {med:7.1f} us/call (min {lo:.1f}, max {hi:.1f}; 2000 calls x 7 repeats)")


if __name__ == "__main__":
    main()
