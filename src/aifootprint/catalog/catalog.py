"""The catalogue: models, zones, datacenters, hardware, defaults and equivalents, with user overlays.

Lookups never guess: a model is found by exact id, by a registered alias, or by case-insensitive
normalisation, and the match records how it was made. Anything else raises an error listing close matches.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from .._interval import Bounds, parse_range
from .._values import Model
from ..engine.energy_model import EnergyCoefficients
from ..errors import (
    ConfigError,
    InputError,
    UnknownHardwareError,
    UnknownModelError,
    UnknownProviderError,
    UnknownZoneError,
)
from . import loader
from .rows import Accelerator, Datacenter, Default, Equivalent, Server, Zone

#: Other names users and SDKs give to providers -> canonical catalogue provider id.
PROVIDER_ALIASES: dict[str, str] = {
    "mistralai": "mistral",
    "google_genai": "google",
    "google-genai": "google",
    "gemini": "google",
    "vertex": "google",
    "vertex_ai": "google",
    "vertexai": "google",
    "huggingface_hub": "huggingface",
    "hf": "huggingface",
    "aws": "bedrock",
    "aws-bedrock": "bedrock",
    "amazon-bedrock": "bedrock",
    "together_ai": "together",
    "togetherai": "together",
    "azure": "azure-openai",
}


def _norm(s: str) -> str:
    return s.strip().lower()


def canonical_provider(provider: str) -> str:
    p = _norm(provider)
    return PROVIDER_ALIASES.get(p, p)


class Catalog:
    """Indexed, validated catalogue. Build with :func:`load_catalog`; extend with ``add_*`` or overlays."""

    def __init__(
        self,
        *,
        models: Iterable[Model],
        zones: Iterable[Zone],
        datacenters: Iterable[Datacenter],
        accelerators: Iterable[Accelerator],
        servers: Iterable[Server],
        defaults: Mapping[str, Default],
        equivalents: Mapping[str, Equivalent],
        energy_model: Mapping[str, Any],
        data_version: str,
    ) -> None:
        self._models: dict[tuple[str, str], Model] = {}
        self._aliases: dict[tuple[str, str], Model] = {}
        self._by_name: dict[str, list[Model]] = {}
        self._zones: dict[str, Zone] = {}
        self._datacenters: dict[tuple[str, str], Datacenter] = {}
        self._accelerators: dict[str, Accelerator] = {}
        self._accelerator_index: dict[str, Accelerator] = {}
        self._servers: dict[str, Server] = {}
        self.defaults: dict[str, Default] = dict(defaults)
        self.equivalents: dict[str, Equivalent] = dict(equivalents)
        self.energy_model: Mapping[str, Any] = energy_model
        self._energy_coefficients: EnergyCoefficients | None = None
        self.data_version = data_version
        self.generation = 0  # bumped on every change, so caches keyed on it stay correct
        for m in models:
            self.add_model(m)
        for z in zones:
            self.add_zone(z)
        for d in datacenters:
            self.add_datacenter(d)
        for a in accelerators:
            self.add_accelerator(a)
        for s in servers:
            self._servers[s.key.lower()] = s

    # -- models ---------------------------------------------------------------------------------------
    def add_model(self, model: Model) -> None:
        """Add or replace a model (and its aliases). Replacing drops the old entry's aliases."""
        provider = canonical_provider(model.provider)
        key = (provider, _norm(model.name))
        old = self._models.get(key)
        if old is not None:
            self._remove_model(old)
        self._models[key] = model
        self._by_name.setdefault(_norm(model.name), []).append(model)
        for alias in model.aliases:
            self._aliases[(provider, _norm(alias))] = model
            self._by_name.setdefault(_norm(alias), []).append(model)
        self.generation += 1

    def _remove_model(self, model: Model) -> None:
        provider = canonical_provider(model.provider)
        self._models.pop((provider, _norm(model.name)), None)
        for name in (model.name, *model.aliases):
            if self._aliases.get((provider, _norm(name))) is model:
                del self._aliases[(provider, _norm(name))]
            lst = self._by_name.get(_norm(name), [])
            if model in lst:
                lst.remove(model)

    def models(self, provider: str | None = None, query: str | None = None) -> list[Model]:
        """Catalogue models, optionally of one provider and matching a substring ``query``."""
        p = canonical_provider(provider) if provider else None
        q = _norm(query) if query else None
        out = []
        for (mp, _), m in sorted(self._models.items()):
            if p is not None and mp != p:
                continue
            if q is not None and not any(q in _norm(s) for s in (m.name, m.id, *m.aliases)):
                continue
            out.append(m)
        return out

    def providers(self) -> list[str]:
        return sorted({p for p, _ in self._models})

    def resolve_model(self, spec: str, provider: str | None = None) -> tuple[Model, str]:
        """Find a model by ``"provider/name"``, ``name`` (+ ``provider``) or alias. Returns (model, how).

        ``how`` is ``"exact"``, ``"alias"`` or ``"normalized"`` (case/whitespace). Raises
        :class:`UnknownModelError` with close matches when nothing matches exactly.
        """
        if not isinstance(spec, str) or not spec.strip():
            raise InputError("model", "must be a non-empty model id such as 'openai/gpt-4o-mini'")
        spec = spec.strip()
        candidates: list[tuple[str, str]] = []
        if provider:
            candidates.append((canonical_provider(provider), spec))
        elif "/" in spec:
            head, _, rest = spec.partition("/")
            p = canonical_provider(head)
            if p in self.providers():
                candidates.append((p, rest))
        for p, name in candidates:
            found = self._lookup(p, name)
            if found is not None:
                return found
        if not provider:
            matches = {id(m): m for m in self._by_name.get(_norm(spec), [])}
            if len(matches) == 1:
                (m,) = matches.values()
                return m, "exact" if m.name == spec else ("alias" if spec in m.aliases else "normalized")
            if len(matches) > 1:
                ids = sorted(m.id for m in matches.values())
                raise UnknownModelError(
                    f"model {spec!r} is ambiguous: it names {', '.join(ids)}; prefix the provider, "
                    f"e.g. {ids[0]!r}",
                    key=spec,
                    suggestions=tuple(ids),
                )
        target = f"{canonical_provider(provider)}/{spec}" if provider else spec
        raise UnknownModelError(
            f"unknown model {target!r}{self._suggest_models(target)}. "
            "List models with `aifootprint models [QUERY]`, or describe it in the overlay file "
            f'(aifootprint.toml: [models."{target if "/" in target else "provider/" + target}"] '
            "total_params_b = ...) or with af.Model(total_params_b=...).",
            key=target,
            suggestions=self._close_models(target),
        )

    def _lookup(self, provider: str, name: str) -> tuple[Model, str] | None:
        m = self._models.get((provider, _norm(name)))
        if m is not None:
            return m, "exact" if m.name == name else "normalized"
        m = self._aliases.get((provider, _norm(name)))
        if m is not None:
            return m, "alias"
        return None

    def _close_models(self, target: str) -> tuple[str, ...]:
        names = [m.id for m in self._models.values()]
        names += [f"{canonical_provider(m.provider)}/{a}" for m in self._models.values() for a in m.aliases]
        t = _norm(target)
        pool = {_norm(n): n for n in names}
        bare_t = t.partition("/")[2] if "/" in t and t.partition("/")[0] in self.providers() else t
        contains = sorted((n for n in pool if bare_t in n.partition("/")[2]), key=len)[:5]
        if contains:  # "llama" -> ids containing it, shortest first
            return tuple(pool[c] for c in contains)
        close = difflib.get_close_matches(t, list(pool), n=5, cutoff=0.6)
        if not close and "/" in t:  # compare on the bare name too
            bare = {_norm(n.partition("/")[2]): n for n in names}
            close = [
                _norm(bare[c]) for c in difflib.get_close_matches(t.partition("/")[2], list(bare), 5, 0.6)
            ]
        return tuple(pool[c] for c in close)

    def _suggest_models(self, target: str) -> str:
        close = self._close_models(target)
        return f" (close matches: {', '.join(close)})" if close else " (no close match)"

    # -- zones ------------------------------------------------------------------------------------------
    def add_zone(self, zone: Zone) -> None:
        self._zones[zone.code.upper()] = zone
        self.generation += 1

    def zone(self, code: str) -> Zone:
        if not isinstance(code, str) or not code.strip():
            raise InputError(
                "zone", "must be a non-empty zone code such as 'FRA', 'US-VA' or 'aws:us-east-1'"
            )
        z = self._zones.get(code.strip().upper())
        if z is None:
            close = difflib.get_close_matches(code.upper(), list(self._zones), n=5, cutoff=0.6)
            hint = f" (close matches: {', '.join(self._zones[c].code for c in close)})" if close else ""
            raise UnknownZoneError(
                f"unknown zone {code!r}{hint}. List zones with `aifootprint zones [QUERY]` or "
                'af.zones(); add one in the overlay file under [zones."CODE"].',
                key=code,
                suggestions=tuple(self._zones[c].code for c in close),
            )
        return z

    def zones(self, query: str | None = None) -> list[Zone]:
        q = _norm(query) if query else None
        return [
            z
            for _, z in sorted(self._zones.items())
            if q is None or q in _norm(z.code) or q in _norm(z.name) or q == _norm(z.parent)
        ]

    # -- datacenters -------------------------------------------------------------------------------------
    def add_datacenter(self, dc: Datacenter) -> None:
        self._datacenters[(canonical_provider(dc.provider), _norm(dc.region))] = dc
        self.generation += 1

    def datacenter(self, provider: str, region: str | None = None) -> Datacenter:
        p = canonical_provider(provider)
        if region:
            dc = self._datacenters.get((p, _norm(region)))
            if dc is None:
                known = sorted(r for q, r in self._datacenters if q == p and r)
                raise UnknownProviderError(
                    f"unknown region {region!r} for provider {p!r} "
                    f"(known: {', '.join(known) or 'none, only the provider default'}); "
                    f'add one in the overlay file under [datacenters."{p}/{region}"] with zone and pue',
                    key=f"{p}/{region}",
                    suggestions=tuple(known),
                )
            return dc
        dc = self._datacenters.get((p, ""))
        if dc is None:
            known = sorted({k[0] for k in self._datacenters})
            raise UnknownProviderError(
                f"no datacenter for provider {provider!r} (known: {', '.join(known)}); "
                "add one in the overlay "
                f'file under [datacenters."{p}"] with zone and pue',
                key=provider,
            )
        return dc

    def datacenters(self) -> list[Datacenter]:
        return [d for _, d in sorted(self._datacenters.items())]

    # -- hardware ---------------------------------------------------------------------------------------
    def add_accelerator(self, acc: Accelerator) -> None:
        self._accelerators[acc.key.upper()] = acc
        for name in (acc.key, *acc.aliases):
            self._accelerator_index[_hw_norm(name)] = acc
        self.generation += 1

    def accelerator(self, name: str) -> Accelerator:
        if not isinstance(name, str) or not name.strip():
            raise InputError("gpu", "must be a non-empty accelerator name such as 'H100' or 'A100-SXM4-40GB'")
        acc = self._accelerator_index.get(_hw_norm(name))
        if acc is None:
            close = difflib.get_close_matches(_hw_norm(name), list(self._accelerator_index), n=5, cutoff=0.5)
            keys = sorted({self._accelerator_index[c].key for c in close})
            hint = f" (close matches: {', '.join(keys)})" if keys else ""
            raise UnknownHardwareError(
                f"unknown accelerator {name!r}{hint}; "
                f"known: {', '.join(sorted(a.key for a in self.accelerators()))}",
                key=name,
                suggestions=tuple(keys),
            )
        return acc

    def accelerators(self) -> list[Accelerator]:
        return [a for _, a in sorted(self._accelerators.items())]

    def energy_coefficients(self) -> EnergyCoefficients:
        """The fitted GPU energy model coefficients (``energy_model.json``), parsed once."""
        if self._energy_coefficients is None:
            self._energy_coefficients = EnergyCoefficients.from_mapping(self.energy_model)
        return self._energy_coefficients

    def host_of(self, accelerator_key: str) -> Server | None:
        """The host archetype built around this accelerator, if the catalogue has one."""
        for s in self._servers.values():
            if s.gpu_key == accelerator_key:
                return s
        return None

    def server_for(self, accelerator_key: str) -> Server:
        """The host archetype built around this accelerator, else the default host (``defaults.json``)."""
        return self.host_of(accelerator_key) or self.server(self.default_text("server"))

    def servers(self) -> list[Server]:
        return [s for _, s in sorted(self._servers.items())]

    def server(self, key: str) -> Server:
        s = self._servers.get(key.lower())
        if s is None:
            raise UnknownHardwareError(
                f"unknown server archetype {key!r} (known: {', '.join(sorted(self._servers))})", key=key
            )
        return s

    def default(self, key: str) -> Default:
        return self.defaults[key]

    def default_triple(self, key: str) -> Bounds:
        v = self.defaults[key].value
        if isinstance(v, str):
            raise TypeError(f"default {key!r} is not numeric")
        return v

    def default_text(self, key: str) -> str:
        v = self.defaults[key].value
        if not isinstance(v, str):
            raise TypeError(f"default {key!r} is not text")
        return v

    # -- overlays ---------------------------------------------------------------------------------------
    def apply_overlays(self, overlays: Mapping[str, Mapping[str, Any]], origin: str) -> None:
        """Add or override models, datacenters and zones from a config-file overlay (see settings)."""
        for code, table in overlays.get("zones", {}).items():
            self.add_zone(_zone_from_overlay(self, code, table, origin))
        for key, table in overlays.get("datacenters", {}).items():
            self.add_datacenter(_datacenter_from_overlay(self, key, table, origin))
        for key, table in overlays.get("models", {}).items():
            self.add_model(_model_from_overlay(key, table, origin))


