"""Resolve a request against the catalogue and settings into an engine :class:`Plan`, and cache plans.

This is the only place where catalogue facts, user arguments and settings meet; the engine stays pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._interval import Bounds, parse_range
from ._layout import HIGH, LOW, VALUE
from ._settings import Settings
from ._values import BOUNDARIES, Factor, Model, precision_bits
from .catalog import Catalog, Datacenter, canonical_provider
from .engine.plan import Deployment, Plan, corner_gpu_count
from .errors import InputError

_PLAN_CACHE_MAX = 4096


def _dense_tflops(tflops: Mapping[int, float], weight_bits: float) -> float:
    """Throughput for the weight precision: the lowest supported precision at or above it.

    Weight-only low precision (fp4 weights on an accelerator without fp4 units) computes at the next
    precision the hardware has (e.g. fp8 or bf16), which is what inference kernels do.
    """
    for bits in sorted(tflops):
        if bits >= weight_bits:
            return tflops[bits]
    return tflops[max(tflops)]


def _industry_datacenter(cat: Catalog, provider: str) -> Datacenter:
    """Industry-average PUE and WUE and the default zone, for whoever publishes no figures."""
    pue, wue = cat.default("pue_industry"), cat.default("wue_industry")
    return Datacenter(
        provider=provider,
        region="",
        zone=cat.default_text("zone"),
        operator="unknown",
        pue=cat.default_triple("pue_industry"),
        wue_l_per_kwh=cat.default_triple("wue_industry"),
        source=f"{pue.source}; {wue.source}",
    )


def build_plan(
    cat: Catalog,
    settings: Settings,
    model: Model,
    *,
    zone: str | None,
    region: str | None,
    boundary: str | None,
    gpu: str | None,
    gpu_count: int | None,
    batch_size: Bounds | None,
    pue: Bounds | None,
    wue: Bounds | None,
    provider: str | None,
    self_hosted: str | None = None,
) -> Plan:
    """``self_hosted`` describes a server the user runs (``[endpoints]``; the text is the source shown for
    the PUE and WUE it gives): no provider's datacenter row applies; ``pue``, ``wue`` and ``zone`` are its
    own, else the industry ranges (``datacenter-defaulted``) and the default zone (``zone-defaulted``)."""
    warnings: list[str] = []
    bnd = boundary or settings.boundary
    if bnd not in BOUNDARIES:
        raise InputError("boundary", f"must be one of {', '.join(BOUNDARIES)}, got {bnd!r}")
    # Datacenter: the provider's (region) row, or industry averages for models served by unknown parties
    # and for servers the user runs without saying what their facility is.
    dc: Datacenter
    given_by = "argument"  # the source shown for the PUE and WUE the arguments give
    pue_source, wue_source = cat.default("pue_industry").source, cat.default("wue_industry").source
    if self_hosted is not None:
        given_by = self_hosted
        dc = _industry_datacenter(cat, self_hosted)
        if pue is None or wue is None:
            warnings.append("datacenter-defaulted")
    else:
        dc_provider = canonical_provider(provider or model.provider)
        try:
            dc = cat.datacenter(dc_provider, region)
            pue_source = wue_source = dc.source
        except LookupError:
            if provider is not None or region is not None:
                raise
            warnings.append("datacenter-defaulted")
            dc = _industry_datacenter(cat, dc_provider)
    if zone is not None:
        zone_code, zone_origin = zone, "argument"
    elif settings.zone is not None:
        zone_code, zone_origin = settings.zone, settings.provenance.get("zone", "settings")
    elif region:
        zone_code, zone_origin = dc.zone, f"region {region} of {dc.provider} (datacenters.csv)"
    elif self_hosted is not None:
        zone_code, zone_origin = dc.zone, f"{cat.default('zone').source}: {self_hosted} names no zone"
        warnings.append("zone-defaulted")
    else:
        zone_code, zone_origin = dc.zone, f"default location of {dc.provider}"
        warnings.append("zone-defaulted")
    z = cat.zone(zone_code)
    if z.gwp_basis == "combustion":
        warnings.append("zone-gwp-combustion-only")
    elif z.gwp_basis == "co2_combustion":
        warnings.append("zone-gwp-co2-only")
    if model.estimated:
        warnings.append("model-size-estimated")
    if model.deprecated:
        warnings.append("model-deprecated")

    acc = cat.accelerator(gpu or settings.gpu or cat.default_text("gpu"))
    server = cat.server_for(acc.key)
    bits = precision_bits("precision", model.precision)
    if acc.memory_bandwidth_tb_s is None or not acc.tflops:
        raise InputError(
            "gpu", f"accelerator {acc.key} lacks bandwidth/throughput data needed by the energy model"
        )
    if gpu_count is not None and (
        isinstance(gpu_count, bool) or not isinstance(gpu_count, int) or gpu_count < 1
    ):
        raise InputError("gpu_count", f"must be a whole number >= 1, got {gpu_count!r}")
    batch = batch_size or settings.batch_size or cat.default_triple("batch_size")
    latency_catalogue = (model.ttft_s or 0.0, model.tokens_per_s) if model.tokens_per_s else None
    d = Deployment(
        active_params_b=model.active_params_b,
        total_params_b=model.total_params_b,
        weight_bits=bits,
        gpu_memory_gb=acc.memory_gb,
        gpu_tdp_w=acc.tdp_w,
        gpu_memory_bandwidth_tb_s=acc.memory_bandwidth_tb_s,
        gpu_dense_tflops=_dense_tflops(acc.tflops, bits),
        gpu_count=gpu_count,
        memory_overhead=cat.default_triple("memory_overhead")[1],
        batch_size=batch,
        gpus_per_server=float(server.gpu_count),
        host_power_w=server.host_power_w,
        pue=pue or dc.pue,
        wue_l_per_kwh=wue or dc.wue_l_per_kwh,
        idle_capacity_factor=cat.default_triple("idle_capacity_factor"),
        gwp_kgco2eq_per_kwh=z.gwp_kgco2eq_per_kwh,
        adpe_kgsbeq_per_kwh=z.adpe_kgsbeq_per_kwh,
        pe_mj_per_kwh=z.pe_mj_per_kwh,
        grid_water_l_per_kwh=z.water_l_per_kwh,
        gpu_embodied_gwp=acc.embodied_gwp_kgco2eq,
        gpu_embodied_adpe=acc.embodied_adpe_kgsbeq,
        gpu_embodied_pe=acc.embodied_pe_mj,
        host_embodied_gwp=server.embodied_gwp_kgco2eq,
        host_embodied_adpe=server.embodied_adpe_kgsbeq,
        host_embodied_pe=server.embodied_pe_mj,
        lifetime_years=cat.default_triple("hardware_lifetime_years"),
        boundary=bnd,
        latency_catalogue=latency_catalogue,
    )
    if corner_gpu_count(d, 2) > server.gpu_count:
        warnings.append("gpu-count-exceeds-server")
    latency_source = "catalogue" if latency_catalogue else "modelled"

    def factors() -> list[Factor]:
        return _factors(
            cat,
            model,
            d,
            dc,
            z.code,
            zone_origin,
            acc.key,
            server.key,
            latency_source,
            given_by if pue is not None else pue_source,
            given_by if wue is not None else wue_source,
            batch_size is not None,
        )

    return Plan(
        deployment=d,
        coefficients=cat.energy_coefficients(),
        model_id=model.id,
        zone=z.code,
        warnings=tuple(warnings),
        latency_source=latency_source,
        factors=factors,
    )


def _factors(
    cat: Catalog,
    model: Model,
    d: Deployment,
    dc: Datacenter,
    zone: str,
    zone_origin: str,
    gpu_key: str,
    server_key: str,
    latency_source: str,
    pue_source: str,
    wue_source: str,
    batch_given: bool,
) -> list[Factor]:
    z = cat.zone(zone)
    acc = cat.accelerator(gpu_key)
    server = cat.server(server_key)
    model_src = "; ".join(model.sources) or "user-described model"
    if model.estimated and model.estimate_note:
        model_src = f"estimate: {model.estimate_note} ({model_src})"

    def tri(name: str, t: Bounds, unit: str, source: str) -> Factor:
        return Factor(name, t.low, t.value, t.high, unit, source)

    gpu_counts = Bounds(*(float(corner_gpu_count(d, k)) for k in (LOW, VALUE, HIGH)))
    energy_src = str(cat.energy_model.get("citation", "aifootprint energy model fitted on ML.ENERGY"))
    rows = [
        Factor("model", "", model.id, "", "", model_src),
        tri("total parameters", d.total_params_b, "B", model_src),
        tri("active parameters", d.active_params_b, "B", model_src),
        Factor("weight precision", "", f"{model.precision} ({d.weight_bits:g} bits)", "", "", model_src),
        Factor("accelerator", "", acc.key, "", "", acc.spec_source),
        tri(
            "accelerators per replica",
            gpu_counts,
            "",
            "memory rule M1-M2: power of two holding 1.2 x weights",
        ),
        tri(
            "batch size (concurrent requests)",
            d.batch_size,
            "",
            "argument" if batch_given else cat.default("batch_size").source,
        ),
        Factor("GPU energy model", "", "fitted coefficients", "", "", energy_src),
        Factor(
            "latency",
            "",
            latency_source,
            "",
            "",
            "catalogue throughput (OpenRouter statistics via EcoLogits)"
            if latency_source == "catalogue"
            else "aifootprint latency model fitted on ML.ENERGY"
            if latency_source == "modelled"
            else "measured",
        ),
        tri("host power (server without GPUs)", d.host_power_w, "W", server.source),
        Factor("GPUs per server", d.gpus_per_server, d.gpus_per_server, d.gpus_per_server, "", server.source),
        tri("PUE", d.pue, "", pue_source),
        tri("on-site WUE", d.wue_l_per_kwh, "L/kWh", wue_source),
    ]
    if d.boundary == "comprehensive":
        rows.append(
            tri(
                "idle/reserved capacity factor",
                d.idle_capacity_factor,
                "",
                cat.default("idle_capacity_factor").source,
            )
        )
    rows += [
        Factor("zone", "", f"{z.code} ({z.name})", "", "", zone_origin),
        tri(f"grid GWP ({z.gwp_basis})", d.gwp_kgco2eq_per_kwh, "kgCO2eq/kWh", z.gwp_source),
        Factor(
            "grid ADPe",
            d.adpe_kgsbeq_per_kwh,
            d.adpe_kgsbeq_per_kwh,
            d.adpe_kgsbeq_per_kwh,
            "kgSbeq/kWh",
            z.adpe_source,
        ),
        Factor("grid PE (ADPf)", d.pe_mj_per_kwh, d.pe_mj_per_kwh, d.pe_mj_per_kwh, "MJ/kWh", z.pe_source),
        Factor(
            "grid water",
            d.grid_water_l_per_kwh,
            d.grid_water_l_per_kwh,
            d.grid_water_l_per_kwh,
            "L/kWh",
            z.water_source,
        ),
        tri("embodied GWP per accelerator", d.gpu_embodied_gwp, "kgCO2eq", acc.embodied_source),
        tri("embodied ADPe per accelerator", d.gpu_embodied_adpe, "kgSbeq", acc.embodied_source),
        tri("embodied PE per accelerator", d.gpu_embodied_pe, "MJ", acc.embodied_source),
        tri("embodied GWP per host", d.host_embodied_gwp, "kgCO2eq", server.source),
        tri("hardware lifetime", d.lifetime_years, "years", cat.default("hardware_lifetime_years").source),
        Factor("embodied water", 0.0, 0.0, 0.0, "L", "not modelled (no manufacturing water data in litres)"),
    ]
    return rows


class Estimator:
    """Catalogue + settings + a cache of compiled plans. ``aifootprint.estimate`` uses a default one."""

    def __init__(self, catalog: Catalog, settings: Settings) -> None:
        self.catalog = catalog
        self.settings = settings
        self._plans: dict[tuple[Any, ...], Plan] = {}
        self._generation = catalog.generation

    def plan(
        self,
        model: str | Model,
        *,
        zone: str | None = None,
        region: str | None = None,
        boundary: str | None = None,
        gpu: str | None = None,
        gpu_count: int | None = None,
        batch_size: object = None,
        pue: object = None,
        wue: object = None,
        provider: str | None = None,
        self_hosted: str | None = None,
    ) -> Plan:
        if self._generation != self.catalog.generation:
            self._plans.clear()
            self._generation = self.catalog.generation
        try:
            key = (model, zone, region, boundary, gpu, gpu_count, batch_size, pue, wue, provider, self_hosted)
            plan = self._plans.get(key)
        except TypeError:  # an unhashable argument (a list range): compile without caching
            key, plan = None, None
        if plan is not None:
            return plan
        if isinstance(model, Model):
            m = model
        elif isinstance(model, str):
            m, _how = self.catalog.resolve_model(model, provider)
        else:
            raise InputError(
                "model", f"expected a model id string or aifootprint.Model, got {type(model).__name__}"
            )
        plan = build_plan(
            self.catalog,
            self.settings,
            m,
            zone=zone,
            region=region,
            boundary=boundary,
            gpu=gpu,
            gpu_count=gpu_count,
            batch_size=None if batch_size is None else parse_range("batch_size", batch_size, minimum=1.0),
            pue=None if pue is None else parse_range("pue", pue, minimum=1.0),
            wue=None if wue is None else parse_range("wue", wue),
            provider=provider,
            self_hosted=self_hosted,
        )
        if key is not None:
            if len(self._plans) >= _PLAN_CACHE_MAX:
                self._plans.clear()
            self._plans[key] = plan
        return plan
