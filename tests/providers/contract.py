"""The shared provider contract: every provider module lists its call shapes as :class:`Case` objects.

Each ``tests/providers/cases_<provider>.py`` defines ``CASES: list[Case]`` (empty when the SDK is not
installed) and ``tests/providers/test_contract.py`` runs every check below on every case:

- the result (or stream) keeps its SDK type and contents (``model_dump()`` equal to an uninstrumented call);
- impacts are attached once (``result.impacts`` / ``aifootprint.impacts_of``), from the expected usage;
- exactly one call record per call (no double counting through nested SDKs);
- streams: impacts on the stream object and on the last chunk; breaking early still records;
- an HTTP error from the provider propagates as the SDK's own exception, unchanged;
- a failure inside aifootprint leaves the result as it would be without us (impacts ``None``).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .exchanges import Exchange, load

Shape = Literal["sync", "async", "stream", "async_stream", "manager", "async_manager", "raw", "async_raw"]


@dataclass
class Case:
    """One provider call shape driven by a recorded exchange.

    ``run(exchange)`` builds a client on the exchange's transport (or local server) and makes the call;
    it returns the SDK's result, or a coroutine for async shapes. For streams the result is the stream
    object, not yet consumed. ``consume(result)`` (optional) reads a stream the way users do and returns
    ``(holder, last_item)``: the object that should carry the impacts (the stream, or the final message
    of a stream manager) and the last chunk seen; the default iterates the stream (``with`` for managers).
    """

    id: str
    provider: str  # name given to aifootprint.instrument(providers=[...])
    shape: Shape
    exchange: str  # "openai/chat_completion" -> tests/providers/exchanges/openai/chat_completion.json
    run: Callable[[Exchange], Any]
    model: str  # catalogue model id the impacts should be for, e.g. "openai/gpt-4o-mini-2024-07-18"
    input_tokens: int
    output_tokens: int  # reasoning included
    usage_source: Literal["reported", "counted"] = "reported"
    reasoning_tokens: int = 0
    cached_input_tokens: int = 0
    consume: Callable[[Any], Any] | None = None  # sync: returns (holder, last); async: coroutine of that
    error_exchange: str | None = None  # exchange with an HTTP error status for the error check
    error_type: str | None = (
        None  # qualified name of the SDK exception expected, e.g. "openai.BadRequestError"
    )
    dumps: bool = True  # the result has model_dump() / is comparable (False for raw bytes, generators)

    @property
    def is_async(self) -> bool:
        return self.shape.startswith("async")

    @property
    def is_stream(self) -> bool:
        return self.shape in ("stream", "async_stream", "manager", "async_manager")

    def exchange_obj(self, name: str | None = None) -> Exchange:
        return load(name or self.exchange)

    def call(self, exchange: Exchange | None = None) -> Any:
        """Make the call and, for streams, consume it; returns (result, holder, last_item)."""
        ex = exchange or self.exchange_obj()
        if self.is_async:
            return asyncio.run(self._acall(ex))
        result = self.run(ex)
        if self.shape == "raw" and self.consume is not None:
            holder, last = self.consume(result)
            return result, holder, last
        if not self.is_stream:
            return result, result, None
        holder, last = (self.consume or default_consume)(result)
        return result, holder, last

    async def _acall(self, ex: Exchange) -> Any:
        result = self.run(ex)
        if inspect.isawaitable(result) and self.shape != "async_manager":
            result = await result
        if self.shape == "async_raw" and self.consume is not None:
            holder, last = await self.consume(result)
            return result, holder, last
        if not self.is_stream:
            return result, result, None
        holder, last = await (self.consume or default_aconsume)(result)
        return result, holder, last


def default_consume(stream: Any) -> tuple[Any, Any]:
    last = None
    if hasattr(stream, "__enter__") and not hasattr(stream, "__next__"):  # a stream manager
        with stream as s:
            for last in s:  # noqa: B007
                pass
            return s, last
    for last in stream:  # noqa: B007
        pass
    return stream, last


async def default_aconsume(stream: Any) -> tuple[Any, Any]:
    last = None
    if hasattr(stream, "__aenter__") and not hasattr(stream, "__anext__"):
        async with stream as s:
            async for last in s:  # noqa: B007
                pass
            return s, last
    async for last in stream:  # noqa: B007
        pass
    return stream, last
