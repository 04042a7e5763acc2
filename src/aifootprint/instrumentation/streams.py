"""Transparent proxies for streams, stream managers and raw responses (``wrapt.ObjectProxy``).

A proxy keeps the SDK object's type (``isinstance``), attributes, ``with`` / ``async with`` and
``close()``; it observes each item as it passes and finalises the recorder exactly once: at exhaustion,
``close()``, context exit, an error, when ``.impacts`` is read, or when the proxy is garbage collected
(a stream abandoned after ``break``). After finalisation, impacts are on the stream (``stream.impacts``)
and on the last chunk.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from types import AsyncGeneratorType, GeneratorType
from typing import Any

import wrapt

from .._call import CallRecord
from . import attach
from .context import ACTIVE
from .recorder import Recorder

_cache: dict[type[Any], type[Any]] = {}  # SDK stream class -> proxy class


def _finalise(rec: Recorder, sdk_stream: Any, holders: tuple[Any, ...], complete: bool) -> CallRecord | None:
    """End of a stream (proxied or observed in place): estimate once, attach the record to ``holders``
    (the stream, its last item) and to the containers the call returned."""
    if rec.record is not None:
        return rec.record
    rec.on_stream_end(sdk_stream)
    record = rec.finish(complete=complete or rec.observed.finished)
    if record is not None:
        try:
            for h in (*holders, *rec.containers):
                if h is not None:
                    attach.attach(h, record)
        except Exception:
            rec.rt.internal_error("attach", rec.adapter.name)
    return record


def _then(result: Any, after: Callable[[], Any]) -> Any:
    """``after()`` once ``result`` is there: now, or after awaiting it (and ``after()``'s own awaitable)."""
    if not inspect.isawaitable(result):
        done = after()
        if inspect.iscoroutine(done):  # an async finaliser behind a sync close(): cannot be awaited here
            done.close()
        return result

    async def later() -> Any:
        try:
            return await result
        finally:
            done = after()
            if inspect.isawaitable(done):
                await done

    return later()


class _State:
    """What a stream proxy reads and writes per item, in one plain object: reading an attribute of a
    ``wrapt`` proxy costs several times a slot's, so ``__next__`` reads one (``_self_s``) and uses slots."""

    __slots__ = ("it", "last", "lazy", "rec")

    def __init__(self, rec: Recorder, lazy: bool) -> None:
        self.rec = rec
        self.it: Any = None  # the SDK stream's iterator, once iteration starts
        self.last: Any = None  # the last item: it gets the impacts too
        self.lazy = lazy  # an SDK generator, which may make an instrumented call inside next()


class _Base(wrapt.ObjectProxy[Any]):
    """Shared state and finalisation of the stream proxies."""

    def __init__(self, wrapped: Any, rec: Recorder) -> None:
        super().__init__(wrapped)
        self._self_rec = rec
        self._self_s = _State(rec, isinstance(wrapped, (GeneratorType, AsyncGeneratorType)))
        self._self_exhausted = False
        self._self_inert = False

    def _self_finish(self, complete: bool) -> CallRecord | None:
        return _finalise(self._self_rec, self.__wrapped__, (self, self._self_s.last), complete)

    def _self_failed(self) -> None:
        """The stream raised: a failure before the first item is a failed call (no record, as for a plain
        call); after it, what was consumed is recorded."""
        rec = self._self_rec
        if rec.t_first is None:
            rec.abandon()  # as for a plain call that raised
        else:
            self._self_finish(False)

    @property
    def impacts(self) -> Any:
        """Impacts of the stream; reading it before the end finalises with what was consumed so far."""
        record = self._self_finish(self._self_exhausted)
        return None if record is None else record.impacts

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.__wrapped__, name)
        if name in _CLOSERS and callable(value):
            return _closer(self, value)
        if name in self._self_rec.spec.final_methods and callable(value):
            return _final_method(self, value)
        return value

    def __del__(self) -> None:
        try:
            if self._self_rec.record is None and not self._self_inert:
                self._self_finish(self._self_exhausted)
        except Exception:
            pass


_CLOSERS = frozenset({"close", "aclose"})


def _closer(proxy: _Base, method: Callable[..., Any]) -> Callable[..., Any]:
    """``close()`` / ``aclose()`` of the stream, sync or async: finalise after it."""

    def finish() -> None:
        proxy._self_finish(proxy._self_exhausted)

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            result = method(*args, **kwargs)
        except BaseException:
            finish()
            raise
        return _then(result, finish)

    return call


