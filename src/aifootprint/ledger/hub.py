"""Where entries go: every subscriber (the ledger's writer, OpenTelemetry, Prometheus) gets each entry.

``publish`` runs in the thread that made the call or ended the measurement, so subscribers must be quick
(append to a queue, add to counters) and must not raise; a failing subscriber is logged once and skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .._log import log_once
from .entry import Entry

Subscriber = Callable[[Entry], None]

_lock = threading.Lock()
_subscribers: tuple[Subscriber, ...] = ()


def subscribe(fn: Subscriber) -> Callable[[], None]:
    """Send every published entry to ``fn``; returns a function that unsubscribes it."""
    global _subscribers  # noqa: PLW0603 - copy-on-write tuple: publish() reads it without a lock
    with _lock:
        _subscribers = (*_subscribers, fn)

    def unsubscribe() -> None:
        global _subscribers  # noqa: PLW0603
        with _lock:
            _subscribers = tuple(f for f in _subscribers if f is not fn)

    return unsubscribe


def subscribers() -> tuple[Subscriber, ...]:
    return _subscribers


def publish(entry: Entry) -> None:
    for fn in _subscribers:
        try:
            fn(entry)
        except Exception:
            log_once(("subscriber", id(fn)), "aifootprint: an entry subscriber failed", exc_info=True)
