"""Together call shapes on recorded exchanges.

together 2.x / 3.x (Stainless, httpx): the client gets ``http_client=`` with a MockTransport.
together 1.5 / 1.6 (``requests`` and ``aiohttp``): the client talks to a ``LocalServer`` on 127.0.0.1.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import warnings
from typing import Any

from .contract import Case
from .exchanges import Exchange
from .localserver import call_served, serve

MESSAGES = [{"role": "user", "content": "What is the capital of France?"}]
MODEL = "meta-llama/Llama-3.3-70B-Instruct-Turbo"


def sdk_major() -> int:
    try:
        return int(importlib.metadata.version("together").split(".")[0])
    except (importlib.metadata.PackageNotFoundError, ValueError):
        return 0


def sync_client(ex: Exchange, url: str = "http://127.0.0.1:9") -> Any:
    """A client on ``ex``: its MockTransport (2.x, 3.x) or the server at ``url`` (1.x)."""
    import together

    if sdk_major() >= 2:
        import httpx

        return together.Together(
            api_key="tgp-test", max_retries=0, http_client=httpx.Client(transport=ex.transport(httpx))
        )
    return together.Together(api_key="tgp-test", base_url=url + "/v1", max_retries=0)


def async_client(ex: Exchange, url: str = "http://127.0.0.1:9") -> Any:
    import together

    if sdk_major() >= 2:
        import httpx

        return together.AsyncTogether(
            api_key="tgp-test", max_retries=0, http_client=httpx.AsyncClient(transport=ex.transport(httpx))
        )
    return together.AsyncTogether(api_key="tgp-test", base_url=url + "/v1", max_retries=0)


def _create(ex: Exchange, model: str = MODEL, messages: Any = MESSAGES, **kw: Any) -> Any:
    if sdk_major() >= 2:
        return sync_client(ex).chat.completions.create(model=model, messages=messages, **kw)
    return call_served(
        ex, lambda url: sync_client(ex, url).chat.completions.create(model=model, messages=messages, **kw)
    )


def _acreate(ex: Exchange, **kw: Any) -> Any:
    if sdk_major() >= 2:
        return async_client(ex).chat.completions.create(model=MODEL, messages=MESSAGES, **kw)

    async def served() -> Any:  # the (one-connection) server lives until the response has been received
        with serve(ex) as url:
            return await async_client(ex, url).chat.completions.create(model=MODEL, messages=MESSAGES, **kw)

    return served()


def _create_cached(ex: Exchange) -> Any:
    return _create(
        ex, "deepseek-ai/DeepSeek-V3.1", [{"role": "user", "content": "Does the contract cap liability?"}]
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
    major = sdk_major()
    if importlib.util.find_spec("together") is None or major == 0:
        return []
    if major < 2:
        # together 1.x defines pydantic models with class-based ``Config``: importing it warns
        # (PydanticDeprecatedSince20), which this test suite turns into errors. Import it once here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            importlib.import_module("together")
    error_type = "together.NotFoundError" if major >= 2 else "together.error.InvalidRequestError"
    err = {"error_exchange": "together/error_404", "error_type": error_type}
    # together 1.x cannot raise its own error from an async call: TogetherException.__repr__ json-dumps the
    # aiohttp headers (CIMultiDictProxy) and fails, so asyncio.run() ends in a TypeError, instrumented or not.
    aerr = err if major >= 2 else {}
    model = f"together/{MODEL}"
    cases = [
        Case("together-sync", "together", "sync", "together/chat_completion", _create, model, 42, 8, **err),
        Case(
            "together-async", "together", "async", "together/chat_completion", _acreate, model, 42, 8, **aerr
        ),
        Case(
            "together-stream",
            "together",
            "stream",
            "together/chat_completion_stream",
            lambda ex: _create(ex, stream=True),
            model,
            40,
            5,
            dumps=major >= 2,  # 1.x streams are plain generators
            **err,
        ),
        Case(
            "together-async-stream",
            "together",
            "async_stream",
            "together/chat_completion_stream",
            lambda ex: _acreate(ex, stream=True),
            model,
            40,
            5,
            dumps=major >= 2,  # 1.x streams are plain generators
            **aerr,
        ),
        Case(
            "together-sync-cached",
            "together",
            "sync",
            "together/chat_completion_cached",
            _create_cached,
            "together/deepseek-ai/DeepSeek-V3.1",
            1210,
            12,
            cached_input_tokens=1024,
        ),
    ]
    if major >= 2:  # only the Stainless SDKs have with_raw_response
        cases += [
            Case(
                "together-raw",
                "together",
                "raw",
                "together/chat_completion",
                _raw,
                model,
                42,
                8,
                consume=_raw_consume,
                dumps=False,
                **err,
            ),
            Case(
                "together-async-raw",
                "together",
                "async_raw",
                "together/chat_completion",
                _araw,
                model,
                42,
                8,
                consume=_araw_consume,
                dumps=False,
                **err,
            ),
        ]
    return cases


CASES: list[Case] = _cases()
