"""Market-based emission factors (GHG Protocol Scope 2 guidance): contractual factors per API provider or
site, from the config file's ``[market]`` tables, and how an entry finds its factor (docs/reporting.md)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError


# -- market-based factors ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MarketFactor:
    """A contractual emission factor (kgCO2eq/kWh) for an API provider or a site, with its source."""

    key: str  # "openai", "site:paris-lab", "local"
    gwp_kgco2eq_per_kwh: float
    source: str
    year: int | None = None
    gwp_basis: str = "combustion"


def parse_market(raw: Mapping[str, Any] | None, origin: str) -> dict[str, MarketFactor]:
    """``[market."openai"]`` / ``[market."site:NAME"]`` / ``[market."local"]`` tables of the config file."""
    out: dict[str, MarketFactor] = {}
    for key, table in (raw or {}).items():
        where = f'{origin}: [market."{key}"]'
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where} must be a table with gwp_kgco2eq_per_kwh and source")
        known = ("gwp_kgco2eq_per_kwh", "source", "year", "gwp_basis")
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(known)})")
        basis = table.get("gwp_basis", "combustion")
        if basis not in ("lifecycle", "combustion", "co2_combustion"):
            raise ConfigError(
                f"{where}: gwp_basis must be combustion, lifecycle or co2_combustion, got {basis!r}"
            )
        f = table.get("gwp_kgco2eq_per_kwh")
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not math.isfinite(f) or f < 0:
            raise ConfigError(
                f"{where}: gwp_kgco2eq_per_kwh must be a number >= 0 (kgCO2eq per kWh), got {f!r}"
            )
        src = table.get("source")
        if not isinstance(src, str) or not src.strip():
            raise ConfigError(
                f"{where}: source is required: the contract, certificate or supplier disclosure the "
                "factor comes from"
            )
        year = table.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            raise ConfigError(f"{where}: year must be an integer such as 2026")
        out[str(key)] = MarketFactor(str(key), float(f), src.strip(), year, basis)
    return out


def configured_market() -> dict[str, MarketFactor]:
    from .._state import current_settings

    s = current_settings()
    return parse_market(s.overlays.get("market"), f"config file {s.config_path}")


def market_key(kind: str, provider: str, labels: Mapping[str, str]) -> tuple[str, ...]:
    if kind == "api":
        return (provider,)
    site = labels.get("site")
    return (f"site:{site}",) if site else ("local",)  # a site without a table of its own falls back
