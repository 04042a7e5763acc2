#!/usr/bin/env python3
"""Build the shipped data catalogue of aifootprint from the reference data.

Usage::

    python scripts/data/build_catalog.py [--reference-data PATH] [--check]

Reads ``<repo>/../shared/reference-data`` (see its SOURCES.md) plus the hand-curated inputs in
``scripts/data/curated/`` and the accelerator performance table ``scripts/data/accelerator_performance.csv``
(merged when present), and writes ``src/aifootprint/data/``. ``--check`` rebuilds in memory and exits 1
when a shipped file differs. Stdlib only; output is deterministic.

The choice rules are documented in ``docs/data.md``; every rule below says where it is applied.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import statistics
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CURATED = HERE / "curated"
PERF_FILE = HERE / "accelerator_performance.csv"
OUT_DIR = ROOT / "src" / "aifootprint" / "data"
DEFAULT_REF = ROOT.parent / "shared" / "reference-data"

SCHEMA_VERSION = 1
DATA_VERSION = "2026.11.0"
SHIPPED = (
    "models.json",
    "grid.csv",
    "datacenters.csv",
    "hardware.csv",
    "servers.csv",
    "equivalents.csv",
    "defaults.json",
    "cpu_tdp.csv",
    "ATTRIBUTION.md",
)

ECOLOGITS = "EcoLogits 0.11.3 (MPL-2.0)"
ECOLOGITS_OLD = "EcoLogits repo mlco2/ecologits@5be90da v0.9.3 (MPL-2.0)"
BOAVIZTA = "BoaviztAPI 2.5.0 (AGPL-3.0)"
CODECARBON = "CodeCarbon 3.3.2 (MIT)"


class BuildError(Exception):
    """Raised when the inputs are inconsistent."""


# ---------------------------------------------------------------------------------------------- helpers


def num(x: float | str) -> float:
    """Round to 6 significant digits (stable float formatting)."""
    v = float(x)
    return float(f"{v:.6g}")


def fmt(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return repr(num(x))
    return str(x)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_csv(header: list[str], rows: Iterable[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([fmt(r.get(h)) for h in header])
    return buf.getvalue().encode("utf-8")


def write_json(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def fnum(s: str) -> float | None:
    s = (s or "").strip()
    if not s:
        return None
    return float(s)


def span(value: float, others: Iterable[float | None]) -> tuple[float, float, float]:
    vals = [value] + [o for o in others if o is not None]
    return num(value), num(min(vals)), num(max(vals))


# ---------------------------------------------------------------------------------------------- grid

KIND_WORLD = "world"


def _year_int(s: str) -> int | None:
    s = (s or "").strip()
    return int(s) if re.fullmatch(r"\d{4}", s) else None


def build_grid(ref: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    countries = read_csv(ref / "electricity_factors_by_country.csv")
    long_rows = read_csv(ref / "electricity_factors_long.csv")

    # GWP range rule: min/max over the recent values of each zone (OWID latest via EcoLogits 0.11.3,
    # OWID via CodeCarbon with reference year >= 2021, any other source with a year >= 2021);
    # superseded snapshots are excluded; when nothing recent exists every value for the zone is used.
    recent: dict[str, list[float]] = {}
    every: dict[str, list[float]] = {}
    for r in long_rows:
        if r["indicator"] != "gwp":
            continue
        v = float(r["value"]) / 1000.0
        every.setdefault(r["zone"], []).append(v)
        if "superseded" in r["note"]:
            continue
        year = _year_int(r["reference_year"])
        if r["via_package"].startswith("EcoLogits 0.11.3") or (year is not None and year >= 2021):
            recent.setdefault(r["zone"], []).append(v)

    rows: list[dict[str, Any]] = []
    by_zone: dict[str, dict[str, Any]] = {}
    for c in countries:
        zone = c["iso3"]
        if not c["gwp_g_per_kwh"]:
            raise BuildError(f"no gwp for {zone}")
        value = float(c["gwp_g_per_kwh"]) / 1000.0
        others = recent.get(zone) or every.get(zone) or []
        v, lo, hi = span(value, others)
        kind = "world" if zone == "WOR" else ("region" if zone == "EEE" else "country")
        year = _year_int(c["gwp_year"])
        if c["gwp_source"].startswith("OWID (via EcoLogits"):
            gsrc = (
                "Our World in Data carbon_intensity_elec (Ember + Energy "
                "Institute), location-based life-cycle, "
                "latest OWID year at packaging (2024 or 2025, not recorded), via " + ECOLOGITS
            )
        else:
            gsrc = f"{c['gwp_source']} ({c['gwp_year']})"
        if lo != hi:
            gsrc += "; range = min/max of recent sources in electricity_factors_long.csv"
        row = {
            "zone": zone,
            "name": c["name"],
            "kind": kind,
            "parent": "",
            "gwp_kgco2eq_per_kwh": v,
            "gwp_low": lo,
            "gwp_high": hi,
            "gwp_basis": "lifecycle",
            "adpe_kgsbeq_per_kwh": num(float(c["adpe_kgsbeq_per_kwh"])),
            "pe_mj_per_kwh": num(float(c["pe_mj_per_kwh"])),
            "water_l_per_kwh": num(float(c["water_offsite_l_per_kwh"])),
            "year": year,
            "gwp_source": gsrc,
            "adpe_source": c["adpe_source"],
            "pe_source": c["pe_source"] + " [ADPf, fossil resource use, used as PE]",
            "water_source": c["water_source"] + " [off-site water of generation]",
        }
        rows.append(row)
        by_zone[zone] = row

    def sub(*args: Any) -> None:
        zone, name, kind, parent, value, lo, hi, basis, year, gsrc = args
        p = by_zone[parent]
        row = {
            "zone": zone,
            "name": name,
            "kind": kind,
            "parent": parent,
            "gwp_kgco2eq_per_kwh": num(value),
            "gwp_low": num(min(lo, value)),
            "gwp_high": num(max(hi, value)),
            "gwp_basis": basis,
            "adpe_kgsbeq_per_kwh": p["adpe_kgsbeq_per_kwh"],
            "pe_mj_per_kwh": p["pe_mj_per_kwh"],
            "water_l_per_kwh": p["water_l_per_kwh"],
            "year": year,
            "gwp_source": gsrc,
            "adpe_source": f"parent country {parent}: {p['adpe_source']}",
            "pe_source": f"parent country {parent}: {p['pe_source']}",
            "water_source": f"parent country {parent}: {p['water_source']}",
        }
        if zone in by_zone:
            raise BuildError(f"duplicate zone {zone}")
        rows.append(row)
        by_zone[zone] = row

    for r in read_csv(ref / "us_state_carbon_intensity_egrid2023.csv"):
        if r["state_code"] == "US":
            continue
        v = float(r["gco2eq_per_kwh"]) / 1000.0
        sub(
            f"US-{r['state_code']}",
            r["state_name"],
            "us_state",
            "USA",
            v,
            v,
            v,
            "combustion",
            int(r["year"]),
            f"US EPA eGRID2023 state {r['egrid_field']} (combustion CO2+CH4+N2O, not life-cycle; "
            f"{r['co2eq_lb_per_mwh']} lb/MWh x 0.45359237), via {CODECARBON}; single source",
        )

    for r in read_csv(ref / "canada_province_energy_mix_2023.csv"):
        lc = float(r["gco2eq_per_kwh_lifecycle_derived"]) / 1000.0
        cc = float(r["gco2_per_kwh_codecarbon_method"]) / 1000.0
        sub(
            f"CA-{r['province_code']}",
            r["province_name"],
            "ca_province",
            "CAN",
            lc,
            min(lc, cc),
            max(lc, cc),
            "lifecycle",
            int(r["year"]),
            "derived in reference data: 2023 generation shares (CodeCarbon 3.3.2 "
            "canada_energy_mix.json, upstream "
            "undocumented) x CodeCarbon per-source life-cycle factors; low = CodeCarbon fossil-only method",
        )

    for r in read_csv(ref / "china_province_carbon_intensity_2023.csv"):
        v = float(r["gco2_per_kwh"]) / 1000.0
        sub(
            r["zone"],
            r["province"],
            "cn_province",
            "CHN",
            v,
            v,
            v,
            "co2_combustion",
            int(r["year"]),
            "China MEE + NBS Announcement 2025 No. 47 Table 3 (CO2 only, "
            "location-based incl. inter-provincial "
            "transfers), "
            f"https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202512/t20251231_1139517.html, via {CODECARBON}",
        )

    nordic_parent = {"SE": "SWE", "NO": "NOR", "FI": "FIN"}
    for r in read_csv(ref / "nordic_bidding_zone_carbon_intensity.csv"):
        v = float(r["gco2eq_per_kwh"]) / 1000.0
        cov = f"; coverage {r['coverage']} (lower bound where coverage < 100%)" if r["coverage"] else ""
        sub(
            r["zone"],
            r["description"],
            "bidding_zone",
            nordic_parent[r["zone"][:2]],
            v,
            v,
            v,
            "lifecycle",
            int(r["year"]),
            "ENTSO-E A75 production mix x CodeCarbon per-source life-cycle factors, Khepri v1.3 "
            f"(https://doi.org/10.5281/zenodo.22285397), via {CODECARBON}{cov}",
        )

    # Cloud regions: provider-published value, else the sub-national value, else the country value.
    # Range spans the provider, sub-national and country figures (and the country's own range).
    for r in read_csv(ref / "cloud_regions.csv"):
        zone = f"{r['provider']}:{r['region']}"
        parent = r["country_iso3"]
        if parent not in by_zone:
            raise BuildError(f"cloud region {zone}: unknown country {parent}")
        p = by_zone[parent]
        prov = fnum(r["provider_published_gco2eq_per_kwh"])
        subn = fnum(r["subnational_gco2eq_per_kwh"])
        cands = [p["gwp_kgco2eq_per_kwh"], p["gwp_low"], p["gwp_high"]]
        if prov is not None:
            value = prov / 1000.0
            basis = "lifecycle"
            src = (
                "Google Cloud region grid carbon intensity (location-based; basis not stated, treated as "
                "life-cycle), https://cloud.google.com/sustainability/region-carbon via " + CODECARBON
            )
        elif subn is not None:
            value = subn / 1000.0
            sd = r["subdivision_iso"]
            basis = "combustion" if sd.startswith("US-") else "lifecycle"
            src = f"sub-national value for {sd}: {r['subnational_source']}"
        else:
            value = p["gwp_kgco2eq_per_kwh"]
            basis = p["gwp_basis"]
            src = f"country value {parent} (no provider or sub-national figure): {p['gwp_source']}"
        if subn is not None:
            cands.append(subn / 1000.0)
        src += (
            f"; region->country: {r['region_to_country_source']}; range spans provider/sub-national/country"
        )
        name = r["location"] or r["region"]
        sub(
            zone,
            f"{r['provider']} {r['region']} ({name})",
            "cloud_region",
            parent,
            value,
            min(cands),
            max(cands),
            basis,
            None,
            src,
        )

    rows.sort(key=lambda x: (_KIND_ORDER[x["kind"]], x["zone"]))
    return rows, by_zone


_KIND_ORDER = {
    "world": 0,
    "region": 1,
    "country": 2,
    "us_state": 3,
    "ca_province": 4,
    "cn_province": 5,
    "bidding_zone": 6,
    "cloud_region": 7,
}

GRID_HEADER = [
    "zone",
    "name",
    "kind",
    "parent",
    "gwp_kgco2eq_per_kwh",
    "gwp_low",
    "gwp_high",
    "gwp_basis",
    "adpe_kgsbeq_per_kwh",
    "pe_mj_per_kwh",
    "water_l_per_kwh",
    "year",
    "gwp_source",
    "adpe_source",
    "pe_source",
    "water_source",
]

# ---------------------------------------------------------------------------------------------- datacenters

DC_HEADER = [
    "provider",
    "region",
    "zone",
    "operator",
    "pue",
    "pue_low",
    "pue_high",
    "wue_l_per_kwh",
    "wue_low",
    "wue_high",
    "source",
]


def _pw(ref: Path) -> dict[tuple[str, str], list[dict[str, str]]]:
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in read_csv(ref / "datacenter_pue_wue.csv"):
        out.setdefault((r["operator"], r["metric"]), []).append(r)
    return out


def _vals(rows: list[dict[str, str]], years: Iterable[str] | None = None) -> list[float]:
    out = []
    for r in rows:
        if years is not None and r["year"] not in years:
            continue
        for part in r["value"].split("-"):
            out.append(float(part))
    return out


def build_datacenters(ref: Path, by_zone: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    pw = _pw(ref)
    defaults = {r["client_or_ecologits_key"]: r for r in read_csv(ref / "ai_provider_defaults.csv")}
    ms_pue = _vals(pw[("Microsoft", "PUE")])  # 1.18 fleet, 1.12 newest
    ms_wue = _vals(pw[("Microsoft", "WUE")])  # 0.30 FY24, 0.49 2021, 0.27 2025 (secondary)
    aws_pue = _vals(pw[("AWS", "PUE")])  # 1.15, 1.15, 1.14
    aws_wue = _vals(pw[("AWS", "WUE")])  # 0.25 (2021), 0.15 (2024, recollection)
    g_pue = _vals(pw[("Google", "PUE")])  # 1.10 (2023), 1.09 (2024)
    idc = _vals(pw[("Industry average (IDC)", "PUE")])[0]
    uptime = _vals(pw[("Industry average (Uptime Institute survey)", "PUE")])[0]
    wue_ind = _vals(pw[("Industry average (academic studies)", "WUE")])[0]
    eco = "EcoLogits 0.11.3 PROVIDER_CONFIG_MAP (providers tab of its supplemental spreadsheet)"

    rows: list[dict[str, Any]] = []

    def add(*args: Any) -> None:
        provider, region, zone, operator, pue, wue, source = args
        if zone not in by_zone:
            raise BuildError(f"datacenter {provider}/{region}: unknown zone {zone}")
        rows.append(
            {
                "provider": provider,
                "region": region,
                "zone": zone,
                "operator": operator,
                "pue": num(pue[0]),
                "pue_low": num(pue[1]),
                "pue_high": num(pue[2]),
                "wue_l_per_kwh": num(wue[0]),
                "wue_low": num(wue[1]),
                "wue_high": num(wue[2]),
                "source": source,
            }
        )

    def rng(v: float, others: list[float]) -> tuple[float, float, float]:
        return v, min([v, *others]), max([v, *others])

    oa = defaults["openai"]
    ms_src = (
        "Microsoft PUE 1.18 fleet / 1.12 newest (DatacenterDynamics 2024); Microsoft WUE 0.30 L/kWh FY24 and "
        "0.49 (2021) (Microsoft blog 2024-12-09), 0.27 (2025, secondary, unverified)"
    )
    openai_pue = rng(float(oa["pue"]), ms_pue)
    openai_wue = rng(float(oa["wue_l_per_kwh"]), ms_wue)
    add(
        "openai",
        "",
        "USA",
        "Microsoft",
        openai_pue,
        openai_wue,
        f"value = {eco} (OpenAI on Azure, USA); range spans Microsoft disclosures: {ms_src}",
    )
    add(
        "azure-openai",
        "",
        "USA",
        "Microsoft",
        openai_pue,
        openai_wue,
        f"value = {eco} (Azure OpenAI default USA; use a region row when the deployment region is known); "
        f"range spans Microsoft disclosures: {ms_src}",
    )

    # EcoLogits gives ranges for AWS+Google-hosted providers: value = midpoint of the EcoLogits range.
    def mid_range(s: str) -> tuple[float, float, float]:
        lo, hi = (float(x) for x in s.split("-"))
        return (lo + hi) / 2.0, lo, hi

    for key, provider in (("anthropic", "anthropic"), ("huggingface_hub", "huggingface")):
        d = defaults[key]
        p = mid_range(d["pue"])
        w = mid_range(d["wue_l_per_kwh"])
        p = rng(p[0], [p[1], p[2], *aws_pue, *g_pue])
        w = rng(w[0], [w[1], w[2]])
        add(
            provider,
            "",
            d["default_zone_iso3"],
            "AWS+Google",
            p,
            w,
            f"range = {eco} ({d['pue']} PUE, {d['wue_l_per_kwh']} L/kWh WUE), which also spans AWS 1.14-1.15 "
            "(2023-25) and Google 1.09-1.10 PUE; value = midpoint of the range (hosting split unknown)",
        )

    for key, provider in (("google_genai", "google"), ("cohere", "cohere")):
        d = defaults[key]
        p = rng(float(d["pue"]), g_pue)
        w = (float(d["wue_l_per_kwh"]),) * 3
        add(
            provider,
            "",
            d["default_zone_iso3"],
            "Google",
            p,
            w,
            f"value = {eco}: Google fleet PUE 1.09 (2024; 1.10 in 2023, Google "
            "Environmental Reports); WUE 0.999 "
            "L/kWh is an EcoLogits estimate (Google publishes no WUE) - single value, no range available",
        )

    d = defaults["mistralai"]
    add(
        "mistral",
        "",
        d["default_zone_iso3"],
        "Microsoft Sweden",
        rng(float(d["pue"]), ms_pue),
        rng(float(d["wue_l_per_kwh"]), [ms_wue[0]]),
        f"value = {eco} (la Plateforme on Azure Sweden Central); PUE range "
        "spans Microsoft 1.12 newest / 1.18 "
        "fleet; WUE high = Microsoft fleet FY24 0.30 L/kWh. FRA (Mistral "
        "Compute) is a plausible alternative zone",
    )

    aws_src = (
        "AWS global PUE 1.15 (2023, 2024), 1.14 (2025) (AWS / Amazon sustainability pages); WUE 0.15 L/kWh "
        "(2024, Amazon Sustainability Report - collector recollection, verify) and 0.25 (2021, AWS)"
    )
    bed_pue = rng(1.15, aws_pue)
    bed_wue = rng(0.15, aws_wue)
    add(
        "bedrock",
        "",
        "aws:us-east-1",
        "AWS",
        bed_pue,
        bed_wue,
        f"default region us-east-1 (collector reasoning, ai_provider_defaults.csv); {aws_src}",
    )

    ind_pue = (idc, idc, uptime)
    ind_wue = (wue_ind, min(ms_wue[0], wue_ind), wue_ind)
    ind_src = (
        f"no published PUE/WUE: industry range, PUE value = IDC public-cloud average {idc} (2024, via AWS), "
        f"high = Uptime Institute {uptime} (2023); WUE value = average data-centre {wue_ind} L/kWh "
        "(GreenBiz), low = Microsoft fleet FY24 0.30 L/kWh"
    )
    for key, provider, zone, why in (
        ("(groq SDK / OpenAI-compatible)", "groq", "USA", "GroqCloud capacity mostly in North America"),
        ("(together SDK / OpenAI-compatible)", "together", "USA", "Together GPU fleet predominantly US"),
        (
            "(OpenAI-compatible api.deepseek.com)",
            "deepseek",
            "CHN",
            "DeepSeek privacy policy: data stored in PRC",
        ),
        ("(xai SDK / OpenAI-compatible)", "xai", "US-TN", "xAI Colossus, Memphis TN (eGRID state factor)"),
    ):
        src = defaults[key]["source"]
        add(provider, "", zone, "unknown", ind_pue, ind_wue, f"zone: {why} ({src}); {ind_src}")

    add(
        "ollama",
        "",
        "WOR",
        "local",
        (1.0, 1.0, 1.0),
        (0.0, 0.0, 0.0),
        "local inference on the user's own machine: no facility overhead (PUE "
        "1.0) and no cooling water (WUE 0); "
        "zone WOR until the user sets one (convention of this catalogue)",
    )

    for r in read_csv(CURATED / "datacenter_regions.csv"):
        zone = f"{r['cloud']}:{r['cloud_region']}"
        base = {"azure-openai": (openai_pue, openai_wue, ms_src), "bedrock": (bed_pue, bed_wue, aws_src)}.get(
            r["provider"]
        )
        if base is None:
            g = defaults["google_genai"]
            base = (
                rng(float(g["pue"]), g_pue),
                (float(g["wue_l_per_kwh"]),) * 3,
                f"{eco} Google values (fleet averages; no per-region PUE published)",
            )
        add(
            r["provider"],
            r["region"],
            zone,
            r["operator"],
            base[0],
            base[1],
            f"region {r['region']} ({r['source']}); fleet-average PUE/WUE: {base[2]}",
        )

    rows.sort(key=lambda x: (x["provider"], x["region"]))
    return rows


# ---------------------------------------------------------------------------------------------- hardware

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


# ---------------------------------------------------------------------------------------------- servers

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


# ---------------------------------------------------------------------------------------------- equivalents

EQ_HEADER = ["key", "label", "quantity", "value", "unit", "source", "url", "status"]
# key -> (reference row prefix, label, quantity, unit, factor to target unit)
EQUIVALENTS = {
    "car_km": (
        "passenger car, new EU registrations (tailpipe, type-approval WLTP)",
        "km driven by an average new EU car (2023, tailpipe CO2 only, WLTP lab test)",
        "gwp",
        "kgCO2eq/km",
        1e-3,
    ),
    "car_km_us": (
        "average car/truck mile (US)",
        "km driven by an average US car or light truck (EPA, tailpipe)",
        "gwp",
        "kgCO2eq/km",
        1e-3 / 1.609344,
    ),
    "car_km_fr_lifecycle": (
        "average thermal car in France",
        "km in an average French petrol/diesel car, life cycle incl. manufacturing (ADEME)",
        "gwp",
        "kgCO2eq/km",
        1e-3,
    ),
    "phone_charge": ("smartphone full charge", "full smartphone charge", "energy", "kWh", 1.0),
    "led_bulb_hour": (
        "LED light bulb",
        "hour of a ~9 W LED bulb (60 W-incandescent equivalent)",
        "energy",
        "kWh",
        1e-3,
    ),
    "water_bottle": ("water bottle", "0.5 L bottle of water", "water", "L", 1.0),
    "shower": ("shower (US average)", "average US shower (8.2 min)", "water", "L", 1.0),
    "google_search": ("Google web search (2009)", "Google web search (2009 figure)", "energy", "kWh", 1e-3),
    "chatgpt_query": ("ChatGPT average query", "average ChatGPT query (OpenAI, 2025)", "energy", "kWh", 1e-3),
    "gemini_prompt": (
        "Gemini Apps median text prompt - energy",
        "median Gemini Apps text prompt (Google, 2025)",
        "energy",
        "kWh",
        1e-3,
    ),
    "gemini_prompt_gwp": (
        "Gemini Apps median text prompt - GHG",
        "median Gemini Apps text prompt, market-based (Google, 2025)",
        "gwp",
        "kgCO2eq",
        1e-3,
    ),
    "gemini_prompt_water": (
        "Gemini Apps median text prompt - water",
        "median Gemini Apps text prompt, on-site water (Google, 2025)",
        "water",
        "L",
        1e-3,
    ),
    "kettle_litre": (
        "boiling 1 L of water",
        "boiling 1 L of water from 20 C (no losses)",
        "energy",
        "kWh",
        1.0,
    ),
    "tv_hour": ("32-inch LCD TV, one hour", "hour of a 32-inch LCD TV (US grid)", "gwp", "kgCO2eq", 1e-3),
    "household_week": (
        "average US household energy use, one week",
        "week of an average US household's energy use",
        "gwp",
        "kgCO2eq",
        1.0,
    ),
    "smartphone_manufacturing": (
        "smartphone manufacturing",
        "manufacturing one smartphone",
        "gwp",
        "kgCO2eq",
        1.0,
    ),
    "laptop_manufacturing": (
        "laptop manufacturing",
        "manufacturing one professional laptop",
        "gwp",
        "kgCO2eq",
        1.0,
    ),
    "mistral_large2_response_gwp": (
        "Mistral Large 2, one 400-token response - GHG",
        "one 400-token Mistral Large 2 response, full LCA (Mistral/Carbone 4/ADEME 2025)",
        "gwp",
        "kgCO2eq",
        1e-3,
    ),
    "mistral_large2_response_water": (
        "Mistral Large 2, one 400-token response - water",
        "one 400-token Mistral Large 2 response, full LCA water (Mistral 2025)",
        "water",
        "L",
        1e-3,
    ),
}
REQUIRED_EQUIVALENTS = (
    "car_km",
    "phone_charge",
    "led_bulb_hour",
    "water_bottle",
    "google_search",
    "chatgpt_query",
)


def build_equivalents(ref: Path) -> list[dict[str, Any]]:
    ref_rows = read_csv(ref / "equivalents.csv")
    rows = []
    for key, (prefix, label, qty, unit, factor) in EQUIVALENTS.items():
        match = [r for r in ref_rows if r["equivalent"].startswith(prefix)]
        if not match:
            raise BuildError(f"equivalent {key}: no reference row {prefix!r}")
        r = match[0]
        title = r["source_title"]
        if title in ("same", "same file"):  # the reference file says "same" for the row above it
            prev = [
                x
                for x in ref_rows[: ref_rows.index(r)]
                if x["source_title"] not in ("same", "same file")
                and (x["url"] == r["url"] or x["source_org"] == r["source_org"])
            ]
            title = prev[-1]["source_title"] if prev else title
        src = ", ".join(x for x in (r["source_org"], title, r["year"]) if x) or r["status"]
        src += f" - {r['value']} {r['unit']} ({r['scope']})"
        rows.append(
            {
                "key": key,
                "label": label,
                "quantity": qty,
                "value": num(float(r["value"]) * factor),
                "unit": unit,
                "source": src,
                "url": r["url"],
                "status": r["status"],
            }
        )
    rows.sort(key=lambda r: r["key"])
    return rows


# ---------------------------------------------------------------------------------------------- defaults


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


# ---------------------------------------------------------------------------------------------- models

PROVIDER_MAP = {
    "openai": "openai",
    "anthropic": "anthropic",
    "mistralai": "mistral",
    "google_genai": "google",
    "cohere": "cohere",
    "huggingface_hub": "huggingface",
    "azure_openai": "openai",
}
PROVIDERS = (
    "openai",
    "anthropic",
    "mistral",
    "cohere",
    "google",
    "huggingface",
    "groq",
    "together",
    "bedrock",
    "ollama",
    "deepseek",
    "xai",
)
ESTIMATE_NOTE = (
    "parameters not disclosed; EcoLogits 0.11.3 estimate (warning model-arch-not-released). EcoLogits method "
    "(docs/methodology/proprietary_models.md): leaks (GPT-4 ~1.76-1.8T MoE), "
    "benchmark parity (Claude 3 Opus ~ "
    "GPT-4), price ratios (GPT-4-Turbo 880B), MoE activation 10-30% of total"
)
DATE_SUFFIX = re.compile(r"^(\d{3}|\d{4}|\d{4}-\d{2}-\d{2}|\d{8})$")
HF_URL = re.compile(r"https://huggingface\.co/([\w.-]+/[\w.-]+)")


def _precision(name: str) -> str:
    n = name.lower()
    if "gpt-oss" in n or "-4bit" in n or "awq" in n or "int4" in n:
        return "fp4"
    if "fp8" in n or "int8" in n:
        return "fp8"
    return "bf16"


def _model(
    provider: str, name: str, arch: str, total: tuple[float, float], active: tuple[float, float], **kw: Any
) -> dict[str, Any]:
    m = {
        "provider": provider,
        "name": name,
        "aliases": [],
        "architecture": arch,
        "total_params_b": [num(total[0]), num(total[1])],
        "active_params_b": [num(active[0]), num(active[1])],
        "precision": kw.get("precision", _precision(name)),
        "estimated": kw.get("estimated", False),
        "estimate_note": kw.get("estimate_note"),
        "tokens_per_s": kw.get("tokens_per_s"),
        "ttft_s": kw.get("ttft_s"),
        "open_weights": kw.get("open_weights"),
        "deprecated": kw.get("deprecated", False),
        "sources": list(kw.get("sources", [])),
        "_version": kw.get("version", ""),
    }
    return m


def build_models(ref: Path) -> list[dict[str, Any]]:
    models: dict[tuple[str, str], dict[str, Any]] = {}

    # 1. EcoLogits (0.11.3 + v0.9.3-only rows, the latter deprecated)
    for r in read_csv(ref / "ecologits_models.csv"):
        provider = PROVIDER_MAP[r["provider"]]
        old = r["ecologits_version"].startswith("0.9.3")
        est = r["estimate"] == "yes"
        urls = r["sources"].split()
        ow = None
        if provider == "huggingface":
            ow = r["model"]
        elif not est:
            hf = [HF_URL.match(u) for u in urls]
            hf_ids = [m.group(1) for m in hf if m]
            ow = hf_ids[0] if hf_ids else None
        m = _model(
            provider,
            r["model"],
            r["architecture"],
            (float(r["total_params_b_min"]), float(r["total_params_b_max"])),
            (float(r["active_params_b_min"]), float(r["active_params_b_max"])),
            estimated=est,
            estimate_note=ESTIMATE_NOTE if est else None,
            tokens_per_s=num(float(r["openrouter_tps"])) if r["openrouter_tps"] else None,
            ttft_s=num(float(r["openrouter_ttft_s"])) if r["openrouter_ttft_s"] else None,
            open_weights=ow,
            deprecated=old,
            sources=[
                *urls,
                (ECOLOGITS_OLD + " models.json; dropped in 0.11.3") if old else (ECOLOGITS + " models.json"),
            ],
            version="0.9.3" if old else "0.11.3",
        )
        if m["tokens_per_s"] is not None:
            m["sources"].append("tokens_per_s/ttft_s: OpenRouter statistics as recorded by EcoLogits")
        models[(provider, r["model"])] = m

    # 2. Open-weight model table (overrides EcoLogits parameter counts for the same repository)
    for r in read_csv(ref / "open_weight_models.csv"):
        key = ("huggingface", r["hf_repo"])
        total, active = float(r["total_params_b"]), float(r["active_params_b"])
        prov = f"reference-data open_weight_models.csv ({r['verification']})"
        if key in models:
            m = models[key]
            m["total_params_b"] = [num(total), num(total)]
            m["active_params_b"] = [num(active), num(active)]
            m["architecture"] = r["architecture"]
            m["sources"] = [r["source_url"], prov, *[s for s in m["sources"] if s != r["source_url"]]]
        else:
            models[key] = _model(
                "huggingface",
                r["hf_repo"],
                r["architecture"],
                (total, total),
                (active, active),
                open_weights=r["hf_repo"],
                sources=[r["source_url"], prov],
                version="ow",
            )

    # 3. Precision overrides
    for r in read_csv(CURATED / "precision.csv"):
        m = models[(r["provider"], r["name"])]
        m["precision"] = r["precision"]
        m["sources"].append(f"precision {r['precision']}: {r['source']}")

    # 4. Curated provider ids mapped to catalogue facts
    for r in read_csv(CURATED / "models_map.csv"):
        tp, tn = r["facts_from"].split("|", 1)
        if (tp, tn) not in models:
            raise BuildError(f"models_map {r['provider']}/{r['name']}: unknown facts_from {r['facts_from']}")
        t = models[(tp, tn)]
        key = (r["provider"], r["name"])
        if key in models:
            raise BuildError(f"models_map duplicates {key}")
        note = r["note"] or None
        est_note = t["estimate_note"]
        if t["estimated"] and note:
            est_note = f"{note}. {est_note}"
        m = _model(
            r["provider"],
            r["name"],
            t["architecture"],
            tuple(t["total_params_b"]),
            tuple(t["active_params_b"]),
            precision=r["precision"] or t["precision"],
            estimated=t["estimated"],
            estimate_note=est_note,
            open_weights=r["name"] if r["provider"] == "huggingface" else t["open_weights"],
            deprecated=r["deprecated"] == "true",
            sources=[
                *r["source"].split(" ; "),
                f"parameters from catalogue entry {tp}/{tn}: {t['sources'][0]}",
            ],
            version="curated",
        )
        if note and not t["estimated"]:
            m["sources"].append(f"note: {note}")
        if r["aliases"]:
            m["aliases"] = r["aliases"].split(";")
        models[key] = m

    # 5. Aliases. Explicit ones first (model_aliases.csv for the direct providers, then curated/aliases.csv),
    #    then the twin rule: an undated id (or X-latest) whose only dated twin in the same EcoLogits release
    #    has identical parameters becomes an alias of the dated id.
    explicit: list[tuple[str, str, str, str]] = []
    for r in read_csv(ref / "model_aliases.csv"):
        provider = PROVIDER_MAP.get(r["provider"])
        if provider is None or not r["canonical"] or r["canonical"] == r["name"]:
            if provider == "mistral" and r["canonical_open_weights"] and (provider, r["name"]) in models:
                models[(provider, r["name"])]["open_weights"] = r["canonical_open_weights"]
            continue
        why = r["kind"] + (f", as of {r['as_of']}" if r["as_of"] else "")
        explicit.append(
            (
                provider,
                r["name"],
                r["canonical"],
                f"alias {r['name']} -> {r['canonical']} ({why}): {r['source']}",
            )
        )
        if provider == "mistral" and r["canonical_open_weights"] and (provider, r["canonical"]) in models:
            models[(provider, r["canonical"])]["open_weights"] = r["canonical_open_weights"]
    for r in read_csv(CURATED / "aliases.csv"):
        explicit.append(
            (
                r["provider"],
                r["alias"],
                r["canonical"],
                f"alias {r['alias']} -> {r['canonical']} (as of {r['as_of']}): {r['source']}",
            )
        )

    twins: list[tuple[str, str, str, str]] = []
    by_provider: dict[str, list[dict[str, Any]]] = {}
    for m in models.values():
        by_provider.setdefault(m["provider"], []).append(m)
    for provider, ms in by_provider.items():
        if provider not in ("openai", "anthropic", "mistral", "google", "cohere"):
            continue
        for m in ms:
            base = m["name"].removesuffix("-latest")
            cands = [
                o
                for o in ms
                if o is not m
                and o["name"].startswith(base + "-")
                and DATE_SUFFIX.match(o["name"][len(base) + 1 :])
                and o["_version"] == m["_version"]
                and o["total_params_b"] == m["total_params_b"]
                and o["active_params_b"] == m["active_params_b"]
            ]
            if len(cands) == 1:
                rel = "EcoLogits 0.11.3" if m["_version"] == "0.11.3" else "EcoLogits v0.9.3"
                twins.append(
                    (
                        provider,
                        m["name"],
                        cands[0]["name"],
                        f"alias {m['name']} -> {cands[0]['name']} (undated/rolling id "
                        "whose only dated twin in "
                        f"{rel} has identical parameters; valid as of the reference data 2026-11)",
                    )
                )

    explicit_names = {(p, a) for p, a, _, _ in explicit}
    alias_list = explicit + [t for t in twins if (t[0], t[1]) not in explicit_names]
    target: dict[tuple[str, str], tuple[str, str]] = {}
    for provider, alias, canonical, src in alias_list:
        if (provider, alias) in target:
            continue
        target[(provider, alias)] = (canonical, src)

    def resolve(provider: str, name: str, seen: set[str]) -> str:
        if (provider, name) in target and name not in seen:
            seen.add(name)
            return resolve(provider, target[(provider, name)][0], seen)
        return name

    for (provider, alias), (_canonical, src) in sorted(target.items()):
        final = resolve(provider, alias, set())
        if final == alias:
            raise BuildError(f"alias cycle at {provider}/{alias}")
        if (provider, final) not in models:
            raise BuildError(f"alias {provider}/{alias}: canonical {final} not in catalogue")
        m = models[(provider, final)]
        old = models.pop((provider, alias), None)
        if old is not None:
            if m["tokens_per_s"] is None and old["tokens_per_s"] is not None:
                m["tokens_per_s"], m["ttft_s"] = old["tokens_per_s"], old["ttft_s"]
            for a in old["aliases"]:
                if a not in m["aliases"]:
                    m["aliases"].append(a)
        if alias not in m["aliases"]:
            m["aliases"].append(alias)
        if src not in m["sources"]:
            m["sources"].append(src)

    out = []
    for key in sorted(models):
        m = models[key]
        if m["provider"] not in PROVIDERS:
            raise BuildError(f"unknown provider {m['provider']}")
        m["aliases"] = sorted(set(m["aliases"]))
        del m["_version"]
        out.append(m)
    _check_models(out)
    return out


def _check_models(models: list[dict[str, Any]]) -> None:
    names: dict[str, set[str]] = {}
    for m in models:
        names.setdefault(m["provider"], set()).add(m["name"])
    seen_alias: set[tuple[str, str]] = set()
    for m in models:
        for a in m["aliases"]:
            if a in names[m["provider"]]:
                raise BuildError(f"alias {m['provider']}/{a} equals a model name")
            if (m["provider"], a) in seen_alias:
                raise BuildError(f"alias {m['provider']}/{a} used twice")
            seen_alias.add((m["provider"], a))
        t, a = m["total_params_b"], m["active_params_b"]
        if not (0 < t[0] <= t[1] and 0 < a[0] <= a[1] and a[1] <= t[1]):
            raise BuildError(f"bad parameters for {m['provider']}/{m['name']}")
        if not m["sources"]:
            raise BuildError(f"no source for {m['provider']}/{m['name']}")


# ---------------------------------------------------------------------------------------------- cpu tdp

#: Short source codes of cpu_tdp.csv (one value for thousands of rows: a code keeps the file small). The
#: runtime (``aifootprint.local.estimate.TDP_SOURCES``) and docs/data.md spell them out.
CPU_SOURCE_CODES = {
    "cc": f"{CODECARBON} data/hardware/cpu_power.csv",
    "cc-max": f"{CODECARBON} data/hardware/cpu_power.csv, largest of its rows for this name",
}

# Name canonicalisation of cpu_tdp.csv: the form the runtime reduces CPU brand strings to, so that a lookup is
# one exact (case-insensitive) search in the file. tests/measure/test_estimate.py checks that every shipped
# name is a fixed point of the runtime normalisation (aifootprint.local.estimate.normalise_cpu_name).
_CPU_DROP = re.compile(r"\((?:R|TM)\)|[\u00ae\u2122\u200b]|\bCPU\b|\bProcessor\b|\(OEM Only\)", re.IGNORECASE)


def cpu_canonical(name: str) -> str:
    s = " ".join(_CPU_DROP.sub(" ", name.replace("\u00a0", " ")).split())
    return s.replace(" Microsoft Surface Edition", "")


def build_cpu_tdp(ref: Path) -> list[dict[str, Any]]:
    """CodeCarbon's CPU TDP table (W per package) with canonical names.

    Rows whose names become equal (case-insensitively) are merged: same TDP -> one row; different TDP -> the
    largest, with source ``cc-max``. Rows without a usable TDP (garbled like ``27.29.5``, or 0) are skipped.
    """
    best: dict[str, dict[str, Any]] = {}
    for r in read_csv(ref / "cpu_tdp_codecarbon.csv"):
        name = cpu_canonical(r["cpu_name"])
        try:
            tdp = num(float(r["tdp_w"]))
        except ValueError:
            continue
        if not name or not tdp > 0:
            continue
        row = {"name": name, "tdp_w": int(tdp) if tdp.is_integer() else tdp, "source": "cc"}
        key = name.lower()
        old = best.get(key)
        if old is None:
            best[key] = row
        elif old["tdp_w"] != row["tdp_w"]:
            keep = max(old, row, key=lambda x: (x["tdp_w"], x["name"]))
            best[key] = {**keep, "source": "cc-max"}
        else:
            same = min(old, row, key=lambda x: x["name"])  # deterministic whatever the input order
            best[key] = {**same, "source": old["source"]}
    if len(best) < 4000 or any(r["source"] not in CPU_SOURCE_CODES for r in best.values()):
        raise BuildError(f"cpu_tdp: {len(best)} rows, or a source code without a meaning")
    return [best[k] for k in sorted(best)]


CPU_TDP_HEADER = ["name", "tdp_w", "source"]


# ---------------------------------------------------------------------------------------------- attribution

ATTRIBUTION = """\
# Attribution of the shipped data