def _final_method(proxy: _Base, method: Callable[..., Any]) -> Callable[..., Any]:
    """``get_final_message()``-style helpers: the returned object gets the impacts too."""
    rec = proxy._self_rec

    def done(result: Any) -> Any:
        try:
            rec.on_final(result)
            proxy._self_exhausted = True
            record = proxy._self_finish(True)
            if record is not None and result is not None:
                attach.attach(result, record)
        except Exception:
            rec.rt.internal_error("final method", rec.adapter.name)
        return result

    def call(*args: Any, **kwargs: Any) -> Any:
        result = method(*args, **kwargs)
        if inspect.isawaitable(result):

            async def later() -> Any:
                return done(await result)

            return later()
        return done(result)

    return call


class SyncStream(_Base):
    def __iter__(self) -> SyncStream:
        return self

    def __next__(self) -> Any:
        s = self._self_s
        it = s.it
        if it is None:
            it = s.it = iter(self.__wrapped__)
        # An SDK generator may make an instrumented call lazily, inside next(): mark this call active.
        token = ACTIVE.set(s.rec) if s.lazy else None
        try:
            item = next(it)
        except StopIteration:
            self._self_exhausted = True
            self._self_finish(True)
            raise
        except BaseException:
            self._self_failed()
            raise
        finally:
            if token is not None:
                ACTIVE.reset(token)
        s.last = item
        s.rec.on_chunk(item)
        return item


class _SyncContext:
    def __enter__(self: Any) -> Any:
        entered = self.__wrapped__.__enter__()
        return self if entered is self.__wrapped__ else entered

    def __exit__(self: Any, *exc: Any) -> Any:
        try:
            return self.__wrapped__.__exit__(*exc)
        finally:
            self._self_finish(self._self_exhausted)


class AsyncStream(_Base):
    def __aiter__(self) -> AsyncStream:
        return self

    async def __anext__(self) -> Any:
        s = self._self_s
        it = s.it
        if it is None:
            it = s.it = self.__wrapped__.__aiter__()
        token = ACTIVE.set(s.rec) if s.lazy else None
        try:
            item = await it.__anext__()
        except StopAsyncIteration:
            self._self_exhausted = True
            self._self_finish(True)
            raise
        except BaseException:
            self._self_failed()
            raise
        finally:
            if token is not None:
                ACTIVE.reset(token)
        s.last = item
        s.rec.on_chunk(item)
        return item


class _AsyncContext:
    async def __aenter__(self: Any) -> Any:
        entered = await self.__wrapped__.__aenter__()
        return self if entered is self.__wrapped__ else entered

    async def __aexit__(self: Any, *exc: Any) -> Any:
        try:
            return await self.__wrapped__.__aexit__(*exc)
        finally:
            self._self_finish(self._self_exhausted)


def stream_proxy(stream: Any, rec: Recorder) -> Any:
    """A proxy of the right kind for ``stream`` (sync or async, with or without context management).

    A stream class whose metaclass refuses proxies in ``isinstance`` (anthropic 0.x ``Stream``) is
    observed in place instead, through the iterator it reads from (``_iterator``), and returned as is.
    """
    proxy = _proxy(stream, rec)
    if isinstance(proxy, type(stream)) or not hasattr(stream, "_iterator"):
        return proxy
    proxy._self_inert = True  # discarded: its finaliser must not record the call
    _in_place(stream, rec)
    return stream


def _in_place(stream: Any, rec: Recorder) -> None:
    it = stream._iterator
    is_async = hasattr(it, "__anext__")
    gen = _observe_async(it, stream, rec) if is_async else _observe(it, stream, rec)
    stream._iterator = gen
    close = getattr(stream, "close", None)
    if close is None:
        return

    def closing(*args: Any, **kwargs: Any) -> Any:
        """The stream's own close(), then the end of the observation (what was consumed is recorded)."""
        return _then(close(*args, **kwargs), gen.aclose if is_async else gen.close)

    stream.close = closing  # an instance attribute: the class and its other instances are untouched


def _end(stream: Any, rec: Recorder, last: Any, complete: bool, failed: bool) -> None:
    if failed and rec.t_first is None:
        rec.abandon()  # failed before the first item: a failed call, nothing recorded
    else:
        _finalise(rec, stream, (stream, last), complete)


def _observe(it: Any, stream: Any, rec: Recorder) -> Any:
    last, complete, failed = None, False, False
    try:
        for last in it:
            rec.on_chunk(last)
            yield last
        complete = True
    except GeneratorExit:
        raise
    except BaseException:
        failed = True
        raise
    finally:
        _end(stream, rec, last, complete, failed)


