"""defaults.json: engine defaults with ranges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import BOAVIZTA, ECOLOGITS, num, read_csv
from .datacenters import _pw, _vals


def build_defaults(ref: Path) -> dict[str, Any]:
    llm = {r["parameter"]: r for r in read_csv(ref / "llm_inference_assumptions_ecologits.csv")}
    pw = _pw(ref)
    idc = _vals(pw[("Industry average (IDC)", "PUE")])[0]
    uptime = _vals(pw[("Industry average (Uptime Institute survey)", "PUE")])[0]
    wue_ind = _vals(pw[("Industry average (academic studies)", "WUE")])[0]
    ms_wue = _vals(pw[("Microsoft", "WUE")])
    # Idle/reserved capacity: Google (arXiv 2508.15734) reports idle machines ~10% of the comprehensive
    # energy, i.e. x 1/(1-0.10) = 1.11 on active-server energy; BLOOM-176B deployment (Luccioni et al. 2023)
    # 3.75 Wh/request including idle vs 2.82 Wh GPU-only active gives 3.75/2.82 = 1.33 as an upper reference.
    idle_value = 1.0 / (1.0 - 0.10)
    idle_high = 3.75 / 2.82
    return {
        "batch_size": {
            "value": 64,
            "low": 32,
            "high": 128,
            "unit": "concurrent requests per replica",
            "source": f"value = {ECOLOGITS} batch_size 64 (ecologits/impacts/llm.py); range 32-128 = "
            "typical continuous-batching concurrency (judgement, halving/doubling the value)",
        },
        "memory_overhead": {
            "value": num(float(llm["memory_overhead_factor"]["value"])),
            "low": num(float(llm["memory_overhead_factor"]["value"])),
            "high": num(float(llm["memory_overhead_factor"]["value"])),
            "unit": "x",
            "source": f"{ECOLOGITS} model_required_memory: 1.2 x params x bits/8",
        },
        "gpu": {"value": "H100-SXM", "source": f"{ECOLOGITS} assumes NVIDIA H100 80GB (hardware.csv key)"},
        "server": {
            "value": "hgx-8gpu",
            "source": f"{ECOLOGITS} p5.48xlarge-like 8-GPU server (servers.csv key)",
        },
        "gpus_per_server": {
            "value": 8,
            "low": 8,
            "high": 8,
            "unit": "GPUs",
            "source": f"{ECOLOGITS} server_gpus = 8",
        },
        "hardware_lifetime_years": {
            "value": 3,
            "low": 3,
            "high": 6,
            "unit": "years",
            "source": f"value = {ECOLOGITS} hardware_lifespan 3 years; high = "
            f"{BOAVIZTA} platform lifetime 52,560 h (6 years)",
        },
        "idle_capacity_factor": {
            "value": num(idle_value),
            "low": 1.0,
            "high": num(idle_high),
            "unit": "x server energy",
            "source": "comprehensive boundary only: value = 1/(1-0.10), idle machines ~10% of comprehensive "
            "serving energy (Elsworth et al., Google, arXiv 2508.15734, 2025); high = 3.75/2.82 Wh "
            "per request, BLOOM-176B deployment incl. idle vs GPU-only active (Luccioni et al. 2023, "
            "arXiv 2211.02001); low = 1 (no idle capacity)",
        },
        "pue_industry": {
            "value": idc,
            "low": idc,
            "high": uptime,
            "unit": "",
            "source": f"IDC public-cloud average {idc} (2024, via AWS sustainability page); high = "
            f"Uptime Institute global average {uptime} (2023)",
        },
        "wue_industry": {
            "value": wue_ind,
            "low": ms_wue[0],
            "high": wue_ind,
            "unit": "L/kWh",
            "source": f"on-site WUE: average data-centre {wue_ind} L/kWh (GreenBiz, secondary); "
            "low = Microsoft fleet FY24 0.30 L/kWh",
        },
        "zone": {"value": "WOR", "source": "world average (OWID via EcoLogits 0.11.3) when no zone is known"},
        "precision": {"value": "bf16", "source": f"{ECOLOGITS} model_quantization_bits = 16"},
    }