The files in this folder (`models.json`, `grid.csv`, `datacenters.csv`, `hardware.csv`, `servers.csv`,
`equivalents.csv`, `defaults.json`, `cpu_tdp.csv`) were built by `scripts/data/build_catalog.py` from a
reference-data collection (collected 2026-11-23) and hand-curated inputs in `scripts/data/curated/`. Every
row names its source. Choice rules (values and ranges) are documented in `docs/data.md`.

## Derived from other projects

- **EcoLogits** (GenAI Impact / mlco2), version 0.11.3 and repository v0.9.3 (commit 5be90da) -
  Mozilla Public License 2.0, https://github.com/mlco2/ecologits .
  `models.json` reproduces EcoLogits' curated model table (architecture, parameter ranges and estimates for
  undisclosed models, OpenRouter speed statistics), the provider PUE/WUE/zone defaults in `datacenters.csv`,
  the electricity GWP/ADPe/PE/water factors it ships (OWID, ADEME, WRI), and the inference constants in
  `defaults.json`. The MPL-2.0 source of that data is available at the URL above.
- **BoaviztAPI** (Boavizta), version 2.5.0 - GNU Affero General Public License v3.0,
  https://github.com/Boavizta/boaviztapi . Figures computed with the package: GPU bottom-up embodied
  impacts in `hardware.csv`, cloud-instance archetypes in `servers.csv`, region-to-country mapping of
  cloud regions in `grid.csv`, ADEME factors for zones EcoLogits lacks. Only numbers (facts) are
  reproduced; no BoaviztAPI code or data file is redistributed.