def _hw_norm(name: str) -> str:
    n = name.strip().upper().replace("NVIDIA", "").replace("AMD", "").replace("INSTINCT", "")
    return "".join(ch for ch in n if ch.isalnum())


# -- overlay parsing -----------------------------------------------------------------------------------------

_MODEL_FIELDS = {
    "total_params_b",
    "active_params_b",
    "precision",
    "architecture",
    "aliases",
    "tokens_per_s",
    "ttft_s",
    "estimated",
    "estimate_note",
    "source",
    "sources",
    "open_weights",
    "deprecated",
}
_DC_FIELDS = {"zone", "pue", "wue_l_per_kwh", "operator", "source"}
_ZONE_FIELDS = {
    "name",
    "parent",
    "gwp_kgco2eq_per_kwh",
    "gwp_basis",
    "adpe_kgsbeq_per_kwh",
    "pe_mj_per_kwh",
    "water_l_per_kwh",
    "year",
    "source",
}


def _check_fields(where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")


def _range(where: str, field: str, raw: object, **kw: Any) -> Bounds:
    try:
        return parse_range(field, raw, **kw)
    except InputError as exc:
        raise ConfigError(f"{where}.{exc}") from None


def _model_from_overlay(key: str, table: Mapping[str, Any], origin: str) -> Model:
    where = f'{origin}: models."{key}"'
    _check_fields(where, table, _MODEL_FIELDS)
    provider, sep, name = key.partition("/")
    if not sep or not provider or not name:
        raise ConfigError(f"{where}: the key must be 'provider/name', e.g. models.\"acme/bert-finetuned\"")
    if "total_params_b" not in table:
        raise ConfigError(
            f"{where}: total_params_b is required (billions of parameters, e.g. 0.11 or [7, 9])"
        )
    sources = table.get("sources", [table["source"]] if "source" in table else [origin])
    try:
        return Model(
            provider=canonical_provider(provider),
            name=name,
            total_params_b=_range(where, "total_params_b", table["total_params_b"], strict_minimum=True),
            active_params_b=(
                _range(where, "active_params_b", table["active_params_b"], strict_minimum=True)
                if "active_params_b" in table
                else None
            ),
            precision=str(table.get("precision", "bf16")),
            architecture=table.get("architecture"),
            aliases=list(table.get("aliases", [])),
            tokens_per_s=table.get("tokens_per_s"),
            ttft_s=table.get("ttft_s"),
            estimated=bool(table.get("estimated", False)),
            estimate_note=table.get("estimate_note"),
            deprecated=bool(table.get("deprecated", False)),
            open_weights=table.get("open_weights"),
            sources=list(sources),
        )
    except InputError as exc:
        raise ConfigError(f"{where}.{exc}") from None


def _datacenter_from_overlay(cat: Catalog, key: str, table: Mapping[str, Any], origin: str) -> Datacenter:
    where = f'{origin}: datacenters."{key}"'
    _check_fields(where, table, _DC_FIELDS)
    provider, _, region = key.partition("/")
    base = cat._datacenters.get((canonical_provider(provider), _norm(region))) or cat._datacenters.get(
        (canonical_provider(provider), "")
    )
    if "zone" not in table and base is None:
        raise ConfigError(f'{where}: zone is required for a new datacenter (e.g. zone = "DEU")')
    zone = str(table.get("zone", base.zone if base else ""))
    try:
        cat.zone(zone)
    except (UnknownZoneError, InputError) as exc:
        raise ConfigError(f"{where}.zone: {exc}") from None
    if "pue" not in table and base is None:
        raise ConfigError(f"{where}: pue is required for a new datacenter (e.g. pue = 1.3 or [1.2, 1.4])")
    pue = _range(where, "pue", table["pue"], minimum=1.0) if "pue" in table else base.pue  # type: ignore[union-attr]
    if "wue_l_per_kwh" in table:
        wue = _range(where, "wue_l_per_kwh", table["wue_l_per_kwh"])
    else:
        wue = base.wue_l_per_kwh if base else Bounds.point(0.0)
    return Datacenter(
        provider=canonical_provider(provider),
        region=region,
        zone=zone,
        operator=str(table.get("operator", base.operator if base else "")),
        pue=pue,
        wue_l_per_kwh=wue,
        source=str(table.get("source", origin)),
    )


def _zone_from_overlay(cat: Catalog, code: str, table: Mapping[str, Any], origin: str) -> Zone:
    where = f'{origin}: zones."{code}"'
    _check_fields(where, table, _ZONE_FIELDS)
    existing = cat._zones.get(code.upper())
    parent_code = str(table.get("parent", existing.parent if existing else "")) or ""
    try:
        parent = existing or cat.zone(parent_code or "WOR")
    except (UnknownZoneError, InputError) as exc:
        raise ConfigError(f"{where}.parent: {exc}") from None
    if "gwp_kgco2eq_per_kwh" not in table and existing is None:
        raise ConfigError(
            f"{where}: gwp_kgco2eq_per_kwh is required (kgCO2eq per kWh, e.g. 0.35 or [0.3, 0.4])"
        )
    gwp = (
        _range(where, "gwp_kgco2eq_per_kwh", table["gwp_kgco2eq_per_kwh"])
        if "gwp_kgco2eq_per_kwh" in table
        else parent.gwp_kgco2eq_per_kwh
    )
    source = str(table.get("source", origin))

    def scalar(field: str, inherited: float, inherited_source: str) -> tuple[float, str]:
        if field in table:
            return _range(where, field, table[field])[1], source
        return inherited, f"{inherited_source} (inherited from {parent.code})"

    adpe, adpe_src = scalar("adpe_kgsbeq_per_kwh", parent.adpe_kgsbeq_per_kwh, parent.adpe_source)
    pe, pe_src = scalar("pe_mj_per_kwh", parent.pe_mj_per_kwh, parent.pe_source)
    water, water_src = scalar("water_l_per_kwh", parent.water_l_per_kwh, parent.water_source)
    # A zone overlay that keeps the inherited GWP keeps its basis too (an eGRID state stays combustion).
    basis = str(table.get("gwp_basis", "lifecycle" if "gwp_kgco2eq_per_kwh" in table else parent.gwp_basis))
    if basis not in ("lifecycle", "combustion", "co2_combustion"):
        raise ConfigError(
            f"{where}.gwp_basis: must be lifecycle, combustion or co2_combustion, got {basis!r}"
        )
    return Zone(
        code=code,
        name=str(table.get("name", code)),
        kind="user",
        parent=parent_code,
        gwp_kgco2eq_per_kwh=gwp,
        gwp_basis=basis,
        adpe_kgsbeq_per_kwh=adpe,
        pe_mj_per_kwh=pe,
        water_l_per_kwh=water,
        year=str(table.get("year", "")),
        gwp_source=source if "gwp_kgco2eq_per_kwh" in table else parent.gwp_source,
        adpe_source=adpe_src,
        pe_source=pe_src,
        water_source=water_src,
    )


@functools.lru_cache(maxsize=1)
def shipped_catalog_parts() -> dict[str, Any]:
    """Parse the shipped data files once per process (the catalogue itself is copied per use)."""
    return {
        "models": loader.load_models(),
        "zones": loader.load_zones(),
        "datacenters": loader.load_datacenters(),
        "accelerators": loader.load_accelerators(),
        "servers": loader.load_servers(),
        "defaults": loader.load_defaults(),
        "equivalents": loader.load_equivalents(),
        "energy_model": loader.read_json("energy_model.json"),
        "data_version": loader.data_version(),
    }


def load_catalog(overlays: Mapping[str, Mapping[str, Any]] | None = None, origin: str = "overlay") -> Catalog:
    """A fresh catalogue from the shipped data, with ``overlays`` (config-file tables) applied."""
    cat = Catalog(**shipped_catalog_parts())
    if overlays:
        cat.apply_overlays(overlays, origin)
    return cat
