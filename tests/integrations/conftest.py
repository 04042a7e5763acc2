from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_measurement_left_running() -> Iterator[None]:
    """A test that fails half-way leaves its training run's measurement open: it would enclose the next
    tests' measurements (not recorded, overlap warnings). Stop what is left, newest first."""
    from aifootprint.local import session

    yield
    with session._running_lock:
        left = sorted(session._running, key=lambda m: m.started_at or 0.0, reverse=True)
    for m in left:
        m.record = False
        m.stop(complete=False)
