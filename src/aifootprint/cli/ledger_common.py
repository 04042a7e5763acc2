"""What the ledger commands share: which file, which period."""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import AifootprintError
from ..ledger.store import Store
from ..ledger.when import parse_when


def ledger_file(args: argparse.Namespace) -> Path:
    """``--ledger``, else the configured ledger; an error when the ledger is switched off."""
    from ..ledger.ledger import ledger_path

    path = ledger_path(getattr(args, "ledger", None) or None)  # no --ledger: the configured one
    if path is None:
        raise AifootprintError(
            "the ledger is switched off (--ledger off, AIFOOTPRINT_LEDGER or the config file's `ledger`); "
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


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A new file beside ``path``, renamed onto it when the block succeeds and removed when it fails, so
    that ``path`` is never left half-written."""
    if path.is_dir():
        raise AifootprintError(
            f"cannot write {path}: it is a directory; give a file name such as {path}/export.csv"
        )
    parent = path.parent
    if not parent.is_dir():
        raise AifootprintError(f"cannot write {path}: the directory {parent} does not exist")
    tmp = parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:  # O_EXCL: never follow or reuse someone else's file; 0o666 & ~umask like a plain open()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        raise AifootprintError(f"cannot write in {parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
