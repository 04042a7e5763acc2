"""_state, the one owner of process state."""

from __future__ import annotations

import os

import pytest


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX")
def test_a_forked_child_never_inherits_a_held_state_lock() -> None:
    """Another thread holding the state's locks at fork() time must not deadlock the child."""
    import threading
    import warnings

    from aifootprint import _state
    from aifootprint.instrumentation import registry

    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with _state.ledger_lock, registry._lock:
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (Python 3.12+)
            pid = os.fork()
        if pid == 0:  # the child: both locks must be free
            ok = _state.ledger_lock.acquire(timeout=2) and registry._lock.acquire(timeout=2)
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        release.set()
        t.join()
