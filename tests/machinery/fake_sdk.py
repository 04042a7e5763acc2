"""A tiny SDK-shaped module for testing the instrumentation machinery without any real SDK.

``Client.chat(model, n, stream=..., fail=...)`` returns a ``Response`` or a ``Stream`` of ``Chunk``s;
``Client.achat`` is its async twin; ``Client.stream_manager`` returns a context manager; ``Client.boxed``
returns a dict holding a stream (like boto3's converse_stream); ``LegacyStream`` has a metaclass that
refuses proxies in isinstance (like anthropic 0.x).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


class SDKError(Exception):
    pass


@dataclass
class Usage:
    input_tokens: int
    output_tokens: int


@dataclass
class Response:
    model: str
    text: str
    usage: Usage | None


@dataclass
class Chunk:
    text: str
    usage: Usage | None = None


@dataclass
class Stream:
    items: list[Chunk]
    fail_at: int | None = None
    closed: bool = False
    _pos: int = field(default=0)

    def __iter__(self) -> Iterator[Chunk]:
        return self

    def __next__(self) -> Chunk:
        if self.fail_at is not None and self._pos == self.fail_at:
            raise SDKError("connection lost")
        if self._pos >= len(self.items):
            raise StopIteration
        self._pos += 1
        return self.items[self._pos - 1]

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.closed = True

    def helper_text(self) -> str:
        return "".join(c.text for c in self)


class AsyncStream:
    def __init__(self, items: list[Chunk]) -> None:
        self.items = list(items)

    def __aiter__(self) -> AsyncStream:
        return self

    async def __anext__(self) -> Chunk:
        if not self.items:
            raise StopAsyncIteration
        return self.items.pop(0)

    async def close(self) -> None:
        self.items = []


class Manager:
    def __init__(self, stream: Stream) -> None:
        self.stream = stream

    def __enter__(self) -> Stream:
        return self.stream

    def __exit__(self, *exc: Any) -> None:
        self.stream.close()


class _RefusingMeta(abc.ABCMeta):
    def __instancecheck__(cls, instance: Any) -> bool:
        return False  # only the exact type passes (Python's fast path), like anthropic 0.x Stream


class LegacyStream(metaclass=_RefusingMeta):
    def __init__(self, items: list[Chunk]) -> None:
        self._iterator: Iterator[Chunk] = iter(items)

    def __iter__(self) -> Iterator[Chunk]:
        yield from self._iterator

    def close(self) -> None:
        pass


def chunks(n: int, usage: bool) -> list[Chunk]:
    out = [Chunk(text="abcd") for _ in range(n)]
    if usage:
        out.append(Chunk(text="", usage=Usage(input_tokens=7, output_tokens=n)))
    return out


class Client:
    calls = 0

    def chat(
        self,
        model: str,
        n: int = 3,
        *,
        stream: bool = False,
        usage: bool = True,
        fail: bool = False,
        fail_at: int | None = None,
    ) -> Any:
        Client.calls += 1
        if fail:
            raise SDKError("bad request")
        if stream:
            return Stream(chunks(n, usage), fail_at=fail_at)
        return Response(model=model, text="abcd" * n, usage=Usage(7, n) if usage else None)

    async def achat(self, model: str, n: int = 3, *, stream: bool = False, usage: bool = True) -> Any:
        if stream:
            return AsyncStream(chunks(n, usage))
        return self.chat(model, n, usage=usage)

    def stream_manager(self, model: str, n: int = 3) -> Manager:
        return Manager(self.chat(model, n, stream=True))

    def boxed(self, model: str, n: int = 3) -> dict[str, Any]:
        return {"ResponseMetadata": {}, "stream": Stream(chunks(n, True))}

    def legacy(self, model: str, n: int = 3, *, stream: bool = True) -> LegacyStream:
        return LegacyStream(chunks(n, True))

    def outer(self, model: str) -> Any:
        return self.chat(model)  # an SDK calling another instrumented method (litellm -> openai)
