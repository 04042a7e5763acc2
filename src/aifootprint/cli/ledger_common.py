"""What the ledger commands share: which file, which period."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import AifootprintError
from ..ledger.store import Store
from ..ledger.when import parse_when


def ledger_file(args: argparse.Namespace) -> Path:
    """``--ledger``, else the configured ledger; an error when the ledger is switched off."""
    from ..ledger.ledger import ledger_path

    if getattr(args, "ledger", None):
        path = ledger_path(args.ledger)
        if path is not None:
            return path
    path = ledger_path(None)
    if path is None:
        raise AifootprintError(
            "the ledger is switched off (AIFOOTPRINT_LEDGER or the config file's `ledger`); "
            "name a file with --ledger PATH"
        )
    return path


def open_store(args: argparse.Namespace, *, create: bool = False) -> Store:
    """The ledger file, validated (an existing file is never modified unless it is our ledger)."""
    return Store(ledger_file(args), create=create)


def period(args: argparse.Namespace) -> tuple[float | None, float | None]:
    since = parse_when(args.since, "--since") if getattr(args, "since", None) else None
    until = parse_when(args.until, "--until") if getattr(args, "until", None) else None
    if since is not None and until is not None and since >= until:
        raise AifootprintError(f"--since {args.since} is not before --until {args.until}: nothing to report")
    return since, until
