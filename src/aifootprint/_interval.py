"""Closed real intervals with correct (outward) interval arithmetic, the (low, value, high) triple of every
uncertain figure (:class:`Bounds`), and range parsing for inputs.

Interval arithmetic follows Moore's rules: the result of ``a op b`` is the smallest interval containing
``x op y`` for every ``x`` in ``a`` and ``y`` in ``b``. Division is defined only for divisors that exclude
zero, so ``8 / Interval(2, 4) == Interval(2, 4)`` (EcoLogits' range type returns [0.25, 0.5] there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from .errors import InputError

Number = int | float


class Bounds(NamedTuple):
    """An uncertain figure: its central ``value`` and the range around it, ``low <= value <= high``.

    The one triple type of the package (inputs parsed by :func:`parse_range`, catalogue facts, the ranges
    of a :class:`~aifootprint.engine.plan.Deployment`, settings). A tuple, so ``low, value, high = b``
    and ``b[k]`` for a corner k (LOW, VALUE, HIGH) work; unlike :class:`Interval` it does no arithmetic:
    the engine propagates ranges by evaluating at corners (docs/architecture.md, "Uncertainty").
    """

    low: float
    value: float
    high: float

    @classmethod
    def point(cls, x: float) -> Bounds:
        """An exact figure: ``Bounds(x, x, x)``."""
        return cls(x, x, x)


@dataclass(frozen=True, slots=True)
class Interval:
    """The closed interval ``[low, high]``. Degenerate (``low == high``) when a value is exact."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (self.low <= self.high):  # also rejects NaN
            raise ValueError(f"invalid interval [{self.low}, {self.high}]")

    @classmethod
    def point(cls, x: float) -> Interval:
        return cls(x, x)

    @property
    def mid(self) -> float:
        return (self.low + self.high) / 2.0

    @property
    def width(self) -> float:
        return self.high - self.low

    def contains(self, x: float, rel_tol: float = 0.0) -> bool:
        tol = rel_tol * max(abs(self.low), abs(self.high), abs(x))
        return self.low - tol <= x <= self.high + tol

    def __add__(self, other: Interval | Number) -> Interval:
        o = as_interval(other)
        return Interval(self.low + o.low, self.high + o.high)

    __radd__ = __add__

    def __sub__(self, other: Interval | Number) -> Interval:
        o = as_interval(other)
        return Interval(self.low - o.high, self.high - o.low)

    def __rsub__(self, other: Number) -> Interval:
        return as_interval(other) - self

    def __neg__(self) -> Interval:
        return Interval(-self.high, -self.low)

    def __mul__(self, other: Interval | Number) -> Interval:
        o = as_interval(other)
        products = (self.low * o.low, self.low * o.high, self.high * o.low, self.high * o.high)
        return Interval(min(products), max(products))

    __rmul__ = __mul__

    def __truediv__(self, other: Interval | Number) -> Interval:
        o = as_interval(other)
        if o.low <= 0.0 <= o.high:
            raise ZeroDivisionError(f"division by an interval containing zero: [{o.low}, {o.high}]")
        return self * Interval(1.0 / o.high, 1.0 / o.low)

    def __rtruediv__(self, other: Number) -> Interval:
        return as_interval(other) / self

    def __format__(self, spec: str) -> str:
        if self.low == self.high:
            return format(self.low, spec)
        return f"[{format(self.low, spec)}, {format(self.high, spec)}]"


def as_interval(x: Interval | Number) -> Interval:
    if isinstance(x, Interval):
        return x
    return Interval(float(x), float(x))


RangeLike = Number | Interval | tuple[Number, Number] | tuple[Number, Number, Number] | list[Number]


def parse_range(
    field: str, x: object, *, minimum: float = 0.0, strict_minimum: bool = False, integer: bool = False
) -> Bounds:
    """Parse a number, ``(low, high)``, ``(low, value, high)`` or :class:`Interval` into (low, value, high).

    The central value of a two-bound range is the geometric mean (log-uniform prior; parameter counts and
    batch sizes span orders of magnitude), or the midpoint when the low bound is zero.
    Raises :class:`InputError` naming ``field`` for NaN, infinite, negative or unordered values.
    """
    if isinstance(x, Interval):
        parts: tuple[object, ...] = (x.low, x.high)
    elif isinstance(x, (tuple, list)):
        parts = tuple(x)
        if len(parts) not in (2, 3):
            raise InputError(field, f"a range is (low, high) or (low, value, high), got {len(parts)} items")
    else:
        parts = (x,)
    nums: list[float] = []
    for p in parts:
        if isinstance(p, bool) or not isinstance(p, (int, float)):
            raise InputError(field, f"expected a number or a (low, high) range, got {p!r}")
        f = float(p)
        if math.isnan(f) or math.isinf(f):
            raise InputError(field, f"must be a finite number, got {p!r}")
        if integer and f != int(f):
            raise InputError(field, f"must be a whole number, got {p!r}")
        if f < minimum or (strict_minimum and f <= minimum):
            op = ">" if strict_minimum else ">="
            raise InputError(field, f"must be {op} {minimum:g}, got {p!r}")
        nums.append(f)
    if len(nums) == 1:
        return Bounds.point(nums[0])
    if len(nums) == 2:
        lo, hi = nums
        if lo > hi:
            raise InputError(field, f"range low {lo:g} is above high {hi:g}")
        mid = math.sqrt(lo * hi) if lo > 0 else (lo + hi) / 2.0
        return Bounds(lo, mid, hi)
    lo, val, hi = nums
    if not lo <= val <= hi:
        raise InputError(field, f"range must satisfy low <= value <= high, got ({lo:g}, {val:g}, {hi:g})")
    return Bounds(lo, val, hi)
