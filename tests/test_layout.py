"""The impact vector and the coefficients of a corner are laid out in one place, and every user agrees."""

from __future__ import annotations

import pytest

import aifootprint as af
from aifootprint import _layout as layout
from aifootprint.engine.plan import COEFFICIENTS, LazyValues, values_many
from aifootprint.ledger import export, schema


def test_index_walks_share_indicator_bound() -> None:
    positions = [layout.index(s, i, b) for s, i, b in layout.entries()]
    assert positions == list(range(layout.SIZE)) == list(range(30))
    assert layout.index("usage", "energy", "low") == 0
    assert layout.index("embodied", "gwp", "high") == 20
    assert layout.USAGE == (0, 3, 6, 9, 12)
    assert layout.EMBODIED == (15, 18, 21, 24, 27)
    assert tuple(layout.BOUNDS.index(b) for b in layout.BOUNDS) == (layout.LOW, layout.VALUE, layout.HIGH)
    with pytest.raises(ValueError):
        layout.index("usage", "noise", "low")


def test_slices_and_helpers() -> None:
    vector = tuple(float(i) for i in range(layout.SIZE))
    assert vector[layout.USAGE_VALUES] == tuple(float(i) for i in range(15))
    assert vector[layout.EMBODIED_VALUES] == tuple(float(i) for i in range(15, 30))
    assert layout.bounds_at(vector, layout.EMBODIED[2]) == (21.0, 22.0, 23.0)
    share = layout.share_values({ind: (k, k + 0.5, k + 1) for k, ind in enumerate(layout.INDICATORS)})
    assert share == (0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4, 4, 4.5, 5)
    assert list(layout.share_entries()) == [(i, b) for _, i, b in list(layout.entries())[: layout.PER_SHARE]]


def test_ledger_columns_follow_the_layout() -> None:
    assert schema.IMPACT_COLUMNS[layout.index("usage", "energy", "value")] == "energy_usage"
    assert schema.IMPACT_COLUMNS[layout.index("embodied", "pe", "low")] == "pe_embodied_low"
    assert export.TOTAL_COLUMNS[:3] == ("energy_low", "energy", "energy_high")


def test_impacts_read_their_figures_where_the_layout_puts_them() -> None:
    imp = af.estimate("openai/gpt-4o-mini", input_tokens=300, output_tokens=400)
    v = imp._v()
    for i, ind in enumerate(layout.INDICATORS):
        u = getattr(imp.usage, ind)
        e = getattr(imp.embodied, ind)
        assert (u.low, u.value, u.high) == tuple(v[layout.index("usage", ind, b)] for b in layout.BOUNDS)
        assert (e.low, e.value, e.high) == tuple(v[layout.index("embodied", ind, b)] for b in layout.BOUNDS)
        assert layout.bounds_at(v, layout.USAGE[i]) == (u.low, u.value, u.high)
    # no embodied energy or water is estimated for a request
    assert layout.bounds_at(v, layout.EMBODIED[layout.INDICATORS.index("energy")]) == (0.0, 0.0, 0.0)
    assert layout.bounds_at(v, layout.EMBODIED[layout.INDICATORS.index("water")]) == (0.0, 0.0, 0.0)
    assert imp.embodied.gwp.value > 0 and imp.usage.water.value > 0


def test_coefficients_are_named_tuples_of_the_plan() -> None:
    est = af.make_estimator()
    plan = est.plan("openai/gpt-4o-mini", zone="FRA")
    assert layout.Coefficients._fields == COEFFICIENTS
    assert len(COEFFICIENTS) == 16
    for c in plan.corners:
        assert isinstance(c, layout.Coefficients)
        assert all(x >= 0 for x in c)
    lo, val, hi = plan.corners
    assert lo.gwp_kgco2eq_per_kwh <= val.gwp_kgco2eq_per_kwh <= hi.gwp_kgco2eq_per_kwh
    assert lo.facility_multiplier <= val.facility_multiplier <= hi.facility_multiplier


def test_values_many_equals_the_scalar_vector() -> None:
    np = pytest.importorskip("numpy")
    plan = af.make_estimator().plan("anthropic/claude-sonnet-4-5", zone="FRA")
    pending = [LazyValues(plan, 10.0 * k, 50.0 + k, None if k % 2 else 1.5 + k, 1.0 + k) for k in range(9)]
    assert values_many(np, pending) == [v() for v in pending]
    assert all(len(v()) == layout.SIZE for v in pending)


@pytest.mark.parametrize("requests", [1, 3.5])
def test_from_corners_puts_every_evaluated_figure_at_its_index(requests: float) -> None:
    corners = [[100.0 * k + j for j in range(len(layout.EVALUATED))] for k in range(3)]
    vector = layout.from_corners(*corners, requests)
    assert len(vector) == layout.SIZE
    expected = [0.0] * layout.SIZE
    for j, (share, indicator) in enumerate(layout.EVALUATED):
        for k, bound in enumerate(layout.BOUNDS):
            expected[layout.index(share, indicator, bound)] = corners[k][j] * requests
    assert vector == tuple(expected)
