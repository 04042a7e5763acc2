"""The ledger: every instrumented call and local run, recorded in SQLite, reported and exported.

``get_ledger()`` is the process-wide ledger opened by ``instrument()`` (on by default; ``AIFOOTPRINT_LEDGER``,
the config file's ``ledger`` key or ``instrument(ledger=...)`` move it or switch it off).
"""

from __future__ import annotations

from .entry import Entry
from .ledger import Ledger, close_default, flush, get_ledger, ledger_path, open_default
from .store import LedgerError, Store, default_path

__all__ = [
    "Entry",
    "Ledger",
    "LedgerError",
    "Store",
    "close_default",
    "default_path",
    "flush",
    "get_ledger",
    "ledger_path",
    "open_default",
]
