"""One bound order everywhere: every value type with a range declares low, value, high in that order."""

from __future__ import annotations

import dataclasses

import pytest

import aifootprint as af
from aifootprint import _layout
from aifootprint._interval import Bounds, Interval, parse_range
from aifootprint._values import Factor, Quantity
from aifootprint.ledger.esrs import Datapoint

BOUND_NAMES = ("low", "value", "high")


def _bound_fields(cls: type) -> tuple[str, ...]:
    names = (
        tuple(f.name for f in dataclasses.fields(cls))
        if dataclasses.is_dataclass(cls)
        else tuple(cls._fields)  # type: ignore[attr-defined]
    )
    return tuple(n for n in names if n in BOUND_NAMES)


@pytest.mark.parametrize("cls", [Quantity, Factor, Datapoint, Bounds])
def test_fields_are_in_ascending_bound_order(cls: type) -> None:
    assert _bound_fields(cls) == BOUND_NAMES


def test_interval_and_layout_agree() -> None:
    assert _bound_fields(Interval) == ("low", "high")
    assert _layout.BOUNDS == BOUND_NAMES
    assert (_layout.LOW, _layout.VALUE, _layout.HIGH) == (0, 1, 2)


@pytest.mark.parametrize("cls", [Quantity, Datapoint])
def test_bounds_cannot_be_given_by_position(cls: type) -> None:
    with pytest.raises(TypeError):
        cls(1.0, 2.0, 3.0, "kWh")


def test_quantity_keywords() -> None:
    q = Quantity(low=1.0, value=2.0, high=3.0, unit="kWh")
    assert (q.low, q.value, q.high, q.unit) == (1.0, 2.0, 3.0, "kWh")
    assert q.interval == Interval(1.0, 3.0)
    assert format(q, ".3g") == "2 kWh [1, 3]"


def test_parse_range_gives_bounds_in_order() -> None:
    b = parse_range("x", (1.0, 4.0))
    assert isinstance(b, Bounds)
    assert (b.low, b.value, b.high) == (1.0, 2.0, 4.0) == b
    assert Bounds.point(3.0) == (3.0, 3.0, 3.0)


def test_estimate_quantities_are_ordered() -> None:
    imp = af.estimate("openai/gpt-4o-mini", input_tokens=1000, output_tokens=400, batch_size=(8, 64))
    for share in (imp.total, imp.usage, imp.embodied):
        for name in _layout.INDICATORS:
            q = getattr(share, name)
            assert q.low <= q.value <= q.high
    assert imp.gwp.low < imp.gwp.value < imp.gwp.high
