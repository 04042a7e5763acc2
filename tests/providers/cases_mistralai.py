"""Mistral AI call shapes for the shared contract: ``mistralai`` 1.x/2.x (httpx) and 3.x (httpx2).

The SDK takes its HTTP clients as ``client=`` / ``async_client=``; they carry the exchange's MockTransport.
``Mistral`` lives in ``mistralai.client`` from 2.x on, in ``mistralai`` before; each layout's ``sdk`` module
imports the HTTP library it runs on as ``httpx`` (``import httpx2 as httpx`` in 3.x), which picks the
transport.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from pydantic import BaseModel

from .contract import Case
from .exchanges import Exchange

MODEL = "mistral/mistral-small-2603"  # "mistral-small-latest" is its catalogue alias
MESSAGES = [
    {"role": "user", "content": "What is the capital of France?"}
]  # 30 characters -> 8 tokens counted


def _sdk() -> Any:
    """The installed layout's ``sdk`` module (``Mistral`` and the ``httpx``-like module it runs on)."""
    for name in ("mistralai.client.sdk", "mistralai.sdk"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError("no mistralai SDK layout found")


def _mistral(ex: Exchange) -> Any:
    # Both clients are supplied: for a client it creates itself, the SDK's weakref finaliser runs
    # asyncio.run(aclose()) inside garbage collection, which can land in the middle of an import and trip
    # CPython 3.11's module-lock bookkeeping (KeyError from importlib._bootstrap).
    sdk = _sdk()
    hx = sdk.httpx
    transport = ex.transport(hx)
    return sdk.Mistral(
        api_key="test-key",
        client=hx.Client(transport=transport),
        async_client=hx.AsyncClient(transport=transport),
    )


def client(ex: Exchange) -> Any:
    return _mistral(ex)


def aclient(ex: Exchange) -> Any:
    return _mistral(ex)


class City(BaseModel):
    city: str


def _with_stream(stream: Any) -> tuple[Any, Any]:
    """``with client.chat.stream(...) as s:`` -- EventStream is its own context manager."""
    last = None
    with stream as s:
        for last in s:  # noqa: B007
            pass
    return s, last


async def _async_with_stream(stream: Any) -> tuple[Any, Any]:
    last = None
    async with stream as s:
        async for last in s:  # noqa: B007
            pass
    return s, last


def _parse(ex: Exchange) -> Any:
    return client(ex).chat.parse(City, model="mistral-small-latest", messages=MESSAGES)


async def _parse_async(ex: Exchange) -> Any:
    return await aclient(ex).chat.parse_async(City, model="mistral-small-latest", messages=MESSAGES)


CHAT: dict[str, Any] = dict(model=MODEL, input_tokens=14, output_tokens=9)
ERR_422: dict[str, Any] = dict(
    error_exchange="mistralai/chat_error_422", error_type="httpvalidationerror.HTTPValidationError"
)
ERR_400: dict[str, Any] = dict(error_exchange="mistralai/chat_error_400", error_type="sdkerror.SDKError")
FIM: dict[str, Any] = dict(model="mistral/codestral-2508", input_tokens=17, output_tokens=6)
FIM_ARGS: dict[str, Any] = dict(model="codestral-latest", prompt="def add(a, b):\n", suffix="")

CASES: list[Case] = []
if importlib.util.find_spec("mistralai") is not None:
    CASES = [
        Case(
            "mistralai-chat-sync",
            "mistralai",
            "sync",
            "mistralai/chat_completion",
            lambda ex: client(ex).chat.complete(model="mistral-small-latest", messages=MESSAGES),
            **CHAT,
            **ERR_422,
        ),
        Case(
            "mistralai-chat-async",
            "mistralai",
            "async",
            "mistralai/chat_completion",
            lambda ex: aclient(ex).chat.complete_async(model="mistral-small-latest", messages=MESSAGES),
            **CHAT,
            **ERR_422,
        ),
        Case(
            "mistralai-chat-cached",
            "mistralai",
            "sync",
            "mistralai/chat_completion_cached",
            # prompt_cache_key (newer SDKs) only raises the odds of a hit; prefixes are cached without it too
            lambda ex: client(ex).chat.complete(model="mistral-small-latest", messages=MESSAGES),
            model=MODEL,
            input_tokens=210,
            output_tokens=14,
            cached_input_tokens=192,
        ),
        Case(
            "mistralai-chat-stream",
            "mistralai",
            "stream",
            "mistralai/chat_stream",
            lambda ex: client(ex).chat.stream(model="mistral-small-latest", messages=MESSAGES),
            **CHAT,
            **ERR_400,
        ),
        Case(
            "mistralai-chat-async-stream",
            "mistralai",
            "async_stream",
            "mistralai/chat_stream",
            lambda ex: aclient(ex).chat.stream_async(model="mistral-small-latest", messages=MESSAGES),
            **CHAT,
            **ERR_400,
        ),
        Case(
            "mistralai-chat-stream-with",
            "mistralai",
            "stream",
            "mistralai/chat_stream",
            lambda ex: client(ex).chat.stream(model="mistral-small-latest", messages=MESSAGES),
            consume=_with_stream,
            **CHAT,
        ),
        Case(
            "mistralai-chat-async-stream-with",
            "mistralai",
            "async_stream",
            "mistralai/chat_stream",
            lambda ex: aclient(ex).chat.stream_async(model="mistral-small-latest", messages=MESSAGES),
            consume=_async_with_stream,
            **CHAT,
        ),
        # No usage in the stream: "The capital of France" + " is Paris." = 31 characters -> 8 tokens counted.
        Case(
            "mistralai-chat-stream-counted",
            "mistralai",
            "stream",
            "mistralai/chat_stream_no_usage",
            lambda ex: client(ex).chat.stream(model="mistral-small-latest", messages=MESSAGES),
            model=MODEL,
            input_tokens=8,
            output_tokens=8,
            usage_source="counted",
        ),
        # parse() calls complete() inside: one record, on the parsed response.
        Case(
            "mistralai-chat-parse",
            "mistralai",
            "sync",
            "mistralai/chat_parse",
            _parse,
            model=MODEL,
            input_tokens=71,
            output_tokens=8,
        ),
        Case(
            "mistralai-chat-parse-async",
            "mistralai",
            "async",
            "mistralai/chat_parse",
            _parse_async,
            model=MODEL,
            input_tokens=71,
            output_tokens=8,
        ),
        # parse_stream() returns stream() of a JSON-schema request: the events are the same
        Case(
            "mistralai-chat-parse-stream",
            "mistralai",
            "stream",
            "mistralai/chat_stream",
            lambda ex: client(ex).chat.parse_stream(City, model="mistral-small-latest", messages=MESSAGES),
            **CHAT,
        ),
        Case(
            "mistralai-chat-parse-stream-async",
            "mistralai",
            "async_stream",
            "mistralai/chat_stream",
            lambda ex: aclient(ex).chat.parse_stream_async(
                City, model="mistral-small-latest", messages=MESSAGES
            ),
            **CHAT,
        ),
        Case(
            "mistralai-fim-sync",
            "mistralai",
            "sync",
            "mistralai/fim_completion",
            lambda ex: client(ex).fim.complete(**FIM_ARGS),
            **FIM,
        ),
        Case(
            "mistralai-fim-async",
            "mistralai",
            "async",
            "mistralai/fim_completion",
            lambda ex: aclient(ex).fim.complete_async(**FIM_ARGS),
            **FIM,
        ),
    ]
