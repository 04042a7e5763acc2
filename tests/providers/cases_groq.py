"""Groq call shapes: the real ``groq`` client on recorded exchanges (``http_client=``, MockTransport)."""

from __future__ import annotations

import importlib.util
from typing import Any

from .contract import Case
from .exchanges import Exchange

MESSAGES = [{"role": "user", "content": "Why does low latency matter for chat?"}]
MODEL = "llama-3.3-70b-versatile"


def sync_client(ex: Exchange) -> Any:
    import groq
    import httpx

    return groq.Groq(
        api_key="gsk-test", max_retries=0, http_client=httpx.Client(transport=ex.transport(httpx))
    )


def async_client(ex: Exchange) -> Any:
    import groq
    import httpx

    return groq.AsyncGroq(
        api_key="gsk-test", max_retries=0, http_client=httpx.AsyncClient(transport=ex.transport(httpx))
    )


def _create(ex: Exchange, **kw: Any) -> Any:
    return sync_client(ex).chat.completions.create(model=MODEL, messages=MESSAGES, **kw)


def _acreate(ex: Exchange, **kw: Any) -> Any:
    return async_client(ex).chat.completions.create(model=MODEL, messages=MESSAGES, **kw)


def _create_reasoning(ex: Exchange) -> Any:
    return sync_client(ex).chat.completions.create(
        model="openai/gpt-oss-20b", messages=[{"role": "user", "content": "Is 17 prime?"}]
    )


def _raw(ex: Exchange) -> Any:
    return sync_client(ex).chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)


def _araw(ex: Exchange) -> Any:
    return async_client(ex).chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)


def _raw_consume(raw: Any) -> tuple[Any, Any]:
    return raw.parse(), None  # the parsed ChatCompletion carries the impacts


async def _araw_consume(raw: Any) -> tuple[Any, Any]:
    return await raw.parse(), None  # AsyncAPIResponse.parse() is a coroutine


def _cases() -> list[Case]:
    if importlib.util.find_spec("groq") is None:
        return []
    err = {"error_exchange": "groq/error_404", "error_type": "groq.NotFoundError"}
    model = f"groq/{MODEL}"
    return [
        Case("groq-sync", "groq", "sync", "groq/chat_completion", _create, model, 18, 7, **err),
        Case("groq-async", "groq", "async", "groq/chat_completion", _acreate, model, 18, 7, **err),
        Case(
            "groq-stream",
            "groq",
            "stream",
            "groq/chat_completion_stream",
            lambda ex: _create(ex, stream=True),
            model,
            14,
            4,
            **err,
        ),
        Case(
            "groq-async-stream",
            "groq",
            "async_stream",
            "groq/chat_completion_stream",
            lambda ex: _acreate(ex, stream=True),
            model,
            14,
            4,
            **err,
        ),
        Case(
            "groq-stream-include-usage",
            "groq",
            "stream",
            "groq/chat_completion_stream_include_usage",
            lambda ex: _create(ex, stream=True, extra_body={"stream_options": {"include_usage": True}}),
            model,
            14,
            4,
        ),
        Case(
            "groq-sync-reasoning-cached",
            "groq",
            "sync",
            "groq/chat_completion_reasoning",
            _create_reasoning,
            "groq/openai/gpt-oss-20b",
            96,
            41,
            reasoning_tokens=29,
            cached_input_tokens=64,
        ),
        Case(
            "groq-raw",
            "groq",
            "raw",
            "groq/chat_completion",
            _raw,
            model,
            18,
            7,
            consume=_raw_consume,
            dumps=False,
            **err,
        ),
        Case(
            "groq-async-raw",
            "groq",
            "async_raw",
            "groq/chat_completion",
            _araw,
            model,
            18,
            7,
            consume=_araw_consume,
            dumps=False,
            **err,
        ),
    ]


CASES: list[Case] = _cases()
