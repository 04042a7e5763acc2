"""Public functions: :func:`estimate`, catalogue queries, registration and configuration."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from typing import Any

from ._estimator import Estimator
from ._interval import RangeLike, parse_range
from ._settings import Settings
from ._state import default_estimator, reset, set_default_estimator
from ._values import Impacts, Model
from .catalog import Catalog, Datacenter, Zone, canonical_provider, load_catalog
from .engine.plan import LazyValues, Plan
from .errors import InputError


def check_tokens(field: str, x: object) -> float:
    """Validate a token count: a whole number >= 0 (int, or a float/NumPy number with no fraction)."""
    if type(x) is int:
        if x >= 0:
            return x
        raise InputError(field, f"must be >= 0, got {x}")
    if isinstance(x, (bool, str, bytes)) or x is None:
        raise InputError(field, f"must be a whole number of tokens, got {x!r}")
    try:
        f = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(field, f"must be a whole number of tokens, got {x!r}") from None
    if math.isnan(f) or math.isinf(f):
        raise InputError(field, f"must be a finite whole number, got {x!r}")
    if f != int(f):
        raise InputError(field, f"must be a whole number of tokens, got {x!r}")
    if f < 0:
        raise InputError(field, f"must be >= 0, got {x!r}")
    return f


def check_latency(x: object) -> float:
    if isinstance(x, (bool, str, bytes)):
        raise InputError("latency_s", f"must be a number of seconds, got {x!r}")
    if not isinstance(x, (int, float)):
        try:
            x = float(x)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InputError("latency_s", f"must be a number of seconds, got {x!r}") from None
    f = float(x)
    if not math.isfinite(f) or f < 0:
        raise InputError("latency_s", f"must be a finite number of seconds >= 0, got {x!r}")
    return f


def estimate(
    model: str | Model,
    *,
    output_tokens: int,
    input_tokens: int = 0,
    latency_s: float | None = None,
    zone: str | None = None,
    region: str | None = None,
    boundary: str | None = None,
    gpu: str | None = None,
    gpu_count: int | None = None,
    batch_size: RangeLike | None = None,
    pue: RangeLike | None = None,
    wue: RangeLike | None = None,
    provider: str | None = None,
    requests: float = 1,
    estimator: Estimator | None = None,
) -> Impacts:
    """Estimate the impacts of LLM requests.

    ``model`` is a catalogue id (``"openai/gpt-4o-mini"``, an alias, or a bare name when unambiguous) or an
    :class:`~aifootprint.Model` describing any model. Reasoning tokens count as output tokens.
    ``latency_s`` is the measured latency of one request, if known. ``zone`` is an electricity zone
    (``"FRA"``, ``"US-VA"``, ``"aws:eu-west-3"``); ``region`` picks a provider region's datacenter row.
    ``boundary`` is ``gpu``, ``server``, ``datacenter`` (default) or ``comprehensive``.
    ``batch_size``, ``pue`` and ``wue`` accept numbers or ``(low, high)`` ranges. ``requests`` multiplies
    the result (the impacts of that many identical requests).
    """
    est = estimator or default_estimator()
    plan = est.plan(
        model,
        zone=zone,
        region=region,
        boundary=boundary,
        gpu=gpu,
        gpu_count=gpu_count,
        batch_size=batch_size,
        pue=pue,
        wue=wue,
        provider=provider,
    )
    out_t = check_tokens("output_tokens", output_tokens)
    in_t = check_tokens("input_tokens", input_tokens)
    lat = None if latency_s is None else check_latency(latency_s)
    if type(requests) is not int or requests < 1:
        req = parse_range("requests", requests, minimum=0.0)[1]
    else:
        req = requests
    return impacts_of_plan(plan, in_t, out_t, lat, req)


def impacts_of_plan(
    plan: Plan, in_t: float, out_t: float, lat: float | None, req: float, *, lazy: bool = False
) -> Impacts:
    """Impacts of ``req`` requests on a compiled plan, with validated token counts and latency.

    ``lazy=True`` defers the evaluation to the first read of a figure (instrumented calls whose impacts
    may never be read pay only for building the object)."""
    warnings = plan.warnings
    if lat is None and plan.latency_source == "modelled":
        warnings = (*warnings, "latency-modelled")
    values: tuple[float, ...] | Callable[[], tuple[float, ...]] = (
        LazyValues(plan, in_t, out_t, lat, req) if lazy else plan.values(in_t, out_t, lat, req)
    )

    def explainer() -> tuple[Any, ...]:
        from ._layout import VALUE
        from .engine.plan import gpu_energy_j
        from .engine.plan import latency_s as plan_latency

        c = plan.corners[VALUE]
        used = lat if lat is not None else plan_latency(c, in_t, out_t)
        gpu_j = gpu_energy_j(c, in_t, out_t)
        from ._values import Factor

        call = [
            Factor("input tokens", in_t, in_t, in_t, "tokens", "argument"),
            Factor("output tokens (incl. reasoning)", out_t, out_t, out_t, "tokens", "argument"),
            Factor(
                "latency used",
                used,
                used,
                used,
                "s",
                "measured (argument)" if lat is not None else f"{plan.latency_source} (central corner)",
            ),
            Factor(
                "GPU energy per request",
                gpu_j / 3600,
                gpu_j / 3600,
                gpu_j / 3600,
                "Wh",
                "energy model (G1), central corner",
            ),
        ]
        return (*call, *plan.factors())

    return Impacts(
        values,
        model=plan.model_id,
        zone=plan.zone,
        boundary=plan.boundary,
        warnings=warnings,
        requests=req,
        explainer=explainer,
    )


def get_catalog() -> Catalog:
    """The catalogue used by :func:`estimate` (shipped data + config-file overlays + registrations)."""
    return default_estimator().catalog


def models(provider: str | None = None, query: str | None = None) -> list[Model]:
    """Catalogue models, optionally of one provider and matching a substring ``query``."""
    return get_catalog().models(provider, query)


def zones(query: str | None = None) -> list[Zone]:
    """Electricity zones, optionally matching ``query`` (code, name or parent country)."""
    return get_catalog().zones(query)


def register_model(model: Model) -> None:
    """Add or replace a model in the default catalogue (``model.provider`` / ``model.name``, aliases)."""
    if not isinstance(model, Model):
        raise InputError("model", f"expected aifootprint.Model, got {type(model).__name__}")
    if model.provider == "custom":
        raise InputError("model.provider", "give the model a provider, e.g. Model(provider='acme', name=...)")
    get_catalog().add_model(model)


def register_datacenter(
    provider: str,
    *,
    zone: str,
    pue: RangeLike,
    wue_l_per_kwh: RangeLike = 0.0,
    region: str = "",
    operator: str = "",
    source: str = "registered by the user",
) -> None:
    """Add or replace where ``provider`` (optionally one ``region``) serves requests."""
    cat = get_catalog()
    z = cat.zone(zone)
    cat.add_datacenter(
        Datacenter(
            provider=canonical_provider(provider),
            region=region,
            zone=z.code,
            operator=operator,
            pue=parse_range("pue", pue, minimum=1.0),
            wue_l_per_kwh=parse_range("wue_l_per_kwh", wue_l_per_kwh),
            source=source,
        )
    )


def register_zone(
    code: str,
    *,
    gwp_kgco2eq_per_kwh: RangeLike,
    parent: str = "WOR",
    name: str | None = None,
    adpe_kgsbeq_per_kwh: float | None = None,
    pe_mj_per_kwh: float | None = None,
    water_l_per_kwh: float | None = None,
    gwp_basis: str = "lifecycle",
    source: str = "registered by the user",
) -> None:
    """Add or replace an electricity zone; factors not given are inherited from ``parent``."""
    table: dict[str, Any] = {
        "gwp_kgco2eq_per_kwh": gwp_kgco2eq_per_kwh,
        "parent": parent,
        "source": source,
        "gwp_basis": gwp_basis,
        "name": name or code,
    }
    for key, v in (
        ("adpe_kgsbeq_per_kwh", adpe_kgsbeq_per_kwh),
        ("pe_mj_per_kwh", pe_mj_per_kwh),
        ("water_l_per_kwh", water_l_per_kwh),
    ):
        if v is not None:
            table[key] = v
    get_catalog().apply_overlays({"zones": {code: table}}, "register_zone()")


def configure(
    *,
    zone: str | None = None,
    boundary: str | None = None,
    gpu: str | None = None,
    batch_size: RangeLike | None = None,
    config: str | os.PathLike[str] | None = None,
) -> Estimator:
    """Rebuild the default estimator with these settings (arguments > environment > config file > defaults).

    Registrations made before are dropped; the shipped catalogue is re-read with the config overlays.
    """
    reset()
    settings = Settings.resolve(zone=zone, boundary=boundary, gpu=gpu, batch_size=batch_size, config=config)
    origin = f"config file {settings.config_path}" if settings.config_path else "overlay"
    est = Estimator(load_catalog(settings.overlays, origin), settings)
    set_default_estimator(est)
    return est


def make_estimator(*, settings: Settings | None = None, catalog: Catalog | None = None) -> Estimator:
    """A private estimator (its own catalogue and settings), e.g. for tests or several configurations."""
    s = settings or Settings.resolve()
    origin = f"config file {s.config_path}" if s.config_path else "overlay"
    return Estimator(catalog or load_catalog(s.overlays, origin), s)


def compare(models: Iterable[str | Model], **kwargs: Any) -> list[Impacts]:
    """:func:`estimate` for several models with the same arguments."""
    return [estimate(m, **kwargs) for m in models]
