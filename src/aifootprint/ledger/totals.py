"""Totals over the ledger with ranges, grouped by provider, model, label, day or month, location-based and
market-based side by side (docs/reporting.md says which scope each figure belongs to and why).

Everything here works on the per-day sums of :meth:`Store.sums`, so a report over ten million entries reads
a few thousand rows. Grid factors of different bases (life-cycle, combustion, CO2-only combustion) are never
added into one figure: the basis is always part of a report row's key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Final

from .._interval import Bounds
from .._layout import BOUNDS, EMBODIED, INDICATORS, SIZE, USAGE, bounds_at, index
from .._values import UNITS
from ..errors import InputError
from . import schema
from .market import MarketFactor, market_key
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
        for mk in market_key(r[_K["kind"]], r[_K["provider"]], lab):
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
