"""The ``aifootprint`` logger and :func:`log_once`, so a recurring problem is logged a single time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable

logger = logging.getLogger("aifootprint")
_seen: set[Hashable] = set()
_lock = threading.Lock()


def log_once(key: Hashable, msg: str, *args: object, exc_info: bool = False) -> bool:
    """Log ``msg`` as a warning the first time ``key`` is seen in this process; True when it was logged."""
    with _lock:
        if key in _seen:
            return False
        _seen.add(key)
    logger.warning(msg, *args, exc_info=exc_info)
    return True


def reset_log_once() -> None:
    """Forget which problems were logged (tests)."""
    with _lock:
        _seen.clear()
