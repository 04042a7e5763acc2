"""``aifootprint report`` (totals by provider, model, label, day, month; ESRS E1 summary) and
``aifootprint ledger`` (where the ledger is and what it holds)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .._format import equivalents_of, fmt_quantity, table
from .._interval import Bounds
from .._values import Quantity
from ..ledger.esrs import Datapoint, esrs
from ..ledger.market import configured_market
from ..ledger.store import Store
from ..ledger.totals import BASIS_LABELS, Report, build, metadata, parse_by, rows, shown_totals
from ..ledger.when import iso, year_range
from .ledger_common import atomic_output, ledger_file, open_store, period
from .progress import Progress

_HEADERS = {
    "provider": "Provider",
    "model": "Model",
    "kind": "Kind",
    "source": "Source",
    "zone": "Zone",
    "boundary": "Boundary",
    "day": "Day",
    "month": "Month",
    "year": "Year",
    "basis": "Grid factors",
}


def cmd_report(args: argparse.Namespace) -> int:
    by = parse_by(args.by)
    if args.esrs is not None and (by or args.since or args.until):
        from ..errors import InputError

        raise InputError(
            "--esrs",
            "a calendar-year summary: leave out --by, --since and --until (or use them without --esrs)",
        )
    factors = configured_market()
    store = open_store(args)
    try:
        with Progress(None, " steps", "reading the ledger") as advance:
            store.db.set_progress_handler(lambda: advance(100_000) or 0, 100_000)
            if args.esrs is not None:
                points = esrs(store, args.esrs, factors)
                text = _render_esrs(points, args.format, store, args.esrs)
            else:
                since, until = period(args)
                rep = build(store, since=since, until=until, by=by, market=factors)
                text = _render(rep, args.format, store)
            store.db.set_progress_handler(None, 0)
    finally:
        store.close()
    with _output(args.output) as out:
        out.write(text)
    return 0


@contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    """stdout, or FILE written whole or not at all (``-o -`` is stdout)."""
    if not path or path == "-":
        yield sys.stdout
        return
    with atomic_output(Path(path).expanduser()) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        try:
            yield text
            text.flush()
        finally:
            text.detach()


def _q(t: Bounds, unit: str) -> Quantity:
    return Quantity(low=t.low, value=t.value, high=t.high, unit=unit)


def _fig(t: Bounds, unit: str) -> str:
    value, rng = fmt_quantity(_q(t, unit))
    return value if not rng or t.low == t.high else f"{value} ({rng})"


def _render(rep: Report, fmt: str, store: Store) -> str:
    if fmt == "json":
        doc = {"metadata": metadata(rep, store), "rows": rows(rep), "equivalents": _equivalents(rep)}
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        flat = rows(rep)
        buf = io.StringIO()
        if flat:
            w = csv.DictWriter(buf, fieldnames=list(flat[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(flat)
        return buf.getvalue()
    headers = [_HEADERS.get(k, k.replace("label:", "label ")) for k in rep.keys]
    headers += ["Entries", "Energy", "GWP location-based", "GWP market-based", "Water"]
    body: list[list[str]] = []
    shown = shown_totals(rep)
    for key, t in [*rep.groups, *((("TOTAL",) * (len(rep.keys) - 1) + (b,), t) for b, t in shown)]:
        cells = [str(k) if k else "-" for k in key[:-1]]
        cells.append(BASIS_LABELS.get(key[-1], key[-1]) if key[-1] != "all" else "all (mixed bases)")
        n = f"{t.entries:,}"
        if t.entries != t.with_impacts:
            n += f" ({t.entries - t.with_impacts:,} without impacts)"
        if t.with_impacts == 0:
            cells += [n, "-", "-", "-", "-"]
        else:
            cells += [
                n,
                _fig(t.total("energy"), "kWh"),
                _fig(t.total("gwp"), "kgCO2eq"),
                _fig(t.gwp_market(), "kgCO2eq"),
                _fig(t.total("water"), "L"),
            ]
        body.append(cells)
    right = tuple(range(len(rep.keys), len(headers)))
    if fmt == "markdown":
        return _markdown(headers, body, right) + "\n\n" + "\n".join(_notes(rep, store, md=True)) + "\n"
    return table(headers, body, align_right=right) + "\n\n" + "\n".join(_notes(rep, store, md=False)) + "\n"


def _equivalents(rep: Report) -> list[str]:
    from .._api import get_catalog

    total = next((t for b, t in reversed(rep.totals)), None)
    if total is None or total.with_impacts == 0:
        return []
    return equivalents_of(
        get_catalog(),
        gwp=total.total("gwp").value,
        energy=total.total("energy").value,
        water=total.total("water").value,
    )


def _notes(rep: Report, store: Store, *, md: bool) -> list[str]:
    b = "- " if md else ""
    since = "the beginning" if rep.since is None else iso(rep.since)
    until = "now" if rep.until is None else iso(rep.until)
    lines = [f"{b}Ledger {store.path}, entries from {since} to {until} (UTC)."]
    if not rep.groups:
        lines.append(f"{b}No entries in this period.")
        return lines
    lines.append(
        f"{b}Ranges (low–high) are sums of each entry's bounds. Grid factors: "
        + "; ".join(
            f"{BASIS_LABELS.get(k, k)} for {t.usage('energy').value:.4g} kWh"
            for k, t in rep.totals
            if k not in ("all", "")
        )
        + " (life-cycle factors include upstream emissions, combustion ones do not: see docs/reporting.md)."
    )
    if rep.market_used:
        used = ", ".join(
            f"{k} {rep.market[k].gwp_kgco2eq_per_kwh:g} kgCO2eq/kWh ({rep.market[k].source})"
            for k in sorted(rep.market_used)
        )
        lines.append(
            f"{b}Market-based: contractual factors {used}; other entries at their location-based figure."
        )
    else:
        lines.append(
            f"{b}Market-based equals location-based: no contractual factor applies "
            '(add [market."PROVIDER"] tables to aifootprint.toml, see docs/reporting.md).'
        )
    lines += [f"{b}{e}" for e in _equivalents(rep)]
    return lines


def _markdown(headers: Sequence[str], body: Sequence[Sequence[str]], right: Sequence[int]) -> str:
    def esc(c: str) -> str:
        return c.replace("|", "\\|")

    out = ["| " + " | ".join(esc(h) for h in headers) + " |"]
    out.append("|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|")
    out += ["| " + " | ".join(esc(c) for c in row) + " |" for row in body]
    return "\n".join(out)


def _render_esrs(points: list[Datapoint], fmt: str, store: Store, year: int) -> str:
    if fmt == "json":
        doc: dict[str, Any] = {
            "year": year,
            "ledger": str(store.path),
            "datapoints": [
                {
                    "name": p.name,
                    "esrs": p.esrs,
                    "value": p.value,
                    "low": p.low,
                    "high": p.high,
                    "unit": p.unit,
                    "note": p.note,
                }
                for p in points
            ],
            **store.versions(*year_range(year)),
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["year", "datapoint", "esrs", "value", "low", "high", "unit", "note"])
        for p in points:
            w.writerow([year, p.name, p.esrs, p.value, p.low, p.high, p.unit, p.note])
        return buf.getvalue()
    headers = ["Datapoint", "ESRS", "Value", "Range", "Note"]
    body = [
        [p.name, p.esrs, f"{p.value:.4g} {p.unit}", f"{p.low:.4g} – {p.high:.4g}", p.note] for p in points
    ]
    versions = store.versions(*year_range(year))
    foot = (
        f"ESRS E1 summary of AI activity for {year} (UTC), ledger {store.path}; data "
        f"{', '.join(versions['data_versions']) or '-'}, methodology "
        f"{', '.join(versions['methodology_versions']) or '-'}. "
        "See docs/reporting.md for what each line covers."
    )
    if fmt == "markdown":
        return _markdown(headers, body, (2,)) + "\n\n" + foot + "\n"
    return table(headers, body, align_right=(2,)) + "\n\n" + foot + "\n"


def cmd_ledger(args: argparse.Namespace) -> int:
    path = ledger_file(args)
    info: dict[str, Any] = {"path": str(path), "exists": path.exists()}
    if path.exists():
        store = Store(path, create=False)
        try:
            span = store.span()
            info.update(
                schema_version=store.version,
                entries=store.count(),
                first=None if span is None else iso(span[0]),
                last=None if span is None else iso(span[1]),
                size_bytes=path.stat().st_size,
            )
        finally:
            store.close()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    if not info["exists"]:
        print(f"ledger {path}: not created yet (instrumented calls are recorded there)")
        return 0
    print(
        f"ledger   {path}\nschema   version {info['schema_version']}\nentries  {info['entries']:,}"
        f"\nfrom     {info['first'] or '-'}\nto       {info['last'] or '-'}"
        f"\nsize     {info['size_bytes']:,} bytes"
    )
    return 0
