"""The yearly ESRS E1 summary (E1-5 energy, E1-6 gross GHG emissions by scope) built on the totals
(docs/reporting.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .._interval import Bounds
from .._layout import BOUNDS, VALUE
from .market import MarketFactor
from .store import Store
from .totals import Totals, build


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
    no_fallback = [0.0] * len(BOUNDS)
    lifecycle_fb = by_basis["lifecycle"].market_fallback_gwp if "lifecycle" in by_basis else no_fallback
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
