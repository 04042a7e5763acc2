"""The ``aifootprint`` command line: estimate, compare, models, zones, run (local measurement), and the
ledger's report, export, import and ledger commands."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .._version import __version__

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        self.exit(EXIT_USAGE, f"aifootprint: error: {message} (see `{self.prog} --help`)\n")


def _tokens(text: str) -> int:
    try:
        f = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of tokens") from None
    if not math.isfinite(f) or f < 0 or f != int(f):
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of tokens >= 0")
    return int(f)


def _positive(text: str) -> float:
    try:
        f = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(f) or f <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return f


def _range_arg(text: str) -> float | tuple[float, float]:
    parts = text.split(",")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number or LOW,HIGH range") from None
    if len(nums) == 1:
        return nums[0]
    if len(nums) == 2:
        return (nums[0], nums[1])
    raise argparse.ArgumentTypeError(f"{text!r} is not a number or LOW,HIGH range")


def _add_request_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output-tokens", type=_tokens, required=True, help="output tokens per request (incl. reasoning)"
    )
    p.add_argument("--input-tokens", type=_tokens, default=0, help="input (prompt) tokens per request")
    p.add_argument(
        "--latency", type=_positive, default=None, metavar="SECONDS", help="measured latency per request"
    )
    p.add_argument("--zone", help="electricity zone: FRA, US-VA, aws:eu-west-3 ... (see `aifootprint zones`)")
    p.add_argument("--region", help="provider region (datacenter row), e.g. us-east-1")
    p.add_argument("--boundary", choices=("gpu", "server", "datacenter", "comprehensive"))
    p.add_argument("--gpu", help="accelerator, e.g. H100, A100-SXM4-40GB, B200")
    p.add_argument("--batch-size", type=_range_arg, metavar="N|LOW,HIGH")
    p.add_argument("--pue", type=_range_arg, metavar="X|LOW,HIGH")
    p.add_argument("--requests", type=_positive, default=1.0, help="number of identical requests (e.g. 1e6)")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="aifootprint", description="Environmental footprint of AI work.")
    parser.add_argument("--version", action="version", version=f"aifootprint {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("estimate", help="impacts of requests to one model")
    p.add_argument("model", help="model id, e.g. openai/gpt-4o-mini")
    p.add_argument("--explain", action="store_true", help="list every factor used with its source")
    _add_request_args(p)
    p = sub.add_parser("compare", help="impacts of the same requests to several models")
    p.add_argument("models", nargs="+", metavar="MODEL")
    _add_request_args(p)
    p = sub.add_parser("models", help="list catalogue models")
    p.add_argument("query", nargs="?", help="substring to match in ids and aliases")
    p.add_argument("--provider")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("zones", help="list electricity zones and their factors")
    p.add_argument("query", nargs="?", help="substring of the code or name, or a parent country code")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("report", help="totals of the ledger by provider, model, label, day or month")
    _add_ledger_args(p)
    p.add_argument(
        "--by",
        action="append",
        metavar="KEY",
        help="group by provider, model, kind, zone, label:NAME, day or month (repeat or comma-separate)",
    )
    p.add_argument("--format", choices=("table", "csv", "json", "markdown"), default="table")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p.add_argument(
        "--esrs",
        type=_year,
        metavar="YEAR",
        help="yearly summary in ESRS E1 terms (energy in MWh, tCO2eq per scope); see docs/reporting.md",
    )
    p = sub.add_parser("export", help="every ledger entry, one row each, as CSV, Parquet or JSON")
    _add_ledger_args(p)
    p.add_argument("--format", choices=("csv", "parquet", "json", "jsonl"), default="csv")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    p = sub.add_parser(
        "import", help="add runs measured by another tool (CodeCarbon emissions.csv) to the ledger"
    )
    p.add_argument("source", choices=("codecarbon",), help="format of the files")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--ledger", metavar="PATH", help=_LEDGER_HELP)
    p.add_argument(
        "--zone", help="electricity zone for rows that name no country (default: the row's country)"
    )
    p.add_argument(
        "--timezone",
        metavar="NAME",
        help="time zone of the files' timestamps, e.g. Europe/Paris (CodeCarbon writes local time without an "
        "offset; default: this machine's)",
    )
    p.add_argument(
        "--label", action="append", default=[], metavar="KEY=VALUE", help="label every imported entry"
    )
    p = sub.add_parser(
        "run",
        help="measure a command's energy and impacts on this machine: aifootprint run --zone FRA -- CMD",
        description="Run CMD, measure this machine's GPUs, CPU and RAM while it runs, record the run in the "
        "ledger and print a summary on stderr. The exit status is CMD's.",
    )
    p.add_argument(
        "--zone", help="electricity zone of this machine: FRA, US-CA ... (see `aifootprint zones`)"
    )
    p.add_argument(
        "--pue", type=_range_arg, metavar="X|LOW,HIGH", help="PUE when the machine is in a datacenter"
    )
    p.add_argument("--name", help="name of the run (default: the command)")
    p.add_argument("--label", action="append", default=[], metavar="KEY=VALUE", help="label the run")
    p.add_argument(
        "--gpu", help="catalogue accelerator for embodied impacts, when the driver's name is unknown"
    )
    p.add_argument("--server", help="catalogue server archetype of this machine, for embodied impacts")
    p.add_argument("--lifetime-years", type=_range_arg, metavar="X|LOW,HIGH", help="hardware lifetime")
    p.add_argument(
        "--cpu-tdp-w", type=_positive, metavar="W", help="TDP of one CPU package (replaces the table)"
    )
    p.add_argument(
        "--cpu-power-w", type=_positive, metavar="W", help="constant CPU power (replaces counters)"
    )
    p.add_argument(
        "--ram-power-w", type=_positive, metavar="W", help="constant RAM power (replaces counters)"
    )
    p.add_argument("--interval", type=_positive, default=1.0, metavar="SECONDS", help="sampling period")
    p.add_argument(
        "--cpu-scope",
        choices=("machine", "process"),
        default="machine",
        help="CPU figure of the whole machine (default) or of the command's processes only (shared machines)",
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="summary format")
    p.add_argument("-o", "--output", metavar="FILE", help="write the summary to FILE instead of stderr")
    p.add_argument("--ledger", metavar="PATH", help=_LEDGER_HELP)
    p.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD [ARGS...]")
    p = sub.add_parser("ledger", help="where the ledger is and what it holds")
    p.add_argument("--ledger", metavar="PATH", help=_LEDGER_HELP)
    p.add_argument("--json", action="store_true")
    return parser


_LEDGER_HELP = (
    "ledger file (default: AIFOOTPRINT_LEDGER, else the config file's `ledger`, else the user data directory)"
)


def _year(text: str) -> int:
    if not text.isdigit() or not 1970 <= int(text) <= 9998:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year such as 2026")
    return int(text)


def _add_ledger_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ledger", metavar="PATH", help=_LEDGER_HELP)
    p.add_argument(
        "--since", metavar="DATE", help="from this date or time (2026-01-01, 2026-01-01T09:00+01:00, 30d)"
    )
    p.add_argument(
        "--until", metavar="DATE", help="until this date or time, excluded (same forms as --since)"
    )


_MODULES = {"report": "report", "export": "transfer", "import": "transfer", "ledger": "report", "run": "run"}


def main(argv: Sequence[str] | None = None) -> int:
    from ..errors import AifootprintError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        import importlib

        module = importlib.import_module(f".{_MODULES.get(args.command, 'commands')}", __name__)
        handler = getattr(module, f"cmd_{args.command}")
        code: int = handler(args)
        return code
    except AifootprintError as exc:
        print(f"aifootprint: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `aifootprint models | head`
        return 0
    except OSError as exc:  # an output file that cannot be written
        where = f" {exc.filename}:" if getattr(exc, "filename", None) else ""
        print(f"aifootprint: error:{where} {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:
        import sqlite3

        if not isinstance(exc, sqlite3.Error):
            raise
        print(f"aifootprint: error: ledger: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def dump_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
