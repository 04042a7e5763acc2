"""grid.csv: electricity impact factors per zone (countries, sub-national zones, cloud regions)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .common import CODECARBON, ECOLOGITS, BuildError, fnum, num, read_csv, span


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
