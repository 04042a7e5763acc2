"""Instrumentation of provider SDKs: instrument(), uninstrument(), impacts_of(), record_of()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._call import CallRecord, TokenUsage
from .._values import Impacts
from ..errors import ERROR_CODES, AifootprintError, ImpactsUnavailableError
from . import attach
from .registry import current, instrument, instrumented, uninstrument

__all__ = [
    "ERROR_CODES",
    "CallRecord",
    "ImpactsUnavailableError",
    "TokenUsage",
    "add_listener",
    "impacts_of",
    "instrument",
    "instrumented",
    "record_of",
    "uninstrument",
]


def record_of(obj: object) -> CallRecord | None:
    """The :class:`CallRecord` of the instrumented call that returned ``obj`` (a response, a stream, the
    last chunk of a stream, a stream helper's final message), or ``None`` when ``obj`` is not from one.

    For a stream not yet finished, this finalises it with what was consumed so far."""
    from .streams import Raw, _Base, _Manager

    if isinstance(obj, _Base):
        return obj._self_finish(obj._self_exhausted)
    if isinstance(obj, _Manager):
        s = obj._self_stream
        return None if s is None else s._self_finish(s._self_exhausted)
    if isinstance(obj, Raw):
        return obj._self_rec.record
    return attach.lookup(obj)


def impacts_of(obj: object, *, required: bool = False) -> Impacts | None:
    """Impacts of the instrumented call that returned ``obj`` (same as ``obj.impacts``), for any object,
    including those that refuse attributes (dicts from boto3).

    ``None`` when there are none; ``required=True`` raises :class:`ImpactsUnavailableError` instead, whose
    ``code`` says why (``model-not-registered``, ``usage-missing``, ``operation-not-modelled``,
    ``estimation-failed``, ``not-instrumented``) and whose message says how to fix it.
    """
    rec = record_of(obj)
    if rec is not None and rec.impacts is not None:
        return rec.impacts
    if required:
        if rec is None:
            raise ImpactsUnavailableError(
                "not-instrumented",
                f"this {type(obj).__name__} does not come from an instrumented call; call "
                "aifootprint.instrument() before creating the SDK client and making the call",
            )
        raise ImpactsUnavailableError(rec.error or "estimation-failed", rec.message or "")
    return None


def add_listener(fn: Callable[[CallRecord], Any]) -> Callable[[], None]:
    """Call ``fn(record)`` after every instrumented call (in the calling thread); returns a remover.

    Needs an active ``instrument()``; listeners go away with ``uninstrument()``."""
    rt = current()
    if rt is None:
        raise AifootprintError("add_listener: call aifootprint.instrument() first")
    return rt.add_listener(fn)
