"""Command implementations (imported only when a command runs)."""

from __future__ import annotations

import argparse
from typing import Any

from .. import _api as api
from .._format import equivalents, fmt_quantity, impacts_table, table
from .._interval import Bounds
from .._layout import INDICATORS
from .._values import Impacts, Model
from ..errors import WARNING_CODES
from . import dump_json


def _estimate_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "output_tokens": args.output_tokens,
        "input_tokens": args.input_tokens,
        "latency_s": args.latency,
        "zone": args.zone,
        "region": args.region,
        "boundary": args.boundary,
        "gpu": args.gpu,
        "batch_size": args.batch_size,
        "pue": args.pue,
        "requests": args.requests,
    }


def _requests(n: float) -> str:
    if n == 1:
        return "1 request"
    return f"{n:,.0f} requests" if float(n).is_integer() else f"{n:g} requests"


def _header(imp: Impacts, args: argparse.Namespace) -> str:
    n = _requests(args.requests)
    return (
        f"{imp.model}: {n} × ({args.input_tokens} input + {args.output_tokens} output tokens), "
        f"zone {imp.zone}, boundary {imp.boundary}"
    )


def _warnings(imp: Impacts) -> list[str]:
    return [f"warning {w}: {WARNING_CODES.get(w, '')}" for w in imp.warnings]


def cmd_estimate(args: argparse.Namespace) -> int:
    imp = api.estimate(args.model, **_estimate_kwargs(args))
    if args.json:
        dump_json(imp.to_dict())
        return 0
    cat = api.get_catalog()
    lines = [_header(imp, args), "", impacts_table(imp), "", *equivalents(cat, imp)]
    if imp.warnings:
        lines += ["", *_warnings(imp)]
    if args.explain:
        lines += ["", imp.explain()]
    print("\n".join(lines))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    kwargs = _estimate_kwargs(args)
    results = api.compare(args.models, **kwargs)
    if args.json:
        dump_json([r.to_dict() for r in results])
        return 0
    rows = []
    base = min(r.gwp.value for r in results) or 1.0
    for r in results:
        row = [r.model]
        for name in ("energy", "gwp", "water"):
            value, rng = fmt_quantity(getattr(r, name))
            row.append(f"{value} ({rng})")
        row.append(f"{r.gwp.value / base:.3g}×")
        row.append(",".join(r.warnings))
        rows.append(row)
    n = _requests(args.requests)
    print(f"{n} × ({args.input_tokens} input + {args.output_tokens} output tokens)\n")
    print(table(["Model", "Energy", "GHG (GWP)", "Water", "GWP vs best", "Warnings"], rows))
    return 0


def _params(t: Bounds) -> str:
    return f"{t[1]:g}" if t[0] == t[2] else f"{t[0]:g}–{t[2]:g}"


def cmd_models(args: argparse.Namespace) -> int:
    found: list[Model] = api.models(args.provider, args.query)
    if args.json:
        dump_json(
            [
                {
                    "id": m.id,
                    "provider": m.provider,
                    "name": m.name,
                    "aliases": list(m.aliases),
                    "architecture": m.architecture,
                    "total_params_b": list(m.total_params_b),
                    "active_params_b": list(m.active_params_b),
                    "precision": m.precision,
                    "estimated": m.estimated,
                    "deprecated": m.deprecated,
                    "sources": list(m.sources),
                }
                for m in found
            ]
        )
        return 0
    rows = [
        [
            m.id,
            m.architecture,
            _params(m.total_params_b),
            _params(m.active_params_b),
            m.precision,
            "estimated" if m.estimated else "",
            ", ".join(m.aliases)[:60],
        ]
        for m in found
    ]
    print(table(["Model", "Arch", "Total B", "Active B", "Precision", "Size", "Aliases"], rows))
    print(f"\n{len(found)} models")
    return 0


def cmd_zones(args: argparse.Namespace) -> int:
    found = api.zones(args.query)
    if args.json:
        dump_json(
            [
                {
                    "zone": z.code,
                    "name": z.name,
                    "kind": z.kind,
                    "parent": z.parent,
                    "gwp_kgco2eq_per_kwh": list(z.gwp_kgco2eq_per_kwh),
                    "gwp_basis": z.gwp_basis,
                    "adpe_kgsbeq_per_kwh": z.adpe_kgsbeq_per_kwh,
                    "pe_mj_per_kwh": z.pe_mj_per_kwh,
                    "water_l_per_kwh": z.water_l_per_kwh,
                    "gwp_source": z.gwp_source,
                }
                for z in found
            ]
        )
        return 0
    rows = [
        [
            z.code,
            z.name[:40],
            z.kind,
            f"{z.gwp_kgco2eq_per_kwh[1] * 1000:.0f}",
            z.gwp_basis,
            f"{z.water_l_per_kwh:.3g}",
        ]
        for z in found
    ]
    print(table(["Zone", "Name", "Kind", "gCO2eq/kWh", "Basis", "Water L/kWh"], rows, align_right=(3, 5)))
    print(f"\n{len(found)} zones")
    return 0


__all__ = ["INDICATORS", "cmd_compare", "cmd_estimate", "cmd_models", "cmd_zones"]
