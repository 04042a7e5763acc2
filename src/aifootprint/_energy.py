"""Impacts of a known amount of electricity: local runs, measured or imported (methodology section 14).

    (L1)  E = E_IT × PUE
    (L2)  GWP = E × grid_GWP ; ADPe = E × grid_ADPe ; PE = E × grid_PE ; water = E × grid_water

each at the low, central and high corner (energy, PUE and grid GWP may be ranges). Embodied impacts are
given by the caller (local measurement allocates its hardware's manufacturing, methodology section 15), or
not included (warning ``embodied-not-included``, as for CodeCarbon imports). Pure apart from the catalogue
lookup of the zone.
"""

from __future__ import annotations

from ._estimator import Estimator
from ._interval import Bounds, RangeLike, parse_range
from ._layout import PER_SHARE, share_values
from ._state import default_estimator
from ._values import Factor, Impacts

_BASIS_WARNINGS = {"combustion": "zone-gwp-combustion-only", "co2_combustion": "zone-gwp-co2-only"}
_NO_EMBODIED = (0.0,) * PER_SHARE
NOT_INCLUDED = Factor(
    "embodied impacts",
    "",
    "not included",
    "",
    "",
    "hardware manufacturing of local machines is not counted (embodied-not-included)",
)


def impacts_from_energy(
    energy_kwh: RangeLike,
    *,
    zone: str,
    pue: RangeLike = 1.0,
    name: str = "local run",
    warnings: tuple[str, ...] = (),
    energy_source: str = "argument",
    pue_source: str = "argument",
    zone_source: str = "argument",
    estimator: Estimator | None = None,
    embodied: tuple[float, ...] | None = None,
    factors: tuple[Factor, ...] = (),
    embodied_factors: tuple[Factor, ...] = (),
) -> Impacts:
    """Impacts of ``energy_kwh`` of electricity drawn by IT equipment in ``zone``, times ``pue``.

    ``energy_kwh`` and ``pue`` accept numbers or ``(low, high)`` / ``(low, value, high)`` ranges. The
    boundary is ``server`` when ``pue`` is exactly 1, else ``datacenter``. Water is the off-site water
    consumed generating the electricity (no on-site cooling water). ``*_source`` say where the inputs come
    from, for :meth:`Impacts.explain`. ``embodied`` holds the embodied share of the impact vector (energy,
    GWP, ADPe, PE, water; low/value/high each: ``values[_layout.EMBODIED_VALUES]``) with
    ``embodied_factors`` explaining them; ``factors`` are shown first (a device breakdown, say). Raises
    :class:`~aifootprint.errors.UnknownZoneError` for an unknown zone and
    :class:`~aifootprint.errors.InputError` for negative or non-finite inputs.
    """
    e_it = parse_range("energy_kwh", energy_kwh)
    p = parse_range("pue", pue, minimum=1.0)
    z = (estimator or default_estimator()).catalog.zone(zone)
    e = Bounds(e_it.low * p.low, e_it.value * p.value, e_it.high * p.high)
    g = z.gwp_kgco2eq_per_kwh
    usage = share_values(
        {
            "energy": e,
            "gwp": (e.low * g.low, e.value * g.value, e.high * g.high),
            **{
                indicator: (e.low * factor, e.value * factor, e.high * factor)
                for indicator, factor in (
                    ("adpe", z.adpe_kgsbeq_per_kwh),
                    ("pe", z.pe_mj_per_kwh),
                    ("water", z.water_l_per_kwh),
                )
            },
        }
    )
    codes = [_BASIS_WARNINGS[z.gwp_basis]] if z.gwp_basis in _BASIS_WARNINGS else []
    if embodied is None:
        codes.append("embodied-not-included")
    elif len(embodied) != PER_SHARE:
        raise ValueError(f"embodied: {PER_SHARE} values expected (5 indicators x low/value/high)")
    codes += (w for w in warnings if w not in codes)

    def explainer() -> tuple[Factor, ...]:
        def flat(label: str, x: float, unit: str, source: str) -> Factor:
            return Factor(label, x, x, x, unit, source)

        return (
            *factors,
            Factor("energy drawn by the IT equipment", *e_it, "kWh", energy_source),
            Factor("PUE", *p, "", pue_source if p != (1.0, 1.0, 1.0) else "none: server boundary"),
            Factor("energy including facility overhead", *e, "kWh", "E_IT × PUE (L1)"),
            Factor("zone", "", f"{z.code} ({z.name})", "", "", zone_source),
            Factor(f"grid GWP ({z.gwp_basis})", *g, "kgCO2eq/kWh", z.gwp_source),
            flat("grid ADPe", z.adpe_kgsbeq_per_kwh, "kgSbeq/kWh", z.adpe_source),
            flat("grid PE (ADPf)", z.pe_mj_per_kwh, "MJ/kWh", z.pe_source),
            flat("grid water (off-site, generation)", z.water_l_per_kwh, "L/kWh", z.water_source),
            *(embodied_factors if embodied_factors or embodied is not None else (NOT_INCLUDED,)),
        )

    return Impacts(
        (*usage, *(_NO_EMBODIED if embodied is None else embodied)),
        model=name,
        zone=z.code,
        boundary="server" if p == (1.0, 1.0, 1.0) else "datacenter",
        warnings=tuple(codes),
        requests=1,
        explainer=explainer,
    )
