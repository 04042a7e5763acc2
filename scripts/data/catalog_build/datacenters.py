"""datacenters.csv: PUE / WUE and default electricity zone per provider (and per region)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .common import CURATED, BuildError, num, read_csv

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
