"""hardware.csv: accelerator specs and embodied impacts (H100-calibrated)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from .common import BOAVIZTA, PERF_FILE, BuildError, num, read_csv

HW_HEADER = [
    "key",
    "name",
    "aliases",
    "vendor",
    "memory_gb",
    "tdp_w",
    "memory_bandwidth_tb_s",
    "tflops_bf16_dense",
    "tflops_fp8_dense",
    "tflops_fp4_dense",
    "embodied_gwp_kgco2eq",
    "embodied_gwp_low",
    "embodied_gwp_high",
    "embodied_adpe_kgsbeq",
    "embodied_adpe_low",
    "embodied_adpe_high",
    "embodied_pe_mj",
    "embodied_pe_low",
    "embodied_pe_high",
    "spec_source",
    "embodied_source",
]

# key -> (accelerators.csv name, Boavizta name or proxy key, extra embodied source names, aliases)
HW_MAP: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "A100-SXM4-40GB": (
        "NVIDIA A100 SXM4 40GB",
        "NVIDIA A100 SXM4 40GB",
        (),
        "A100-40GB;A100-SXM-40GB;NVIDIA A100-SXM4-40GB",
    ),
    "A100-SXM4-80GB": (
        "NVIDIA A100 SXM4 80GB",
        "NVIDIA A100 SXM4 80GB",
        ("NVIDIA A100 80GB",),
        "A100;A100-80GB;A100-SXM;A100-SXM-80GB;NVIDIA A100-SXM4-80GB",
    ),
    "A100-PCIE-40GB": (
        "NVIDIA A100 PCIe 40GB",
        "NVIDIA A100 PCIe 40GB",
        ("NVIDIA A100 PCIe 40GB",),
        "A100-PCIe-40G;NVIDIA A100-PCIE-40GB",
    ),
    "A100-PCIE-80GB": (
        "NVIDIA A100 PCIe 80GB",
        "NVIDIA A100 PCIe 80GB",
        ("NVIDIA A100 80GB",),
        "A100-PCIe-80G;NVIDIA A100 80GB PCIe",
    ),
    "H100-SXM": (
        "NVIDIA H100 SXM5 80GB",
        "NVIDIA H100 SXM 80GB",
        ("NVIDIA H100 SXM 80GB (HGX H100)", "NVIDIA H100 80GB"),
        "H100;H100-80GB;H100-SXM5;H100-SXM5-80GB;NVIDIA H100 80GB HBM3",
    ),
    "H100-PCIE": (
        "NVIDIA H100 PCIe 80GB",
        "NVIDIA H100 PCIe 80GB",
        ("NVIDIA H100 80GB",),
        "H100-PCIe-80GB;NVIDIA H100 PCIe",
    ),
    "H100-NVL": ("NVIDIA H100 NVL 94GB", "NVIDIA H100 NVL 94GB", (), "H100-NVL-94GB;NVIDIA H100 NVL"),
    "H200-SXM": (
        "NVIDIA H200 SXM 141GB",
        "NVIDIA H200 SXM 141GB",
        (),
        "H200;H200-141GB;H200-SXM5;NVIDIA H200",
    ),
    "H200-NVL": ("NVIDIA H200 NVL 141GB", "proxy:H200-SXM", (), "H200-NVL-141GB;NVIDIA H200 NVL"),
    "B200": ("NVIDIA B200 (HGX B200)", "NVIDIA B200 180GB", (), "B200-180GB;HGX-B200;NVIDIA B200"),
    "L4": ("NVIDIA L4", "NVIDIA L4", (), "L4-24GB;NVIDIA L4"),
    "L40S": ("NVIDIA L40S", "NVIDIA L40S 48GB", (), "L40S-48GB;NVIDIA L40S"),
    "A10": ("NVIDIA A10", "NVIDIA A10", (), "A10-24GB;NVIDIA A10"),
    "A10G": ("NVIDIA A10G (AWS G5)", "proxy:A10", (), "A10G-24GB;NVIDIA A10G"),
    "T4": ("NVIDIA T4", "NVIDIA T4", (), "T4-16GB;Tesla T4;NVIDIA T4"),
    "V100-SXM2-16GB": (
        "NVIDIA V100 SXM2 16GB",
        "NVIDIA Tesla V100 SXM2 16GB",
        (),
        "V100;V100-16GB;Tesla V100-SXM2-16GB",
    ),
    "V100-SXM2-32GB": (
        "NVIDIA V100 SXM2 32GB",
        "NVIDIA Tesla V100 SXM2 32GB",
        (),
        "V100-32GB;Tesla V100-SXM2-32GB",
    ),
    "V100-PCIE-16GB": ("NVIDIA V100 PCIe 16/32GB", "NVIDIA Tesla V100 PCIe 16GB", (), "Tesla V100-PCIE-16GB"),
    "V100S-PCIE-32GB": (
        "NVIDIA V100S PCIe 32GB",
        "NVIDIA Tesla V100S PCIe 32GB",
        (),
        "V100S;Tesla V100S-PCIE-32GB",
    ),
    "MI300X": ("AMD Instinct MI300X", "AMD Instinct MI300X 192GB", (), "MI300X-192GB;AMD Instinct MI300X"),
    "MI325X": ("AMD Instinct MI325X", "proxy:MI300X", (), "MI325X-256GB;AMD Instinct MI325X"),
}
PROXY_WHY = {
    "H200-NVL": "no source for H200 NVL: proxy = H200 SXM (same GH100 die and 141 GB HBM3e; nearest part)",
    "A10G": "no source for A10G: proxy = A10 (same GA102 die, 24 GB; Boavizta maps A10G to A10)",
    "MI325X": "no source for MI325X: proxy = MI300X (same CDNA3 package, 256 vs 192 GB HBM; nearest part, "
    "likely an underestimate of the extra memory)",
}
CALIBRATION_GPU = "H100-SXM"
INDICATORS = (("gwp", ("gwp",)), ("adpe", ("adp",)), ("pe", ("pe", "adpf")))


def build_hardware(ref: Path) -> list[dict[str, Any]]:
    acc = {r["accelerator"]: r for r in read_csv(ref / "accelerators.csv")}
    emb: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for r in read_csv(ref / "accelerator_embodied_impacts.csv"):
        for ind, names in INDICATORS:
            if r["indicator"] in names:
                label = r["source"].split(",")[0].split("(")[0].strip()
                emb.setdefault((r["accelerator"], ind), []).append((float(r["value"]), label))
    perf: dict[str, dict[str, str]] = {}
    if PERF_FILE.exists():
        perf = {r["key"]: r for r in read_csv(PERF_FILE)}

    def sources_for(key: str, ind: str) -> tuple[float | None, list[tuple[float, str]]]:
        _, bname, extra, _ = HW_MAP[key]
        boav = None
        for v, _lbl in emb.get((bname, ind), []):
            if "Boavizta bottom-up" in _lbl:
                boav = v
        others = []
        for e in extra:
            for v, lbl in emb.get((e, ind), []):
                if "Boavizta bottom-up" not in lbl:
                    others.append((v, lbl))
        return boav, others

    # Calibration: ratios of the other published values to Boavizta bottom-up for H100 SXM (the only part
    # with several independent sources). Single-source parts are scaled by the median ratio (value) and
    # min/max ratio (range), so that all parts sit on the same basis as H100.
    ratios: dict[str, list[float]] = {}
    for ind, _ in INDICATORS:
        b, others = sources_for(CALIBRATION_GPU, ind)
        if b is None:
            raise BuildError("no Boavizta value for the calibration GPU")
        ratios[ind] = sorted([1.0] + [v / b for v, _ in others])

    rows = []
    for key, (aname, bname, _extra, aliases) in HW_MAP.items():
        a = acc[aname]
        src_key = bname.split(":", 1)[1] if bname.startswith("proxy:") else key
        row: dict[str, Any] = {
            "key": key,
            "name": aname,
            "aliases": aliases,
            "vendor": a["vendor"],
            "memory_gb": num(float(a["memory_gb"])),
            "tdp_w": num(float(a["tdp_w"])),
            "spec_source": a["spec_source"]
            + (f" (TDP confidence: {a['confidence']})" if a["confidence"] != "high" else ""),
        }
        p = perf.get(key)
        for col in ("memory_bandwidth_tb_s", "tflops_bf16_dense", "tflops_fp8_dense", "tflops_fp4_dense"):
            row[col] = num(float(p[col])) if p and p.get(col) else None
        if p and p.get("source"):
            row["spec_source"] += f"; performance: {p['source']}"
        notes = []
        for ind, _ in INDICATORS:
            b, others = sources_for(src_key, ind)
            if b is None:
                raise BuildError(f"no embodied {ind} for {key}")
            if others:
                vals = [b] + [v for v, _ in others]
                value, lo, hi = statistics.median(vals), min(vals), max(vals)
                notes.append(
                    f"{ind}: median of Boavizta bottom-up {b:g} and "
                    + ", ".join(f"{lbl} {v:g}" for v, lbl in others)
                )
            else:
                rs = ratios[ind]
                value, lo, hi = b * statistics.median(rs), b * rs[0], b * rs[-1]
                notes.append(
                    f"{ind}: Boavizta bottom-up {b:g} x H100 calibration "
                    f"(median {statistics.median(rs):.3g}, range {rs[0]:.3g}-{rs[-1]:.3g})"
                )
            unit = {"gwp": "embodied_gwp", "adpe": "embodied_adpe", "pe": "embodied_pe"}[ind]
            main = unit + ("_kgco2eq" if ind == "gwp" else "_kgsbeq" if ind == "adpe" else "_mj")
            row[main], row[unit + "_low"], row[unit + "_high"] = num(value), num(lo), num(hi)
        why = PROXY_WHY.get(key, "")
        row["embodied_source"] = (
            ((why + "; ") if why else "")
            + "; ".join(notes)
            + (
                f"; per card, manufacture+transport; {BOAVIZTA} computed in reference "
                "data; PE includes ADPf-labelled "
                "values (EcoLogits convention)"
            )
        )
        rows.append(row)
    rows.sort(key=lambda r: r["key"])
    return rows
