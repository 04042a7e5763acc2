"""Human formatting: SI-scaled quantities, ranges, plain-text tables, everyday equivalents."""

from __future__ import annotations

from collections.abc import Sequence

from ._layout import INDICATORS
from ._values import LABELS, Impacts, Quantity
from .catalog import Catalog

#: unit -> (base symbol, list of (factor, symbol)) from large to small.
_SCALES: dict[str, list[tuple[float, str]]] = {
    "kWh": [(1e3, "MWh"), (1.0, "kWh"), (1e-3, "Wh"), (1e-6, "mWh"), (1e-9, "µWh")],
    "kgCO2eq": [(1e3, "tCO2eq"), (1.0, "kgCO2eq"), (1e-3, "gCO2eq"), (1e-6, "mgCO2eq"), (1e-9, "µgCO2eq")],
    "kgSbeq": [(1.0, "kgSbeq"), (1e-3, "gSbeq"), (1e-6, "mgSbeq"), (1e-9, "µgSbeq"), (1e-12, "ngSbeq")],
    "MJ": [(1e3, "GJ"), (1.0, "MJ"), (1e-3, "kJ"), (1.0e-6, "J")],
    "L": [(1e3, "m³"), (1.0, "L"), (1e-3, "mL"), (1e-6, "µL")],
}


def scale_for(unit: str, magnitude: float) -> tuple[float, str]:
    scales = _SCALES.get(unit)
    if not scales or magnitude == 0:
        return 1.0, unit
    for factor, symbol in scales:
        if magnitude >= factor:
            return factor, symbol
    return scales[-1]


def _num(x: float) -> str:
    """Three significant digits, never in exponent notation (values are pre-scaled to [1, 1000))."""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}" if abs(x) >= 1e-3 else f"{x:.2e}"


def fmt_quantity(q: Quantity, *, with_range: bool = True) -> tuple[str, str]:
    if q.value == 0 and q.high == 0:
        return "0", "" if not with_range else "0"
    factor, symbol = scale_for(q.unit, abs(q.value) or abs(q.high))
    value = f"{_num(q.value / factor)} {symbol}"
    if not with_range:
        return value, ""
    return value, f"{_num(q.low / factor)} – {_num(q.high / factor)} {symbol}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align_right: Sequence[int] = ()) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, c in enumerate(cells):
            out.append(c.rjust(widths[i]) if i in align_right else c.ljust(widths[i]))
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), sep, *(line(r) for r in rows)])


def impacts_table(imp: Impacts) -> str:
    rows = []
    for name in INDICATORS:
        total = getattr(imp, name)
        value, rng = fmt_quantity(total)
        usage = fmt_quantity(getattr(imp.usage, name), with_range=False)[0]
        embodied = fmt_quantity(getattr(imp.embodied, name), with_range=False)[0]
        rows.append([LABELS[name], value, rng, usage, embodied])
    return table(["Impact", "Value", "Range (low – high)", "Usage", "Embodied"], rows, align_right=(1, 3, 4))


def equivalents(cat: Catalog, imp: Impacts) -> list[str]:
    """Everyday equivalents of the central values, each with its source."""
    return equivalents_of(cat, gwp=imp.gwp.value, energy=imp.energy.value, water=imp.water.value)


def equivalents_of(cat: Catalog, *, gwp: float, energy: float, water: float) -> list[str]:
    """Everyday equivalents of GWP (kgCO2eq), energy (kWh) and water (L), each with its source."""
    out = []
    quantities = {"gwp": gwp, "energy": energy, "water": water}
    for key in ("car_km", "phone_charge", "led_bulb_hour", "water_bottle"):
        eq = cat.equivalents.get(key)
        if eq is None or eq.value <= 0:
            continue
        n = quantities[eq.quantity] / eq.value
        if key == "car_km":  # label: "km driven by ..."
            text = f"{_distance(n)} {eq.label.removeprefix('km ')}"
        elif key == "led_bulb_hour":  # label: "hour of a ~9 W LED bulb ..."
            text = f"{_duration(n)} {eq.label.removeprefix('hour ')}"
        elif n < 1:
            text = f"{_fmt_count(n * 100)} % of a {eq.label}"
        else:
            text = f"{_fmt_count(n)} × {eq.label}"
        out.append(f"≈ {text} ({_short_source(eq.source)})")
    return out


def _distance(km: float) -> str:
    if km >= 1:
        return f"{_fmt_count(km)} km"
    if km >= 1e-3:
        return f"{_fmt_count(km * 1e3)} m"
    return f"{_fmt_count(km * 1e5)} cm"


def _duration(hours: float) -> str:
    if hours >= 1:
        return f"{_fmt_count(hours)} h"
    if hours >= 1 / 60:
        return f"{_fmt_count(hours * 60)} min"
    return f"{_fmt_count(hours * 3600)} s"


def _short_source(source: str) -> str:
    """The publisher part of a source (before the title), e.g. 'US EPA'."""
    return source.split(",", maxsplit=1)[0].split(" - ", maxsplit=1)[0].strip()


def _fmt_count(n: float) -> str:
    if n >= 100:
        return f"{n:,.0f}"
    return f"{n:.3g}" if n >= 1e-3 else f"{n:.2e}"
