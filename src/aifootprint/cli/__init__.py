"""The ``aifootprint`` command line: estimate, compare, models, zones."""

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from ..errors import AifootprintError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        from . import commands

        handler = getattr(commands, f"cmd_{args.command}")
        code: int = handler(args)
        return code
    except AifootprintError as exc:
        print(f"aifootprint: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `aifootprint models | head`
        return 0


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def dump_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
