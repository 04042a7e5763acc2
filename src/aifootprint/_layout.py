"""The two fixed layouts of the package, named once: the 30 impact values and a corner's 16 coefficients.

**The impact vector.** Every estimate, ledger row, rollup sum, report total and exporter row carries its
figures as one flat tuple of :data:`SIZE` (30) floats, ordered by share (:data:`SHARES`: usage, then
embodied), then indicator (:data:`INDICATORS`: energy, gwp, adpe, pe, water), then bound (:data:`BOUNDS`:
low, value, high)::

    usage energy low, usage energy value, usage energy high, usage gwp low, ..., embodied water high

Nothing outside this module computes a position in it: use :func:`index`, :data:`USAGE` / :data:`EMBODIED`
(where each indicator's three bounds start, then ``+ LOW``, ``+ VALUE``, ``+ HIGH``), :data:`USAGE_VALUES` /
:data:`EMBODIED_VALUES` (the slices of one share), :func:`bounds_at`, :func:`entries` /
:func:`share_entries` (the names of every position), :func:`share_values` (one share from per-indicator
triples) and :func:`from_corners` (the vector from what ``engine.plan.evaluate`` gives per corner,
:data:`EVALUATED`).

**The coefficients of one corner.** :class:`Coefficients` names the 16 non-negative numbers that
``engine.plan.compile_corner`` computes for each uncertainty corner and ``engine.plan.evaluate`` turns into
impacts with a few multiply-adds. A NamedTuple: fields read as attributes, and it is still a tuple (cheap to
build, to unpack and to fill with NumPy arrays on the batch path).

Standard library only; imported by the engine, the value types, the ledger and the exporters alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final, NamedTuple, TypeVar

SHARES: Final = ("usage", "embodied")
INDICATORS: Final = ("energy", "gwp", "adpe", "pe", "water")
#: Bound order of every (low, value, high) triple in the package, ascending.
BOUNDS: Final = ("low", "value", "high")
#: Positions of the bounds in a triple, and of the uncertainty corners of a plan (the same order).
LOW: Final = 0
VALUE: Final = 1
HIGH: Final = 2

PER_SHARE: Final = len(INDICATORS) * len(BOUNDS)
#: Length of the impact vector.
SIZE: Final = len(SHARES) * PER_SHARE


def index(share: str, indicator: str, bound: str = "low") -> int:
    """Position of one figure in the impact vector, e.g. ``index("embodied", "gwp", "high") == 20``."""
    return SHARES.index(share) * PER_SHARE + INDICATORS.index(indicator) * len(BOUNDS) + BOUNDS.index(bound)


#: Where the (low, value, high) of each indicator starts, by indicator position: usage share.
USAGE: Final[tuple[int, ...]] = tuple(index("usage", ind) for ind in INDICATORS)
#: The same for the embodied share.
EMBODIED: Final[tuple[int, ...]] = tuple(index("embodied", ind) for ind in INDICATORS)
#: The figures of one share: ``values[USAGE_VALUES]`` (15 floats, per indicator low, value, high).
USAGE_VALUES: Final = slice(0, PER_SHARE)
EMBODIED_VALUES: Final = slice(PER_SHARE, SIZE)

_T = TypeVar("_T")


def bounds_at(values: Sequence[_T], start: int) -> tuple[_T, _T, _T]:
    """The (low, value, high) that starts at ``start`` (an element of :data:`USAGE` or :data:`EMBODIED`)."""
    return values[start + LOW], values[start + VALUE], values[start + HIGH]


#: What ``engine.plan.evaluate`` returns for one corner, in order: (share, indicator) of each figure. The
#: embodied energy and water of a request are not estimated (0 in the vector).
EVALUATED: Final = (
    ("usage", "energy"),
    ("usage", "gwp"),
    ("usage", "adpe"),
    ("usage", "pe"),
    ("usage", "water"),
    ("embodied", "gwp"),
    ("embodied", "adpe"),
    ("embodied", "pe"),
)


def from_corners(
    low: Sequence[float], value: Sequence[float], high: Sequence[float], requests: float
) -> tuple[float, ...]:
    """The impact vector of ``requests`` requests from the :data:`EVALUATED` figures of each corner.

    The scalar hot path: written out (no loop, no list), and with ``requests == 1`` no multiplication
    (``x * 1 == x`` exactly, so the figures are the same).
    """
    e0, g0, a0, p0, w0, eg0, ea0, ep0 = low
    e1, g1, a1, p1, w1, eg1, ea1, ep1 = value
    e2, g2, a2, p2, w2, eg2, ea2, ep2 = high
    # fmt: off
    if requests == 1:
        return (
            e0, e1, e2, g0, g1, g2, a0, a1, a2, p0, p1, p2, w0, w1, w2,  # usage
            0.0, 0.0, 0.0, eg0, eg1, eg2, ea0, ea1, ea2, ep0, ep1, ep2, 0.0, 0.0, 0.0,  # embodied
        )
    r = requests
    return (
        e0 * r, e1 * r, e2 * r, g0 * r, g1 * r, g2 * r, a0 * r, a1 * r, a2 * r,  # usage
        p0 * r, p1 * r, p2 * r, w0 * r, w1 * r, w2 * r,
        0.0, 0.0, 0.0, eg0 * r, eg1 * r, eg2 * r, ea0 * r, ea1 * r, ea2 * r,  # embodied
        ep0 * r, ep1 * r, ep2 * r, 0.0, 0.0, 0.0,
    )
    # fmt: on


def share_values(by_indicator: Mapping[str, Sequence[float]]) -> tuple[float, ...]:
    """One share of the impact vector (:data:`PER_SHARE` floats) from each indicator's (low, value, high)."""
    return tuple(x for ind in INDICATORS for x in by_indicator[ind])


def entries() -> Iterator[tuple[str, str, str]]:
    """(share, indicator, bound) of every position of the impact vector, in order."""
    return ((s, i, b) for s in SHARES for i in INDICATORS for b in BOUNDS)


def share_entries() -> Iterator[tuple[str, str]]:
    """(indicator, bound) of every position within one share (:data:`USAGE_VALUES`), in order."""
    return ((i, b) for i in INDICATORS for b in BOUNDS)


class Coefficients(NamedTuple):
    """The 16 coefficients of one uncertainty corner of a plan (floats, or NumPy arrays on the batch path).

    Energy and latency of a request are ``fixed + per_input x I + per_output x O
    + per_output_per_context x O x (I + O / 2)``; the rest turn IT energy and latency into impacts.
    """

    gpu_j_per_input_token: Any
    gpu_j_per_output_token: Any
    gpu_j_per_output_token_per_context_token: Any
    latency_s_fixed: Any
    latency_s_per_input_token: Any
    latency_s_per_output_token: Any
    latency_s_per_output_token_per_context_token: Any
    host_w: Any
    facility_multiplier: Any
    gwp_kgco2eq_per_kwh: Any
    adpe_kgsbeq_per_kwh: Any
    pe_mj_per_kwh: Any
    water_l_per_it_kwh: Any
    embodied_gwp_kgco2eq_per_s: Any
    embodied_adpe_kgsbeq_per_s: Any
    embodied_pe_mj_per_s: Any
