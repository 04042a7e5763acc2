"""One wrapper for every wrapped SDK callable: sync, async, streams, stream managers and raw responses.

The wrapper only routes; the recorder does the work. Order of business for a call:

0. instrumentation off, or inside another instrumented call -> call through untouched;
1. ``adapter.request()`` (``None``: not ours -> untouched); a failure here -> untouched;
2. call the SDK (marked active, so nested instrumented SDK calls pass through); its exceptions propagate
   unchanged;
3. awaitable -> a coroutine that awaits it and continues with 4;
4. the result: raw response -> proxy whose ``parse()`` continues with 4; stream -> stream proxy;
   stream manager -> manager proxy; response -> usage read, impacts attached, the same object returned.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from typing import Any

from ..providers._base import Adapter, WrapSpec
from .context import ACTIVE
from .recorder import Recorder
from .runtime import Runtime
from .streams import Raw, manager_proxy, stream_proxy

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]


def complete(result: Any, rec: Recorder) -> Any:
    """Handle a call's (awaited) result; never raises unless strict, always returns the SDK's object."""
    try:
        adapter = rec.adapter
        if adapter.is_raw(result):
            return Raw(result, rec, complete)
        if rec.spec.result == "manager":
            return manager_proxy(result, rec)
        if rec.spec.result == "stream" or rec.request.stream:
            slot = adapter.stream_slot(result) if adapter.stream_slot is not None else None
            if slot is not None:
                container, key = slot
                container[key] = stream_proxy(container[key], rec)
                rec.containers = (result,)
                return result
            return stream_proxy(result, rec)
        rec.on_response(result)
    except Exception:
        rec.rt.internal_error("result handling", rec.adapter.name)
    return result


def make_wrapper(rt: Runtime, adapter: Adapter, spec: WrapSpec) -> Wrapper:
    name = adapter.name
    active = rt.active

    def wrapper(
        wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if name not in active or ACTIVE.get() is not None:
            return wrapped(*args, **kwargs)
        try:
            request = adapter.request(spec, instance, args, kwargs)
            rec = None if request is None else Recorder(rt, adapter, spec, request, args, kwargs)
        except Exception:
            rt.internal_error("request", adapter.name)
            rec = None
        if rec is None:
            return wrapped(*args, **kwargs)
        token = ACTIVE.set(rec)
        try:
            result = wrapped(*args, **kwargs)
        finally:
            ACTIVE.reset(token)
        if spec.result != "manager" and _is_awaitable(result):
            return _awaiting(result, rec)
        return complete(result, rec)

    return wrapper


_awaitable_types: dict[type[Any], bool] = {}


def _is_awaitable(result: object) -> bool:
    """``inspect.isawaitable`` with its answer cached per type (the types a call returns are few)."""
    t = type(result)
    known = _awaitable_types.get(t)
    if known is None:
        known = inspect.isawaitable(result)
        if t is not types.GeneratorType and len(_awaitable_types) < 512:  # generators: per object flag
            _awaitable_types[t] = known
    return known


async def _awaiting(awaitable: Any, rec: Recorder) -> Any:
    rec.restart_clock()
    token = ACTIVE.set(rec)
    try:
        result = await awaitable
    finally:
        ACTIVE.reset(token)
    return complete(result, rec)
