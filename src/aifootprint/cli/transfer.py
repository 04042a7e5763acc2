"""``aifootprint export`` (ledger -> CSV / JSON / JSON Lines / Parquet) and ``aifootprint import``
(CodeCarbon emissions.csv -> ledger)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import AifootprintError
from .ledger_common import atomic_output, ledger_file, open_store, period
from .progress import Progress


def cmd_export(args: argparse.Namespace) -> int:
    from ..ledger.export import export, require_pyarrow

    fmt: str = args.format
    output = None if args.output in (None, "", "-") else Path(args.output).expanduser()  # "-": stdout
    if fmt == "parquet":
        require_pyarrow()
        if output is None and sys.stdout.isatty():
            raise AifootprintError(
                "Parquet is binary: not written to a terminal; use -o FILE.parquet or redirect stdout"
            )
    since, until = period(args)
    store = open_store(args)
    try:
        total = store.count(since, until)
        with Progress(total, "rows", "export") as advance:
            if output is not None:
                with atomic_output(output) as fh:
                    n = export(store, fh, fmt, since=since, until=until, progress=advance)
                print(f"exported {n} entries ({fmt}) to {output}", file=sys.stderr)
            else:
                sys.stdout.flush()
                out = sys.stdout.buffer
                export(store, out, fmt, since=since, until=until, progress=advance)
                out.flush()
    finally:
        store.close()
    return 0


def parse_labels(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise AifootprintError(f"--label {item!r}: expected KEY=VALUE, e.g. --label team=research")
        out[key.strip()] = value
    return out


def cmd_import(args: argparse.Namespace) -> int:
    from ..ledger.codecarbon import read_codecarbon, write_runs

    labels = parse_labels(args.label)
    tz = None
    if getattr(args, "timezone", None):  # a --timezone option, where the parser offers one
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            tz = ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise AifootprintError(
                f"--timezone {args.timezone!r}: not a time zone name such as Europe/Paris or UTC"
            ) from None
    path = ledger_file(args)
    parsed = read_codecarbon(args.files, zone=args.zone, labels=labels, tz=tz)  # every file, before writing
    store = open_store(args, create=True)
    try:
        done = write_runs(store, parsed)
    finally:
        store.close()
    note = ""
    if done.superseded:
        note = f"; {done.superseded} intermediate flush() rows superseded by their run's last row"
    print(f"imported {done.inserted} runs ({done.already} already in the ledger{note}) into {path}")
    return 0