- **CodeCarbon** version 3.3.2 - MIT License (https://github.com/mlco2/codecarbon/blob/master/LICENSE).
  Copyright (c) 2019 Mila, BCG Gamma, CometML, Haverford College; Copyright (c) 2023 Code Carbon NGO.
  Used for OWID carbon intensities, US eGRID2023 state factors, Canadian provincial mixes and per-source
  factors, China MEE provincial factors, Nordic bidding-zone factors (Khepri v1.3), Google Cloud region
  intensities, and equivalents from its dashboard. `cpu_tdp.csv` reproduces CodeCarbon's CPU TDP table
  (`codecarbon/data/hardware/cpu_power.csv`: TDP in W per CPU model, from Intel ARK and AMD product pages)
  with names canonicalised and duplicates merged (source codes `cc`, `cc-max`; see `docs/data.md`); its
  licence is reproduced in full at the end of this file.
- **mlco2/impact** (MIT) - alternative GPU TDP values noted in the reference data.

## Original datasets

- Our World in Data energy dataset (`carbon_intensity_elec`; Ember, Energy Institute) - CC BY 4.0,
  https://github.com/owid/energy-data .
- ADEME Base IMPACTS / Base Empreinte (electricity ADPe, ADPf) - ADEME terms of use; values as
  redistributed by EcoLogits and BoaviztAPI.
- WRI, Guidance for calculating water use embedded in purchased electricity (2020) - CC BY 4.0.
- US EPA eGRID2023 - public domain.
- China MEE/NBS Announcement 2025 No. 47 - official publication.
- ENTSO-E Transparency Platform (via Khepri v1.3, https://doi.org/10.5281/zenodo.22285397) - ENTSO-E terms.
- Google Cloud region carbon data; vendor datasheets (NVIDIA, AMD); company sustainability reports; provider
  model documentation (OpenAI, Anthropic, Mistral, Cohere, Google, AWS Bedrock, Groq, Together AI, Ollama,
  DeepSeek, Hugging Face model cards): facts quoted with their URL in each row.

## CodeCarbon licence (for `cpu_tdp.csv`)

```
MIT License

Copyright (c) 2019 Mila, BCG Gamma, CometML, Haverford College
Copyright (c) 2023 Code Carbon NGO

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
```
"""


# ---------------------------------------------------------------------------------------------- main


def build(ref: Path) -> dict[str, bytes]:
    if not (ref / "SOURCES.md").exists():
        raise BuildError(f"reference data not found at {ref}")
    grid, by_zone = build_grid(ref)
    models = build_models(ref)
    files = {
        "models.json": write_json({"schema_version": SCHEMA_VERSION, "models": models}),
        "grid.csv": write_csv(GRID_HEADER, grid),
        "datacenters.csv": write_csv(DC_HEADER, build_datacenters(ref, by_zone)),
        "hardware.csv": write_csv(HW_HEADER, build_hardware(ref)),
        "servers.csv": write_csv(SRV_HEADER, build_servers(ref)),
        "equivalents.csv": write_csv(EQ_HEADER, build_equivalents(ref)),
        "defaults.json": write_json(build_defaults(ref)),
        "cpu_tdp.csv": write_csv(CPU_TDP_HEADER, build_cpu_tdp(ref)),
        "ATTRIBUTION.md": ATTRIBUTION.encode("utf-8"),
    }
    sources_sha = hashlib.sha256((ref / "SOURCES.md").read_bytes()).hexdigest()
    perf = "with" if PERF_FILE.exists() else "without"
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "data_version": DATA_VERSION,
        "built_from": (
            f"reference-data collected 2026-11-23 (SOURCES.md sha256 {sources_sha[:16]}) + "
            f"scripts/data/curated/*.csv, {perf} scripts/data/accelerator_performance.csv; "
            "scripts/data/build_catalog.py"
        ),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    files["MANIFEST.json"] = write_json(manifest)
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference-data", type=Path, default=DEFAULT_REF)
    ap.add_argument(
        "--check", action="store_true", help="exit 1 if the shipped files differ from a fresh build"
    )
    ap.add_argument("--out", type=Path, default=OUT_DIR, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    try:
        files = build(args.reference_data)
    except BuildError as e:
        print(f"build_catalog: {e}", file=sys.stderr)
        return 2
    if args.check:
        stale = [
            n for n, d in files.items() if not (args.out / n).exists() or (args.out / n).read_bytes() != d
        ]
        if stale:
            print(
                "build_catalog: shipped files differ from a fresh build: " + ", ".join(sorted(stale)),
                file=sys.stderr,
            )
            return 1
        print("build_catalog: shipped data is up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    init = args.out / "__init__.py"
    if not init.exists():
        init.write_text("")
    for name, data in files.items():
        (args.out / name).write_bytes(data)
    print(f"build_catalog: wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
