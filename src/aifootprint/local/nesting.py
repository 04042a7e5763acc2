"""Nesting and overlap of measurements: which one is running where, and which ones are recorded.

A measurement nests in the innermost one still running in the same thread or task (a ``ContextVar``).
Devices are shared, so measurements that overlap in time include each other's energy: by default
(``record=None``) only a measurement that is not nested and that starts while no other recorded one runs
anywhere in the process (a pool thread, a concurrent request) is recorded; overlapping ones get the warning
``measurement-overlap``. The set of running measurements is also what the exit hook stops (runs still open
at exit are recorded as incomplete).
"""

from __future__ import annotations

import contextvars
import os
import threading
from typing import Protocol


class Run(Protocol):
    """What nesting needs from a measurement (:class:`~aifootprint.local.session.Measurement`)."""

    name: str
    parent: Run | None
    overlapped: bool
    record: bool | None  # the user's choice: None = recorded unless nested or overlapping a recorded one
    recording: bool  # whether it will be recorded
    pid: int  # the process that started it

    @property
    def running(self) -> bool: ...

    def stop(self, *, complete: bool = True, record: bool | None = None) -> object: ...


ACTIVE: contextvars.ContextVar[Run | None] = contextvars.ContextVar("aifootprint_measure", default=None)
_lock = threading.Lock()
_running: set[Run] = set()


def running_ancestor(m: Run | None) -> Run | None:
    """``m`` or its nearest ancestor that is still running."""
    while m is not None and not m.running:
        m = m.parent
    return m


def enter(m: Run) -> list[Run]:
    """``m`` starts: its parent, overlaps and whether it is recorded are settled, and it becomes the active
    measurement of this context. Returns the recorded measurements that keep it from being recorded."""
    parent = running_ancestor(ACTIVE.get())
    with _lock:
        ancestors = set()
        p = parent
        while p is not None:
            ancestors.add(p)
            p = p.parent
        others = [o for o in _running if o not in ancestors]
        for other in others:
            other.overlapped = m.overlapped = True
        blocking = [o for o in others if o.recording]
        if m.record is None:  # one recorded measurement at a time: the ledger never counts twice
            m.recording = parent is None and not blocking
        else:
            m.recording = m.record
        _running.add(m)
    m.parent = parent
    return blocking


def activate(m: Run) -> contextvars.Token[Run | None]:
    return ACTIVE.set(m)


def leave(m: Run, token: contextvars.Token[Run | None] | None) -> None:
    """``m`` stops (perhaps out of order, or in another context than it started in)."""
    with _lock:
        _running.discard(m)
    if token is not None and ACTIVE.get() is m:  # else stopped out of order: leave the inner one active
        try:
            ACTIVE.reset(token)
        except ValueError:  # stopped in another context than it started in
            ACTIVE.set(m.parent)
        active = ACTIVE.get()
        if active is not None and not active.running:
            ACTIVE.set(running_ancestor(active))


def running() -> list[Run]:
    """The measurements running in this process, newest last (in no particular order)."""
    with _lock:
        return list(_running)


def stop_open_runs() -> None:
    """At exit: recorded measurements still open (a training run whose end never came, a block in a daemon
    thread) are stopped and recorded as incomplete rather than lost."""
    pid = os.getpid()
    for m in running():
        if m.recording and m.pid == pid:
            m.stop(complete=False)


def _after_fork_in_child() -> None:
    global _lock  # noqa: PLW0603
    _lock = threading.Lock()  # a lock held at fork stays held in the child


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
