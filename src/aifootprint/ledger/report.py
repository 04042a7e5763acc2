"""Reports over the ledger: totals with ranges per provider, model, label, day or month, location-based and
market-based side by side, and the yearly ESRS E1 summary (docs/reporting.md says which scope each figure
belongs to and why).

Everything here works on the per-day sums of :meth:`Store.sums`, so a report over ten million entries reads
a few thousand rows. Grid factors of different bases (life-cycle, combustion, CO2-only combustion) are never
added into one figure: the basis is always part of a report row's key.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Final

from .._interval import Bounds
from .._layout import BOUNDS, EMBODIED, INDICATORS, SIZE, USAGE, VALUE, bounds_at, index
from .._values import UNITS
from ..errors import ConfigError, InputError
from . import schema
from .store import Store

TIME_KEYS: Final = ("day", "month", "year")
PLAIN_KEYS: Final = ("provider", "model", "kind", "source", "zone", "boundary")
BASIS_LABELS: Final[dict[str, str]] = {
    "lifecycle": "life-cycle",
    "combustion": "combustion",
    "co2_combustion": "CO2 combustion",
    "": "none (no impacts)",
    "unknown": "unknown",
}

# Positions in a Store.sums() row.
_N_KEYS = len(schema.ROLLUP_KEYS)  # day + 9 keys
_K = {k: i for i, k in enumerate(("day", *schema.ROLLUP_KEYS[1:]))}
_C = {c: _N_KEYS + i for i, c in enumerate((*schema.ROLLUP_COUNTS, *schema.ROLLUP_SUMS))}
_IMP0 = _C[schema.IMPACT_COLUMNS[0]]
# Positions in the impact vector (aifootprint._layout) that the market-based figures read.
_USAGE_ENERGY = index("usage", "energy")
_USAGE_ENERGY_VALUE = index("usage", "energy", "value")
_USAGE_GWP = index("usage", "gwp")
_N_BOUNDS = len(BOUNDS)


def parse_by(values: Iterable[str] | None) -> list[str]:
    """``["provider,label:project", "month"]`` -> ``["provider", "label:project", "month"]`` (validated)."""
    keys: list[str] = []
    for value in values or ():
        for raw in value.split(","):
            key = raw.strip()
            if not key:
                continue
            if key.startswith("label:"):
                name = key[len("label:") :]
                if not name:
                    raise InputError("--by", "label: needs a label name, e.g. --by label:project")
            elif key not in (*PLAIN_KEYS, *TIME_KEYS):
                known = ", ".join((*PLAIN_KEYS, *TIME_KEYS, "label:NAME"))
                raise InputError("--by", f"unknown key {key!r} (known: {known})")
            if key not in keys:
                keys.append(key)
    return keys


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


def _market_key(kind: str, provider: str, labels: Mapping[str, str]) -> tuple[str, ...]:
    if kind == "api":
        return (provider,)
    site = labels.get("site")
    return (f"site:{site}",) if site else ("local",)  # a site without a table of its own falls back


# -- aggregation -------------------------------------------------------------------------------------------
@dataclass
class Totals:
    """Sums over a group of entries. ``impacts`` holds the sums of the impact vector (aifootprint._layout:
    share x indicator x low/value/high); the market-based lists are (low, value, high)."""

    entries: int = 0
    with_impacts: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    impacts: list[float] = field(default_factory=lambda: [0.0] * SIZE)
    market_usage_gwp: list[float] = field(default_factory=lambda: [0.0] * _N_BOUNDS)  # contract + fallback
    # location-based stand-in
    market_fallback_gwp: list[float] = field(default_factory=lambda: [0.0] * _N_BOUNDS)
    market_covered_kwh: float = 0.0  # usage energy that has a contractual factor

    def add_row(self, r: Sequence[Any], market: list[float] | None) -> None:
        self.entries += r[_C["entries"]]
        self.with_impacts += r[_C["with_impacts"]]
        self.input_tokens += r[_C["input_tokens"]]
        self.output_tokens += r[_C["output_tokens"]]
        imp = self.impacts
        for j in range(SIZE):
            imp[j] += r[_IMP0 + j]
        m = self.market_usage_gwp
        if market is None:  # no contractual factor: the location-based figure stands in
            g = _IMP0 + _USAGE_GWP
            fb = self.market_fallback_gwp
            for j in range(_N_BOUNDS):
                m[j] += r[g + j]
                fb[j] += r[g + j]
        else:
            for j in range(_N_BOUNDS):
                m[j] += market[j]
            self.market_covered_kwh += r[_IMP0 + _USAGE_ENERGY_VALUE]

    def add(self, other: Totals) -> None:
        self.entries += other.entries
        self.with_impacts += other.with_impacts
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        for j in range(SIZE):
            self.impacts[j] += other.impacts[j]
        for j in range(_N_BOUNDS):
            self.market_usage_gwp[j] += other.market_usage_gwp[j]
            self.market_fallback_gwp[j] += other.market_fallback_gwp[j]
        self.market_covered_kwh += other.market_covered_kwh

    def usage(self, indicator: str) -> Bounds:
        return Bounds(*bounds_at(self.impacts, USAGE[INDICATORS.index(indicator)]))

    def embodied(self, indicator: str) -> Bounds:
        return Bounds(*bounds_at(self.impacts, EMBODIED[INDICATORS.index(indicator)]))

    def total(self, indicator: str) -> Bounds:
        u, e = self.usage(indicator), self.embodied(indicator)
        return Bounds(u.low + e.low, u.value + e.value, u.high + e.high)

    def gwp_market(self) -> Bounds:
        (low, value, high), e = self.market_usage_gwp, self.embodied("gwp")
        return Bounds(low + e.low, value + e.value, high + e.high)

    @property
    def market_coverage(self) -> float | None:
        """Share of the usage energy that has a contractual (market-based) factor."""
        energy = self.usage("energy").value
        return None if energy <= 0 else min(self.market_covered_kwh / energy, 1.0)


@dataclass
class Report:
    keys: list[str]  # group keys, then "basis"
    groups: list[tuple[tuple[str, ...], Totals]]
    totals: list[tuple[str, Totals]]  # per basis, plus "all" when several
    since: float | None
    until: float | None
    market: dict[str, MarketFactor]
    market_used: set[str]
    zones: set[str]


_days: dict[int, datetime] = {}


def _date(day: int) -> datetime:
    d = _days.get(day)
    if d is None:
        d = _days[day] = datetime.fromtimestamp(day * 86400, tz=timezone.utc)
    return d


def _key_value(key: str, r: Sequence[Any], labels: Mapping[str, str]) -> str:
    if key == "day":
        return _date(r[0]).strftime("%Y-%m-%d")
    if key == "month":
        return _date(r[0]).strftime("%Y-%m")
    if key == "year":
        return _date(r[0]).strftime("%Y")
    if key.startswith("label:"):
        return labels.get(key[6:], "")
    return str(r[_K[key]])


def build(
    store: Store,
    *,
    since: float | None = None,
    until: float | None = None,
    by: Sequence[str] = (),
    market: Mapping[str, MarketFactor] | None = None,
) -> Report:
    """Totals of the entries in ``[since, until)`` grouped by ``by`` (and always by grid-factor basis)."""
    market = dict(market or {})
    labels_cache: dict[str, Mapping[str, str]] = {}
    groups: dict[tuple[str, ...], Totals] = {}
    used: set[str] = set()
    zones: set[str] = set()
    for r in store.sums(since, until):
        text = r[_K["labels"]]
        lab = labels_cache.get(text)
        if lab is None:
            lab = labels_cache[text] = json.loads(text) if text and text != "{}" else {}
        basis = r[_K["gwp_basis"]]
        key = (*(_key_value(k, r, lab) for k in by), basis)
        factor = None
        for mk in _market_key(r[_K["kind"]], r[_K["provider"]], lab):
            if mk in market:
                factor = market[mk]
                used.add(mk)
                break
        m = None
        if factor is not None:
            f = factor.gwp_kgco2eq_per_kwh
            m = [x * f for x in bounds_at(r, _IMP0 + _USAGE_ENERGY)]
        t = groups.get(key)
        if t is None:
            t = groups[key] = Totals()
        t.add_row(r, m)
        if r[_K["zone"]]:
            zones.add(r[_K["zone"]])
    ordered = sorted(groups.items(), key=_sort_key(by))
    per_basis: dict[str, Totals] = {}
    for k, t in ordered:
        per_basis.setdefault(k[-1], Totals()).add(t)
    totals = sorted(per_basis.items(), key=lambda kv: (kv[0] == "", kv[0]))
    if len(per_basis) > 1:
        everything = Totals()
        for t in per_basis.values():
            everything.add(t)
        totals.append(("all", everything))
    return Report([*by, "basis"], ordered, totals, since, until, market, used, zones)


def _sort_key(by: Sequence[str]) -> Any:
    if by and by[0] in TIME_KEYS:
        return lambda item: (*item[0][:-1], item[0][-1] == "", item[0][-1])
    return lambda item: (item[0][-1] == "", -item[1].total("gwp").value, item[0])


# -- rendering ---------------------------------------------------------------------------------------------
def _flat(key_names: Sequence[str], key: Sequence[str], t: Totals) -> dict[str, Any]:
    row: dict[str, Any] = {k: v for k, v in zip(key_names, key, strict=True)}
    row["entries"] = t.entries
    row["without_impacts"] = t.entries - t.with_impacts
    row["input_tokens"] = t.input_tokens
    row["output_tokens"] = t.output_tokens
    for ind in INDICATORS:
        lo, val, hi = t.total(ind)
        unit = UNITS[ind]
        name = "gwp_location" if ind == "gwp" else ind
        row[f"{name}_{unit}"] = val
        row[f"{name}_low_{unit}"] = lo
        row[f"{name}_high_{unit}"] = hi
        row[f"{ind}_usage_{unit}"] = t.usage(ind).value
        row[f"{ind}_embodied_{unit}"] = t.embodied(ind).value
        if ind == "gwp":
            mlo, mval, mhi = t.gwp_market()
            row["gwp_market_kgCO2eq"] = mval
            row["gwp_market_low_kgCO2eq"] = mlo
            row["gwp_market_high_kgCO2eq"] = mhi
            cov = t.market_coverage
            row["market_factor_coverage"] = None if cov is None else round(cov, 6)
    return row


def shown_totals(report: Report) -> list[tuple[str, Totals]]:
    """The total rows a report shows: per basis, then all bases; without ``--by`` the groups are the
    per-basis totals already, so only the all-bases one (when there are several bases)."""
    if len(report.keys) > 1:
        return report.totals
    return [(b, t) for b, t in report.totals if b == "all"]


def rows(report: Report) -> list[dict[str, Any]]:
    """One flat dict per group, then the totals (key columns set to ``TOTAL``)."""
    out = [_flat(report.keys, k, t) for k, t in report.groups]
    for basis, t in shown_totals(report):
        out.append(_flat(report.keys, [*("TOTAL" for _ in report.keys[:-1]), basis], t))
    return out


def metadata(report: Report, store: Store) -> dict[str, Any]:
    from .when import iso

    return {
        "ledger": str(store.path),
        "since": None if report.since is None else iso(report.since),
        "until": None if report.until is None else iso(report.until),
        "generated_at": iso(datetime.now(tz=timezone.utc).timestamp()),
        "group_by": report.keys,
        "time_zone": "UTC",
        "ranges": "low/high are sums of the entries' bounds (errors taken as fully correlated)",
        "market_factors": {
            k: {
                "gwp_kgco2eq_per_kwh": f.gwp_kgco2eq_per_kwh,
                "gwp_basis": f.gwp_basis,
                "source": f.source,
                "year": f.year,
            }
            for k, f in sorted(report.market.items())
            if k in report.market_used
        },
        "market_fallback": "entries without a contractual factor count at their location-based figure",
        "grid_factor_sources": _zone_sources(report.zones),
        **store.versions(report.since, report.until),
    }


def _zone_sources(zones: Iterable[str]) -> dict[str, dict[str, str]]:
    from .._api import get_catalog

    cat = get_catalog()
    out: dict[str, dict[str, str]] = {}
    for code in sorted(zones):
        try:
            z = cat.zone(code)
        except LookupError:
            continue
        out[code] = {"gwp_basis": z.gwp_basis, "gwp_source": z.gwp_source}
    return out


# -- ESRS E1 -----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Datapoint:
    """One line of the ESRS E1 summary: a figure with its range (``low <= value <= high``, fields in that
    order, keyword-only as :class:`~aifootprint.Quantity`), its unit and what it covers."""

    name: str
    esrs: str
    low: float
    value: float
    high: float
    unit: str
    note: str


def _datapoint(name: str, esrs: str, bounds: Sequence[float], unit: str, note: str) -> Datapoint:
    low, value, high = bounds
    return Datapoint(name=name, esrs=esrs, low=low, value=value, high=high, unit=unit, note=note)


def esrs(store: Store, year: int, market: Mapping[str, MarketFactor] | None = None) -> list[Datapoint]:
    """The yearly summary in the terms of ESRS E1 (E1-5 energy, E1-6 gross GHG emissions by scope)."""
    from .when import year_range

    since, until = year_range(year)
    rep = build(store, since=since, until=until, by=["kind"], market=market)
    per: dict[tuple[str, str], Totals] = {k: t for k, t in rep.groups}  # type: ignore[misc]
    out: list[Datapoint] = []

    def mwh(t: Sequence[float]) -> Bounds:  # kWh -> MWh
        low, value, high = t
        return Bounds(low / 1e3, value / 1e3, high / 1e3)

    tco2 = mwh  # kgCO2eq -> tCO2eq

    local = [(b, t) for (kind, b), t in per.items() if kind == "local"]
    api = [(b, t) for (kind, b), t in per.items() if kind == "api"]
    lt, at = Totals(), Totals()
    for _, t in local:
        lt.add(t)
    for _, t in api:
        at.add(t)
    by_basis = {b: t for b, t in local}
    local_kwh = lt.usage("energy").value

    def share(basis: str) -> str:
        t = by_basis.get(basis)
        kwh = 0.0 if t is None else t.usage("energy").value
        return "no local runs" if local_kwh <= 0 else f"covers {kwh / local_kwh:.0%} of local energy"

    out.append(
        _datapoint(
            "Energy consumption of own operations: AI runs on owned hardware",
            "E1-5",
            mwh(lt.usage("energy")),
            "MWh",
            "electricity of local runs (measured or estimated), PUE included where given" + _without_note(lt),
        )
    )
    out.append(
        _datapoint(
            "Electricity of purchased AI services (value chain; not own consumption)",
            "E1-5 (context)",
            mwh(at.usage("energy")),
            "MWh",
            "estimated facility energy of API calls; not part of the E1-5 total",
        )
    )
    for basis, name, note in (
        ("combustion", "Gross Scope 2 GHG emissions, location-based", "combustion-only grid factors"),
        (
            "co2_combustion",
            "Gross Scope 2 GHG emissions, location-based (CO2 only)",
            "combustion CO2 only: CH4 and N2O missing",
        ),
        (
            "lifecycle",
            "Gross Scope 2 location-based + upstream (life-cycle grid factors, not separable)",
            "life-cycle factors add fuel supply and infrastructure upstream of generation; T&D losses "
            "excluded. Supply combustion factors ([zones] gwp_basis = 'combustion') for a clean Scope 2",
        ),
    ):
        if basis != "combustion" and basis not in by_basis:
            continue
        t = by_basis.get(basis, Totals())
        out.append(_datapoint(name, "E1-6", tco2(t.usage("gwp")), "tCO2eq", f"{note}; {share(basis)}"))
    # Market-based: contractual factors, and where there is none the location-based figure, but only on
    # combustion factors; life-cycle stand-ins go to a line of their own (never one mixed figure).
    contract = [m - f for m, f in zip(lt.market_usage_gwp, lt.market_fallback_gwp, strict=True)]
    lifecycle_fb = by_basis["lifecycle"].market_fallback_gwp if "lifecycle" in by_basis else [0.0] * _N_BOUNDS
    mb = [c + (f - lf) for c, f, lf in zip(contract, lt.market_fallback_gwp, lifecycle_fb, strict=True)]
    bases = sorted(
        {
            f.gwp_basis
            for k, f in rep.market.items()
            if k in rep.market_used and k != "" and (k == "local" or k.startswith("site:"))
        }
    )
    out.append(
        _datapoint(
            "Gross Scope 2 GHG emissions, market-based",
            "E1-6",
            tco2(mb),
            "tCO2eq",
            _coverage_note(lt.market_coverage)
            + (f"; contractual factors on {', '.join(bases)} basis" if bases else "")
            + (
                "; runs without a contract on life-cycle factors are in the next line"
                if lifecycle_fb[VALUE]
                else ""
            ),
        )
    )
    if lifecycle_fb[VALUE]:
        out.append(
            _datapoint(
                "Gross Scope 2 market-based, runs without a contractual factor on life-cycle grid factors "
                "(not separable)",
                "E1-6",
                tco2(lifecycle_fb),
                "tCO2eq",
                "the Scope 2 Guidance asks for a residual mix here; give one as a [market] factor",
            )
        )
    out.append(
        _datapoint(
            "Embodied share of owned AI hardware, amortised by time used (allocation, not Scope 3 cat. 2)",
            "E1-6 (context)",
            tco2(lt.embodied("gwp")),
            "tCO2eq",
            "Scope 3 category 2 counts capital goods in full in the year bought: report it from your "
            "purchases (docs/reporting.md)",
        )
    )
    cat1 = at.gwp_market() if at.market_covered_kwh > 0 else at.total("gwp")
    out.append(
        _datapoint(
            "Gross Scope 3 category 1 (purchased goods and services): AI API calls",
            "E1-6",
            tco2(cat1),
            "tCO2eq",
            "usage (providers' grids, or their contractual factors where configured) + embodied share; "
            + _coverage_note(at.market_coverage)
            + _without_note(at),
        )
    )
    return out


def _without_note(t: Totals) -> str:
    n = t.entries - t.with_impacts
    if not n:
        return ""
    return f"; {n:,} entr{'y' if n == 1 else 'ies'} without impacts {'is' if n == 1 else 'are'} not counted"


def _coverage_note(cov: float | None) -> str:
    if cov is None:
        return "no usage energy"
    if cov >= 1.0:
        return "contractual factors cover all usage energy"
    return f"contractual factors cover {cov:.0%} of usage energy, the rest is at its location-based figure"
