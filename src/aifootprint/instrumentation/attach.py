"""Attach a :class:`CallRecord` to the objects a call returned, without changing them.

``object.__setattr__(obj, "impacts", ...)`` makes ``obj.impacts`` readable on SDK objects that have a
``__dict__`` (pydantic models, dataclasses): it bypasses the models' own ``__setattr__`` (which would
raise, or on ``extra="allow"`` models leak into ``model_dump()``), and pydantic serialises fields only,
so ``model_dump()`` is unchanged. Objects that refuse attributes (dicts, slotted objects) are found
through an ``id()``-keyed side table: weak references where the object allows them, otherwise a bounded
table of the most recent objects, so ``impacts_of(obj)`` works for them too.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from typing import Any

from .._call import CallRecord

_STRONG_MAX = 1024  # objects without weakref support (dicts) kept for impacts_of(); oldest dropped

_weak: dict[int, tuple[weakref.ref[Any], CallRecord]] = {}
_strong: OrderedDict[int, tuple[object, CallRecord]] = OrderedDict()
_lock = threading.Lock()


def attach(obj: object, record: CallRecord) -> None:
    """Make ``record`` reachable from ``obj`` (``obj.impacts`` where possible, and ``record_of(obj)``)."""
    if obj is None:
        return
    try:  # noqa: SIM105 - contextlib.suppress costs a microsecond per call here; try costs nothing
        object.__setattr__(obj, "impacts", record.impacts)
    except (AttributeError, TypeError):
        pass
    key = id(obj)

    def forget(_ref: weakref.ref[Any], key: int = key) -> None:
        _weak.pop(key, None)

    try:
        ref = weakref.ref(obj, forget)
    except TypeError:
        with _lock:
            _strong[key] = (obj, record)
            _strong.move_to_end(key)
            if len(_strong) > _STRONG_MAX:
                _strong.popitem(last=False)
        return
    _weak[key] = (ref, record)


def lookup(obj: object) -> CallRecord | None:
    key = id(obj)
    w = _weak.get(key)
    if w is not None and w[0]() is obj:
        return w[1]
    s = _strong.get(key)
    if s is not None and s[0] is obj:
        return s[1]
    return None


def clear() -> None:
    with _lock:
        _weak.clear()
        _strong.clear()