async def _observe_async(it: Any, stream: Any, rec: Recorder) -> Any:
    last, complete, failed = None, False, False
    try:
        async for last in it:
            rec.on_chunk(last)
            yield last
        complete = True
    except GeneratorExit:
        raise
    except BaseException:
        failed = True
        raise
    finally:
        _end(stream, rec, last, complete, failed)


def _proxy(stream: Any, rec: Recorder) -> Any:
    t = type(stream)
    is_sync = hasattr(t, "__next__") or hasattr(t, "__iter__")
    is_async = hasattr(t, "__anext__") or hasattr(t, "__aiter__")
    cls = _cache.get(t)
    if cls is None:
        bases: list[type[Any]] = []
        if is_sync and hasattr(t, "__enter__"):
            bases.append(_SyncContext)
        if is_async and hasattr(t, "__aenter__"):
            bases.append(_AsyncContext)
        if is_sync and is_async:  # both protocols (litellm's CustomStreamWrapper)
            bases += [SyncStream, AsyncStream]
        else:
            bases.append(AsyncStream if is_async else SyncStream)
        cls = (
            bases[0]
            if len(bases) == 1
            else type("Stream" + "".join(b.__name__ for b in bases), tuple(bases), {})
        )
        if len(_cache) < 256:
            _cache[t] = cls
    return cls(stream, rec)


class _Manager(wrapt.ObjectProxy[Any]):
    """A stream manager (``with client.messages.stream(...) as stream``): the entered stream is proxied."""

    def __init__(self, wrapped: Any, rec: Recorder) -> None:
        super().__init__(wrapped)
        self._self_rec = rec
        self._self_stream: Any = None

    def _self_wrap(self, stream: Any) -> Any:
        try:
            self._self_stream = stream_proxy(stream, self._self_rec)
        except Exception:
            self._self_rec.rt.internal_error("stream manager", self._self_rec.adapter.name)
            return stream
        return self._self_stream

    def _self_exit(self) -> None:
        s = self._self_stream
        if s is not None:
            s._self_finish(s._self_exhausted)

    @property
    def impacts(self) -> Any:
        s = self._self_stream
        return None if s is None else s.impacts


class SyncManager(_Manager):
    def __enter__(self) -> Any:
        token = ACTIVE.set(self._self_rec)  # the SDK's own create() inside is not counted again
        try:
            stream = self.__wrapped__.__enter__()
        finally:
            ACTIVE.reset(token)
        self._self_rec.restart_clock()
        return self._self_wrap(stream)

    def __exit__(self, *exc: Any) -> Any:
        try:
            return self.__wrapped__.__exit__(*exc)
        finally:
            self._self_exit()


class AsyncManager(_Manager):
    async def __aenter__(self) -> Any:
        token = ACTIVE.set(self._self_rec)
        try:
            self._self_rec.restart_clock()
            stream = await self.__wrapped__.__aenter__()
        finally:
            ACTIVE.reset(token)
        return self._self_wrap(stream)

    async def __aexit__(self, *exc: Any) -> Any:
        try:
            return await self.__wrapped__.__aexit__(*exc)
        finally:
            self._self_exit()


def manager_proxy(manager: Any, rec: Recorder) -> Any:
    if hasattr(type(manager), "__aenter__"):
        return AsyncManager(manager, rec)
    return SyncManager(manager, rec)


class Raw(wrapt.ObjectProxy[Any]):
    """A raw-response wrapper (OpenAI ``with_raw_response`` / ``with_streaming_response``): ``parse()``'s
    result is handled like the plain call's result (impacts attached, or a stream proxy)."""

    def __init__(self, wrapped: Any, rec: Recorder, complete: Callable[[Any, Recorder], Any]) -> None:
        super().__init__(wrapped)
        self._self_rec = rec
        self._self_complete = complete
        self._self_parsed: Any = None
        self._self_result: Any = None

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        parsed = self.__wrapped__.parse(*args, **kwargs)
        if inspect.isawaitable(parsed):
            return self._self_later(parsed)
        return self._self_done(parsed)

    async def _self_later(self, parsed: Awaitable[Any]) -> Any:
        return self._self_done(await parsed)

    def _self_done(self, parsed: Any) -> Any:
        if self._self_result is not None and parsed is self._self_parsed:
            return self._self_result
        if self._self_rec.record is not None:
            return parsed  # parsed again into another type: the call is already recorded
        self._self_parsed = parsed
        self._self_result = self._self_complete(parsed, self._self_rec)
        return self._self_result

    @property
    def impacts(self) -> Any:
        record = self._self_rec.record
        return None if record is None else record.impacts
