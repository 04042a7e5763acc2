"""equivalents.csv: everyday equivalents for reporting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import BuildError, num, read_csv

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
