"""Shared by the integration tests: ledger rows, the fake devices of tests/local/rig.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aifootprint.ledger.ledger import close_default
from aifootprint.ledger.schema import COLUMN_NAMES
from aifootprint.ledger.store import Store

KWH = 3.6e6


def ledger_rows(path: Path) -> list[dict[str, Any]]:
    """Every row of the ledger at ``path``, once the default ledger is flushed and closed."""
    close_default()
    store = Store(path, create=False)
    rows = [dict(zip(COLUMN_NAMES, t, strict=True)) for batch in store.rows() for t in batch]
    store.close()
    return rows
