"""The ledger: every instrumented call and local run, recorded in SQLite, reported and exported.

``get_ledger()`` is the process-wide ledger opened by ``instrument()`` (on by default; ``AIFOOTPRINT_LEDGER``,
the config file's ``ledger`` key or ``instrument(ledger=...)`` move it or switch it off). Names are imported
on first use, so that ``aifootprint.ledger.hub`` alone does not load SQLite.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .entry import Entry
    from .ledger import Ledger, close_default, flush, get_ledger, ledger_path, open_default
    from .store import Store, default_path

_LAZY = {
    "Entry": "entry",
    "Ledger": "ledger",
    "close_default": "ledger",
    "flush": "ledger",
    "get_ledger": "ledger",
    "ledger_path": "ledger",
    "open_default": "ledger",
    "Store": "store",
    "default_path": "store",
}

__all__ = [
    "Entry",
    "Ledger",
    "Store",
    "close_default",
    "default_path",
    "flush",
    "get_ledger",
    "ledger_path",
    "open_default",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{module}", __name__), name)
