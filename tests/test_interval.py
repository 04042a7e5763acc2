"""Interval arithmetic: every sampled combination of points lies inside the interval result."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aifootprint._interval import Interval, parse_range
from aifootprint.errors import InputError

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
unit = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def intervals(draw: st.DrawFn, elements: st.SearchStrategy[float] = finite) -> Interval:
    a, b = draw(elements), draw(elements)
    return Interval(min(a, b), max(a, b))


def sample(i: Interval, t: float) -> float:
    return i.low + t * (i.high - i.low)


@given(intervals(), intervals(), unit, unit)
def test_add_contains_samples(a: Interval, b: Interval, s: float, t: float) -> None:
    assert (a + b).contains(sample(a, s) + sample(b, t), rel_tol=1e-9)


@given(intervals(), intervals(), unit, unit)
def test_sub_contains_samples(a: Interval, b: Interval, s: float, t: float) -> None:
    assert (a - b).contains(sample(a, s) - sample(b, t), rel_tol=1e-9)


@given(intervals(), intervals(), unit, unit)
def test_mul_contains_samples(a: Interval, b: Interval, s: float, t: float) -> None:
    assert (a * b).contains(sample(a, s) * sample(b, t), rel_tol=1e-9)


@given(intervals(), intervals(positive), unit, unit)
def test_div_contains_samples(a: Interval, b: Interval, s: float, t: float) -> None:
    assert (a / b).contains(sample(a, s) / sample(b, t), rel_tol=1e-9)


@given(intervals(), intervals())
def test_results_are_tight(a: Interval, b: Interval) -> None:
    """The bounds are attained by endpoint combinations (not just containing, but smallest)."""
    ends = [x * y for x in (a.low, a.high) for y in (b.low, b.high)]
    assert (a * b).low == min(ends)
    assert (a * b).high == max(ends)


@given(positive, intervals(positive))
def test_scalar_divided_by_interval(x: float, b: Interval) -> None:
    r = x / b
    assert math.isclose(r.low, x / b.high) and math.isclose(r.high, x / b.low)


def test_ecologits_counterexample() -> None:
    assert 8 / Interval(2, 4) == Interval(2, 4)
    assert 1 - Interval(0.25, 0.5) == Interval(0.5, 0.75)


def test_division_by_interval_containing_zero_raises() -> None:
    with pytest.raises(ZeroDivisionError):
        Interval(1, 2) / Interval(-1, 1)


def test_invalid_interval() -> None:
    with pytest.raises(ValueError):
        Interval(2, 1)
    with pytest.raises(ValueError):
        Interval(float("nan"), 1)


def test_parse_range_forms() -> None:
    assert parse_range("x", 5) == (5.0, 5.0, 5.0)
    assert parse_range("x", (4, 16)) == (4.0, 8.0, 16.0)  # geometric mean
    assert parse_range("x", (0, 2)) == (0.0, 1.0, 2.0)  # midpoint when low is 0
    assert parse_range("x", (1, 2, 3)) == (1.0, 2.0, 3.0)
    assert parse_range("x", Interval(1, 4)) == (1.0, 2.0, 4.0)


@pytest.mark.parametrize("bad", [float("nan"), -1, (3, 1), (1, 5, 2), "7", True, (1, 2, 3, 4), float("inf")])
def test_parse_range_rejects(bad: object) -> None:
    with pytest.raises(InputError) as err:
        parse_range("batch_size", bad)
    assert err.value.field == "batch_size"
    assert "batch_size" in str(err.value)
