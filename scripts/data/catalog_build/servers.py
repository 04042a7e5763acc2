"""servers.csv: GPU-server host archetypes (server without its GPUs), power and embodied impacts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import BOAVIZTA, num, read_csv, span

SRV_HEADER = [
    "key",
    "name",
    "gpu_key",
    "gpu_count",
    "host_power_w",
    "host_power_w_low",
    "host_power_w_high",
    "embodied_gwp_kgco2eq",
    "embodied_gwp_low",
    "embodied_gwp_high",
    "embodied_adpe_kgsbeq",
    "embodied_adpe_low",
    "embodied_adpe_high",
    "embodied_pe_mj",
    "embodied_pe_low",
    "embodied_pe_high",
    "lifetime_years",
    "source",
]
# key -> (name, gpu_key, primary instance, comparison instances)
SERVERS = {
    "hgx-8gpu": (
        "8-GPU HGX host without GPUs (AWS p5.48xlarge, 8x H100 SXM)",
        "H100-SXM",
        "aws/p5.48xlarge",
        ("gcp/a3-highgpu-8g",),
    ),
    "a100-8gpu": (
        "8x A100 SXM4 host without GPUs (AWS p4d.24xlarge)",
        "A100-SXM4-40GB",
        "aws/p4d.24xlarge",
        ("aws/p4de.24xlarge", "gcp/a2-ultragpu-8g"),
    ),
    "pcie-8gpu": (
        "8-GPU PCIe host without GPUs (AWS g6e.48xlarge, 8x L40S)",
        "L40S",
        "aws/g6e.48xlarge",
        ("aws/g5.48xlarge", "aws/g6.48xlarge"),
    ),
    "pcie-4gpu": (
        "4-GPU PCIe host without GPUs (AWS g6e.12xlarge, 4x L40S)",
        "L40S",
        "aws/g6e.12xlarge",
        ("aws/g5.12xlarge",),
    ),
}


def build_servers(ref: Path) -> list[dict[str, Any]]:
    inst = {
        f"{r['provider']}/{r['instance_type']}": r
        for r in read_csv(ref / "gpu_server_archetypes_boavizta.csv")
    }
    llm = {r["parameter"]: r for r in read_csv(ref / "llm_inference_assumptions_ecologits.csv")}
    eco_power = float(llm["server_power_without_gpus"]["value"]) * 1000.0
    eco_gwp = float(llm["server_embodied_gwp_without_gpus"]["value"])
    eco_adp = float(llm["server_embodied_adpe_without_gpus"]["value"])
    eco_pe = float(llm["server_embodied_pe_without_gpus"]["value"])
    rows = []
    for key, (name, gpu_key, primary, comps) in SERVERS.items():
        p = inst[primary]
        cs = [inst[c] for c in comps]
        is_hgx = key == "hgx-8gpu"
        # Boavizta's uncertainty on the instance total, applied proportionally to the host share.
        tot = float(p["embodied_gwp_kgco2eq_total"])
        fmin = float(p["embodied_gwp_kgco2eq_total_min"]) / tot
        fmax = float(p["embodied_gwp_kgco2eq_total_max"]) / tot
        gwp = float(p["embodied_gwp_kgco2eq_without_gpus"])
        g_others = [gwp * fmin, gwp * fmax] + [float(c["embodied_gwp_kgco2eq_without_gpus"]) for c in cs]
        a_others = [float(c["embodied_adp_kgsbeq_without_gpus"]) for c in cs]
        pe_others = [float(c["embodied_pe_mj_without_gpus"]) for c in cs]
        pw_others = [float(p["avg_power_w_without_gpus_min"]), float(p["avg_power_w_without_gpus_max"])]
        pw_others += [float(c["avg_power_w_without_gpus"]) for c in cs]
        if is_hgx:
            g_others.append(eco_gwp)
            a_others.append(eco_adp)
            pe_others.append(eco_pe)
            pw_others.append(eco_power)
        pw = span(float(p["avg_power_w_without_gpus"]), pw_others)
        g = span(gwp, g_others)
        a = span(float(p["embodied_adp_kgsbeq_without_gpus"]), a_others)
        e = span(float(p["embodied_pe_mj_without_gpus"]), pe_others)
        src = (
            f"{BOAVIZTA} archetype {primary} computed in reference data "
            "(gpu_server_archetypes_boavizta.csv): "
            "host = instance without GPUs, average power (CPU+RAM+disks x 1.33, GPUs excluded) with Boavizta "
            f"min/max; embodied range = Boavizta total uncertainty applied to the host share and "
            f"{', '.join(comps)}"
        )
        if is_hgx:
            src += (
                "; EcoLogits 0.11.3 constants (1.2 kW, 5,700 kgCO2eq, 0.37 kgSbeq, 70,000 MJ from an older "
                "BoaviztAPI) included in the ranges"
            )
        rows.append(
            {
                "key": key,
                "name": name,
                "gpu_key": gpu_key,
                "gpu_count": int(float(p["gpu_units"])),
                "host_power_w": pw[0],
                "host_power_w_low": pw[1],
                "host_power_w_high": pw[2],
                "embodied_gwp_kgco2eq": g[0],
                "embodied_gwp_low": g[1],
                "embodied_gwp_high": g[2],
                "embodied_adpe_kgsbeq": a[0],
                "embodied_adpe_low": a[1],
                "embodied_adpe_high": a[2],
                "embodied_pe_mj": e[0],
                "embodied_pe_low": e[1],
                "embodied_pe_high": e[2],
                "lifetime_years": num(float(p["platform_lifetime_h"]) / 8760.0),
                "source": src + "; lifetime = Boavizta platform lifetime (engine default: defaults.json)",
            }
        )
    rows.sort(key=lambda r: r["key"])
    return rows
