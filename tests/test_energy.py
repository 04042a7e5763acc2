"""impacts_from_energy(): energy x PUE x the zone's grid factors, no embodied share, factors explained."""

from __future__ import annotations

import math

import pytest

from aifootprint import _api as api
from aifootprint._energy import impacts_from_energy
from aifootprint.errors import WARNING_CODES, InputError, UnknownZoneError
from aifootprint.ledger import Entry
from aifootprint.ledger.ledger import row_context
from aifootprint.ledger.schema import row_of


def test_energy_times_zone_factors_at_the_server_boundary() -> None:
    z = api.get_catalog().zone("FRA")
    imp = impacts_from_energy(2.5, zone="fra")
    assert (imp.zone, imp.boundary, imp.model, imp.requests) == ("FRA", "server", "local run", 1)
    assert (imp.energy.low, imp.energy.value, imp.energy.high) == (2.5, 2.5, 2.5)
    g = z.gwp_kgco2eq_per_kwh
    assert (imp.gwp.low, imp.gwp.value, imp.gwp.high) == (2.5 * g[0], 2.5 * g[1], 2.5 * g[2])
    assert imp.gwp.low < imp.gwp.high  # the zone's GWP range is carried through
    assert imp.adpe.value == 2.5 * z.adpe_kgsbeq_per_kwh
    assert imp.pe.value == 2.5 * z.pe_mj_per_kwh
    assert imp.water.value == 2.5 * z.water_l_per_kwh
    for name in ("energy", "gwp", "adpe", "pe", "water"):
        q = getattr(imp.embodied, name)
        assert (q.low, q.value, q.high) == (0.0, 0.0, 0.0)
        assert getattr(imp.usage, name) == getattr(imp, name)
    assert imp.warnings == ("embodied-not-included",)
    assert "embodied-not-included" in WARNING_CODES


def test_pue_multiplies_energy_and_moves_the_boundary_to_the_datacenter() -> None:
    z = api.get_catalog().zone("DEU")
    imp = impacts_from_energy(10.0, zone="DEU", pue=1.25)
    assert imp.boundary == "datacenter"
    assert imp.energy.value == 12.5
    assert imp.gwp.value == 12.5 * z.gwp_kgco2eq_per_kwh[1]
    assert imp.water.value == 12.5 * z.water_l_per_kwh  # off-site water of the electricity drawn


def test_ranges_combine_corner_by_corner() -> None:
    z = api.get_catalog().zone("WOR")
    imp = impacts_from_energy((1.0, 4.0), zone="WOR", pue=(1.1, 1.5))
    assert imp.energy.low == 1.0 * 1.1
    assert imp.energy.high == 4.0 * 1.5
    assert imp.energy.value == pytest.approx(2.0 * math.sqrt(1.1 * 1.5))  # geometric means
    assert imp.gwp.high == 4.0 * 1.5 * z.gwp_kgco2eq_per_kwh[2]
    assert imp.energy.low <= imp.energy.value <= imp.energy.high


def test_zone_basis_warnings_come_first_and_extra_codes_are_not_repeated() -> None:
    imp = impacts_from_energy(1.0, zone="US-VA", warnings=("embodied-not-included", "stream-incomplete"))
    assert imp.warnings == ("zone-gwp-combustion-only", "embodied-not-included", "stream-incomplete")
    assert impacts_from_energy(1.0, zone="CN-BJ").warnings[0] == "zone-gwp-co2-only"


def test_explain_lists_every_factor_with_its_source() -> None:
    z = api.get_catalog().zone("FRA")
    imp = impacts_from_energy(3.0, zone="FRA", pue=1.2, name="finetune", energy_source="RAPL counters")
    names = [f.name for f in imp.factors()]
    assert names == [
        "energy drawn by the IT equipment",
        "PUE",
        "energy including facility overhead",
        "zone",
        "grid GWP (lifecycle)",
        "grid ADPe",
        "grid PE (ADPf)",
        "grid water (off-site, generation)",
        "embodied impacts",
    ]
    assert all(f.source for f in imp.factors())
    text = imp.explain()
    for needle in ("finetune", "RAPL counters", z.gwp_source, z.adpe_source, z.pe_source, z.water_source):
        assert needle in text
    assert "embodied-not-included" in text


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"energy_kwh": 1.0, "zone": "ATLANTIS"}, UnknownZoneError, "unknown zone 'ATLANTIS'"),
        ({"energy_kwh": -1.0, "zone": "FRA"}, InputError, "energy_kwh"),
        ({"energy_kwh": float("nan"), "zone": "FRA"}, InputError, "finite"),
        ({"energy_kwh": 1.0, "zone": "FRA", "pue": 0.9}, InputError, "pue"),
    ],
)
def test_bad_inputs_raise(kwargs: dict[str, object], error: type[Exception], needle: str) -> None:
    with pytest.raises(error, match=needle):
        impacts_from_energy(**kwargs)  # type: ignore[arg-type]


def test_an_entry_with_energy_impacts_makes_a_ledger_row() -> None:
    imp = impacts_from_energy(0.5, zone="FRA", pue=1.1)
    e = Entry(kind="local", ts=1.0, source="measure", impacts=imp, energy_method="measured", duration_s=60.0)
    row = row_of(e, row_context())
    assert "FRA" in row and "datacenter" in row and "lifecycle" in row
    assert "embodied-not-included" in row
