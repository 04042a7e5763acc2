"""Progress bars on stderr for long ledger work (tqdm): only on a terminal, and only after half a second."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


class Progress:
    """``with Progress(total, "rows", "exporting") as advance: advance(n)``; ``total=None``: a counter."""

    def __init__(self, total: int | None, unit: str, desc: str = "") -> None:
        self._bar: Any = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, unit=unit, unit_scale=True, desc=desc, file=sys.stderr, leave=False, delay=0.5
            )

    def __enter__(self) -> Callable[[int], None]:
        bar = self._bar
        if bar is None:
            return lambda n: None
        update: Callable[[int], None] = bar.update
        return update

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
