from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_measurement_left_running() -> Iterator[None]:
    """A test that fails half-way leaves its training run's measurement open: it would enclose the next
    tests' measurements (not recorded, overlap warnings). Stop what is left, newest first."""
    from aifootprint.local import nesting

    yield
    left = sorted(nesting.running(), key=lambda m: getattr(m, "started_at", None) or 0.0, reverse=True)
    for m in left:
        m.record = False
        m.stop(complete=False)
