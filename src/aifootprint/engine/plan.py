"""Compile (model, deployment, datacenter, zone, boundary) into per-corner coefficients, and evaluate them.

A :class:`Plan` holds, for each of the three uncertainty corners (low, value, high), 16 non-negative
coefficients (:class:`~aifootprint._layout.Coefficients`). Impacts of a request are then a few
multiply-adds of those coefficients with the request's tokens and latency (:func:`evaluate`), and the same
arithmetic serves the scalar path (Python floats) and the batch path (NumPy arrays), so both give identical
numbers.

Why corners are enough: every coefficient is monotone in every input (docs/methodology.md section 5), and
the impacts are sums of products of non-negative coefficients with non-negative tokens and latency. So the
lowest impact is reached with every input at the end that lowers it (fewest parameters, largest batch,
lowest PUE, grid factor, host power and embodied figures, longest hardware lifetime) and the highest at the
opposite ends; a variable that appears in several places (batch size, gpu count) takes one consistent value
per corner, which gives tighter and still correct bounds than naive interval arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from .. import _layout as layout
from .._interval import Bounds
from .._layout import HIGH, LOW, VALUE, Coefficients, from_corners
from .._values import Factor
from . import formulas as f
from .energy_model import EnergyCoefficients, decode_latency_terms_s, gpu_energy_terms_j

#: Coefficient names of one corner, in order (the fields of :class:`Coefficients`).
COEFFICIENTS: Final = Coefficients._fields


@dataclass(frozen=True, slots=True)
class Deployment:
    """Everything about where and how the model runs, each uncertain quantity as (low, value, high)."""

    active_params_b: Bounds
    total_params_b: Bounds
    weight_bits: float
    gpu_memory_gb: float
    gpu_tdp_w: float
    gpu_memory_bandwidth_tb_s: float
    gpu_dense_tflops: float
    gpu_count: int | None  # None: derived from memory (M1, M2) per corner
    memory_overhead: float
    batch_size: Bounds
    gpus_per_server: float
    host_power_w: Bounds
    pue: Bounds
    wue_l_per_kwh: Bounds
    idle_capacity_factor: Bounds
    gwp_kgco2eq_per_kwh: Bounds
    adpe_kgsbeq_per_kwh: float
    pe_mj_per_kwh: float
    grid_water_l_per_kwh: float
    gpu_embodied_gwp: Bounds
    gpu_embodied_adpe: Bounds
    gpu_embodied_pe: Bounds
    host_embodied_gwp: Bounds
    host_embodied_adpe: Bounds
    host_embodied_pe: Bounds
    lifetime_years: Bounds
    boundary: str
    latency_catalogue: tuple[float, float] | None  # (ttft_s, tokens_per_s) from the catalogue


def _pick(t: Bounds, corner: int, *, increasing: bool = True) -> float:
    """The end of ``t`` that moves an impact towards ``corner`` (inputs that lower impacts are flipped)."""
    return t[corner if increasing else 2 - corner]


def corner_gpu_count(d: Deployment, corner: int) -> int:
    if d.gpu_count is not None:
        return d.gpu_count
    mem = f.model_memory_gb(
        total_params_b=_pick(d.total_params_b, corner),
        weight_bits=d.weight_bits,
        memory_overhead=d.memory_overhead,
    )
    return f.gpu_count_required(memory_gb=mem, gpu_memory_gb=d.gpu_memory_gb)


def compile_corner(d: Deployment, coefficients: EnergyCoefficients, corner: int) -> Coefficients:
    """The 16 coefficients of one corner (``corner`` is LOW, VALUE or HIGH)."""
    n = corner_gpu_count(d, corner)
    batch = _pick(d.batch_size, corner, increasing=False)
    model_args: dict[str, Any] = {
        "active_params_b": _pick(d.active_params_b, corner),
        "total_params_b": _pick(d.total_params_b, corner),
        "weight_bits": d.weight_bits,
        "gpu_count": float(n),
        "batch_size": batch,
        "gpu_tdp_w": d.gpu_tdp_w,
        "gpu_memory_bandwidth_tb_s": d.gpu_memory_bandwidth_tb_s,
        "gpu_dense_tflops": d.gpu_dense_tflops,
        "coefficients": coefficients,
    }
    e_in, e_out, e_ctx = gpu_energy_terms_j(**model_args)
    if d.latency_catalogue is not None:
        ttft, tps = d.latency_catalogue
        l_fixed, l_in, l_out, l_ctx = ttft, 0.0, 1.0 / tps, 0.0
    else:
        l_in, l_out, l_ctx = decode_latency_terms_s(**model_args)
        l_fixed = 0.0
    boundary = d.boundary
    include_host = boundary != "gpu"
    host_w = (
        f.host_power_share_w(
            host_power_w=_pick(d.host_power_w, corner), gpu_count=n, gpus_per_server=d.gpus_per_server
        )
        / batch
        if include_host
        else 0.0
    )
    idle = _pick(d.idle_capacity_factor, corner) if boundary == "comprehensive" else 1.0
    mult = f.facility_multiplier(boundary=boundary, pue=_pick(d.pue, corner), idle_capacity_factor=idle)
    onsite = _pick(d.wue_l_per_kwh, corner) if boundary in ("datacenter", "comprehensive") else 0.0
    water = f.water_per_it_kwh(
        wue_onsite_l_per_kwh=onsite, multiplier=mult, grid_water_l_per_kwh=d.grid_water_l_per_kwh
    )
    lifetime = _pick(d.lifetime_years, corner, increasing=False)

    def embodied(gpu: Bounds, host: Bounds) -> float:
        return f.embodied_per_second(
            gpu_embodied=_pick(gpu, corner),
            gpu_count=n,
            host_embodied=_pick(host, corner),
            gpus_per_server=d.gpus_per_server,
            include_host=include_host,
            batch_size=batch,
            lifetime_years=lifetime,
            idle_capacity_factor=idle,
        )

    return Coefficients(
        gpu_j_per_input_token=e_in,
        gpu_j_per_output_token=e_out,
        gpu_j_per_output_token_per_context_token=e_ctx,
        latency_s_fixed=l_fixed,
        latency_s_per_input_token=l_in,
        latency_s_per_output_token=l_out,
        latency_s_per_output_token_per_context_token=l_ctx,
        host_w=host_w,
        facility_multiplier=mult,
        gwp_kgco2eq_per_kwh=_pick(d.gwp_kgco2eq_per_kwh, corner),
        adpe_kgsbeq_per_kwh=d.adpe_kgsbeq_per_kwh,
        pe_mj_per_kwh=d.pe_mj_per_kwh,
        water_l_per_it_kwh=water,
        embodied_gwp_kgco2eq_per_s=embodied(d.gpu_embodied_gwp, d.host_embodied_gwp),
        embodied_adpe_kgsbeq_per_s=embodied(d.gpu_embodied_adpe, d.host_embodied_adpe),
        embodied_pe_mj_per_s=embodied(d.gpu_embodied_pe, d.host_embodied_pe),
    )


def latency_s(c: Coefficients, input_tokens: Any, output_tokens: Any) -> Any:
    """(L1) Request latency from a corner's coefficients: fixed + per-token + context-dependent terms.

    ``s_in x I + s_out x O + s_ctx x O x (I + O / 2)`` (plus time to first token with catalogue speeds);
    elementwise on floats or NumPy arrays.
    """
    return (
        c.latency_s_fixed
        + c.latency_s_per_input_token * input_tokens
        + c.latency_s_per_output_token * output_tokens
        + c.latency_s_per_output_token_per_context_token
        * output_tokens
        * (input_tokens + 0.5 * output_tokens)
    )


def gpu_energy_j(c: Coefficients, input_tokens: Any, output_tokens: Any) -> Any:
    """(G1) GPU energy of one request, all GPUs of the replica: ``a_in x I + a_out x O
    + a_ctx x O x (I + O / 2)`` [J]; elementwise on floats or NumPy arrays. :func:`evaluate` uses it."""
    return (
        c.gpu_j_per_input_token * input_tokens
        + c.gpu_j_per_output_token * output_tokens
        + c.gpu_j_per_output_token_per_context_token * output_tokens * (input_tokens + 0.5 * output_tokens)
    )


def evaluate(c: Coefficients, input_tokens: Any, output_tokens: Any, latency: Any) -> tuple[Any, ...]:
    """Impacts of one corner: (energy_kwh, gwp, adpe, pe, water_l, emb_gwp, emb_adpe, emb_pe), the
    (share, indicator) of :data:`aifootprint._layout.EVALUATED` (what ``_layout.from_corners`` takes).

    Works elementwise on floats or NumPy arrays with the same operations in the same order.
    (G1) GPU energy = :func:`gpu_energy_j`                                                     [J]
    (S2) IT energy = GPU energy + host share x latency                                        [J]
    (F2) boundary energy = IT energy x facility multiplier                                  [kWh]
    (U1) usage impact = boundary energy x zone factor ; (W1) water = IT energy x water factor
    (E2) embodied impact = latency x embodied per second
    """
    it_kwh = (gpu_energy_j(c, input_tokens, output_tokens) + c.host_w * latency) / f.JOULES_PER_KWH
    energy = it_kwh * c.facility_multiplier
    return (
        energy,
        energy * c.gwp_kgco2eq_per_kwh,
        energy * c.adpe_kgsbeq_per_kwh,
        energy * c.pe_mj_per_kwh,
        it_kwh * c.water_l_per_it_kwh,
        latency * c.embodied_gwp_kgco2eq_per_s,
        latency * c.embodied_adpe_kgsbeq_per_s,
        latency * c.embodied_pe_mj_per_s,
    )


#: Where each result of :func:`evaluate` goes in the impact vector (the position of its low bound).
_EVALUATED: Final = tuple(layout.index(share, indicator) for share, indicator in layout.EVALUATED)


class Plan:
    """Compiled estimate for one (model, deployment, zone, boundary): corners plus what explains them."""

    __slots__ = (
        "boundary",
        "corners",
        "deployment",
        "factors",
        "latency_source",
        "model_id",
        "warnings",
        "zone",
    )

    def __init__(
        self,
        *,
        deployment: Deployment,
        coefficients: EnergyCoefficients,
        model_id: str,
        zone: str,
        warnings: tuple[str, ...],
        latency_source: str,
        factors: Callable[[], list[Factor]],
    ) -> None:
        self.deployment = deployment
        self.corners: tuple[Coefficients, Coefficients, Coefficients] = (
            compile_corner(deployment, coefficients, LOW),
            compile_corner(deployment, coefficients, VALUE),
            compile_corner(deployment, coefficients, HIGH),
        )
        self.model_id = model_id
        self.zone = zone
        self.boundary = deployment.boundary
        self.warnings = warnings
        self.latency_source = latency_source
        self.factors = factors

    def values(
        self, input_tokens: float, output_tokens: float, latency: float | None, requests: float
    ) -> tuple[float, ...]:
        """The impact vector of :class:`~aifootprint._values.Impacts` (see :mod:`aifootprint._layout`)."""
        low, value, high = self.corners
        if latency is None:
            return from_corners(
                evaluate(low, input_tokens, output_tokens, latency_s(low, input_tokens, output_tokens)),
                evaluate(value, input_tokens, output_tokens, latency_s(value, input_tokens, output_tokens)),
                evaluate(high, input_tokens, output_tokens, latency_s(high, input_tokens, output_tokens)),
                requests,
            )
        return from_corners(
            evaluate(low, input_tokens, output_tokens, latency),
            evaluate(value, input_tokens, output_tokens, latency),
            evaluate(high, input_tokens, output_tokens, latency),
            requests,
        )


class LazyValues:
    """``plan.values(...)`` not computed yet: what an instrumented call's :class:`Impacts` holds until a
    figure is read. The ledger's writer evaluates many at once with :func:`values_many`."""

    __slots__ = ("input_tokens", "latency", "output_tokens", "plan", "requests")

    def __init__(
        self, plan: Plan, input_tokens: float, output_tokens: float, latency: float | None, requests: float
    ) -> None:
        self.plan = plan
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens
        self.latency = latency
        self.requests = requests

    def __call__(self) -> tuple[float, ...]:
        return self.plan.values(self.input_tokens, self.output_tokens, self.latency, self.requests)


def values_many(np: Any, pending: list[LazyValues]) -> list[tuple[float, ...]]:
    """``[v() for v in pending]`` for many calls of one plan at once, on NumPy arrays: the same operations
    in the same order as :meth:`Plan.values`, so each tuple equals the scalar result exactly."""
    plan = pending[0].plan
    i_t = np.array([v.input_tokens for v in pending], dtype=float)
    o_t = np.array([v.output_tokens for v in pending], dtype=float)
    lat = np.array([np.nan if v.latency is None else v.latency for v in pending], dtype=float)
    req = np.array([v.requests for v in pending], dtype=float)
    missing = np.isnan(lat)
    zeros = np.zeros(len(pending))
    cols: list[Any] = [zeros] * layout.SIZE
    for k, c in enumerate(plan.corners):  # k: LOW, VALUE, HIGH, the offset of the bound
        used = np.where(missing, latency_s(c, i_t, o_t), lat) if missing.any() else lat
        for j, col in zip(_EVALUATED, evaluate(c, i_t, o_t, used), strict=True):
            cols[j + k] = col * req
    return list(zip(*(c.tolist() for c in cols), strict=True))
