"""Read the shipped data files (``aifootprint/data``) into typed rows. Nothing here runs at import."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from .._interval import Bounds
from .._values import Model
from ..errors import DataFileError
from .rows import Accelerator, Datacenter, Default, Equivalent, Server, Zone

DATA_PACKAGE = "aifootprint.data"


def read_text(name: str) -> str:
    return resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def read_json(name: str) -> Any:
    return json.loads(read_text(name))


def _rows(name: str) -> Iterator[tuple[int, dict[str, str]]]:
    yield from enumerate(csv.DictReader(io.StringIO(read_text(name))), start=2)


def _num(name: str, line: int, row: dict[str, str], col: str, *, optional: bool = False) -> float | None:
    raw = (row.get(col) or "").strip()
    if raw == "":
        if optional:
            return None
        raise DataFileError(f"{name}:{line}: column {col!r} is empty")
    try:
        return float(raw)
    except ValueError:
        raise DataFileError(f"{name}:{line}: column {col!r} is not a number: {raw!r}") from None


def _req(name: str, line: int, row: dict[str, str], col: str) -> float:
    v = _num(name, line, row, col)
    assert v is not None
    return v


def _triple(name: str, line: int, row: dict[str, str], value: str, low: str, high: str) -> Bounds:
    v = _req(name, line, row, value)
    lo = _num(name, line, row, low, optional=True)
    hi = _num(name, line, row, high, optional=True)
    t = Bounds(v if lo is None else lo, v, v if hi is None else hi)
    if not t.low <= t.value <= t.high:
        raise DataFileError(f"{name}:{line}: {low} <= {value} <= {high} does not hold: {tuple(t)}")
    return t


def load_models() -> list[Model]:
    doc = read_json("models.json")
    out: list[Model] = []
    for i, m in enumerate(doc["models"]):
        try:
            out.append(
                Model(
                    provider=m["provider"],
                    name=m["name"],
                    aliases=m.get("aliases", ()),
                    architecture=m["architecture"],
                    total_params_b=tuple(m["total_params_b"]),
                    active_params_b=tuple(m["active_params_b"]),
                    precision=m.get("precision", "bf16"),
                    estimated=m.get("estimated", False),
                    estimate_note=m.get("estimate_note"),
                    tokens_per_s=m.get("tokens_per_s"),
                    ttft_s=m.get("ttft_s"),
                    open_weights=m.get("open_weights"),
                    deprecated=m.get("deprecated", False),
                    sources=m.get("sources", ()),
                )
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise DataFileError(
                f"models.json: model #{i} ({m.get('provider')}/{m.get('name')}): {exc}"
            ) from None
    return out


def load_zones() -> list[Zone]:
    name = "grid.csv"
    out = []
    for line, r in _rows(name):
        out.append(
            Zone(
                code=r["zone"],
                name=r["name"],
                kind=r["kind"],
                parent=r.get("parent", "") or "",
                gwp_kgco2eq_per_kwh=_triple(name, line, r, "gwp_kgco2eq_per_kwh", "gwp_low", "gwp_high"),
                gwp_basis=r["gwp_basis"],
                adpe_kgsbeq_per_kwh=_req(name, line, r, "adpe_kgsbeq_per_kwh"),
                pe_mj_per_kwh=_req(name, line, r, "pe_mj_per_kwh"),
                water_l_per_kwh=_req(name, line, r, "water_l_per_kwh"),
                year=r.get("year", "") or "",
                gwp_source=r["gwp_source"],
                adpe_source=r["adpe_source"],
                pe_source=r["pe_source"],
                water_source=r["water_source"],
            )
        )
    return out


def load_datacenters() -> list[Datacenter]:
    name = "datacenters.csv"
    return [
        Datacenter(
            provider=r["provider"],
            region=r.get("region", "") or "",
            zone=r["zone"],
            operator=r.get("operator", "") or "",
            pue=_triple(name, line, r, "pue", "pue_low", "pue_high"),
            wue_l_per_kwh=_triple(name, line, r, "wue_l_per_kwh", "wue_low", "wue_high"),
            source=r["source"],
        )
        for line, r in _rows(name)
    ]


def load_accelerators() -> list[Accelerator]:
    name = "hardware.csv"
    out = []
    for line, r in _rows(name):
        tflops = {}
        for bits, col in ((16, "tflops_bf16_dense"), (8, "tflops_fp8_dense"), (4, "tflops_fp4_dense")):
            v = _num(name, line, r, col, optional=True)
            if v is not None:
                tflops[bits] = v
        out.append(
            Accelerator(
                key=r["key"],
                name=r["name"],
                aliases=tuple(a.strip() for a in (r.get("aliases") or "").split(";") if a.strip()),
                vendor=r.get("vendor", "") or "",
                memory_gb=_req(name, line, r, "memory_gb"),
                tdp_w=_req(name, line, r, "tdp_w"),
                memory_bandwidth_tb_s=_num(name, line, r, "memory_bandwidth_tb_s", optional=True),
                tflops=tflops,
                embodied_gwp_kgco2eq=_triple(
                    name, line, r, "embodied_gwp_kgco2eq", "embodied_gwp_low", "embodied_gwp_high"
                ),
                embodied_adpe_kgsbeq=_triple(
                    name, line, r, "embodied_adpe_kgsbeq", "embodied_adpe_low", "embodied_adpe_high"
                ),
                embodied_pe_mj=_triple(
                    name, line, r, "embodied_pe_mj", "embodied_pe_low", "embodied_pe_high"
                ),
                spec_source=r["spec_source"],
                embodied_source=r["embodied_source"],
            )
        )
    return out


def load_servers() -> list[Server]:
    name = "servers.csv"
    return [
        Server(
            key=r["key"],
            name=r["name"],
            gpu_key=r.get("gpu_key", "") or "",
            gpu_count=int(_req(name, line, r, "gpu_count")),
            host_power_w=_triple(name, line, r, "host_power_w", "host_power_w_low", "host_power_w_high"),
            embodied_gwp_kgco2eq=_triple(
                name, line, r, "embodied_gwp_kgco2eq", "embodied_gwp_low", "embodied_gwp_high"
            ),
            embodied_adpe_kgsbeq=_triple(
                name, line, r, "embodied_adpe_kgsbeq", "embodied_adpe_low", "embodied_adpe_high"
            ),
            embodied_pe_mj=_triple(name, line, r, "embodied_pe_mj", "embodied_pe_low", "embodied_pe_high"),
            lifetime_years=_req(name, line, r, "lifetime_years"),
            source=r["source"],
        )
        for line, r in _rows(name)
    ]


def load_defaults() -> dict[str, Default]:
    out: dict[str, Default] = {}
    for key, d in read_json("defaults.json").items():
        if key.startswith("_") or not isinstance(d, dict):  # schema_version, comments
            continue
        v = d["value"]
        if isinstance(v, str):
            out[key] = Default(key, v, d.get("unit", ""), d["source"])
        else:
            val = float(v)
            lo, hi = float(d.get("low", val)), float(d.get("high", val))
            out[key] = Default(key, Bounds(lo, val, hi), str(d.get("unit", "")), str(d["source"]))
    return out


def load_equivalents() -> dict[str, Equivalent]:
    name = "equivalents.csv"
    return {
        r["key"]: Equivalent(
            key=r["key"],
            label=r["label"],
            quantity=r["quantity"],
            value=_req(name, line, r, "value"),
            unit=r["unit"],
            source=r["source"],
            url=r.get("url", "") or "",
        )
        for line, r in _rows(name)
    }


def data_version() -> str:
    return str(read_json("MANIFEST.json").get("data_version", "unknown"))
