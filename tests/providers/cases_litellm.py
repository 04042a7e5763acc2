"""LiteLLM call shapes: ``litellm.completion`` / ``acompletion`` through LiteLLM's real OpenAI provider code.

LiteLLM is given ``client=openai.OpenAI(http_client=httpx.Client(transport=MockTransport))`` so the call
runs through LiteLLM and the openai SDK and ends at the recorded exchange; nothing touches the network
(``LITELLM_LOCAL_MODEL_COST_MAP=True``: no model-cost download at import; ``litellm.telemetry = False``).
With every SDK instrumented, the nested openai SDK call must not be recorded a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import os
import warnings
from collections.abc import Iterator
from typing import Any

from .contract import Case
from .exchanges import Exchange

# LiteLLM downloads its model-cost map at import unless told not to: set before anything imports it.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

MESSAGES = [{"role": "user", "content": "Say hello in French, please."}]  # 28 characters
LOCAL_BASE = "http://127.0.0.1:8000/v1"  # a self-hosted OpenAI-compatible server: LiteLLM asks no usage


@functools.cache
def _warm_up() -> None:
    """LiteLLM's response models are built lazily by pydantic, which warns (UserWarning: "... is using the
    `ReadOnly` qualifier") on the first build; this suite turns warnings into errors, and LiteLLM would
    re-raise that one mid-stream as MidStreamFallbackError. Build them once, quietly."""
    from litellm.types import utils as t

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for name in (
            "Message",
            "Delta",
            "Choices",
            "StreamingChoices",
            "ModelResponse",
            "ModelResponseStream",
        ):
            cls = getattr(t, name, None)
            if cls is not None:
                with contextlib.suppress(Exception):
                    cls()


def _litellm() -> Any:
    with warnings.catch_warnings():  # LiteLLM 1.80 warns at import (pydantic class-based config)
        warnings.simplefilter("ignore", DeprecationWarning)
        import litellm

    litellm.telemetry = False
    _warm_up()
    return litellm


def openai_client(ex: Exchange) -> Any:
    import httpx
    import openai

    return openai.OpenAI(
        api_key="sk-test", max_retries=0, http_client=httpx.Client(transport=ex.transport(httpx))
    )


def openai_aclient(ex: Exchange) -> Any:
    import httpx
    import openai

    return openai.AsyncOpenAI(
        api_key="sk-test", max_retries=0, http_client=httpx.AsyncClient(transport=ex.transport(httpx))
    )


@contextlib.contextmanager
def owned_loop() -> Iterator[None]:
    """An event loop for this thread that is closed afterwards.

    LiteLLM's sync path dispatches its service-logging hooks with ``asyncio.get_event_loop()``, which
    creates (and leaves behind) a loop for the main thread when it has none; the next ``asyncio.run``
    drops that loop unclosed and its ResourceWarning surfaces, as an error, in some later test.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def completion(ex: Exchange, model: str = "openai/gpt-4o-mini", **kw: Any) -> Any:
    with owned_loop():
        return _litellm().completion(model=model, messages=MESSAGES, client=openai_client(ex), **kw)


def acompletion(ex: Exchange, model: str = "openai/gpt-4o-mini", **kw: Any) -> Any:
    return _litellm().acompletion(model=model, messages=MESSAGES, client=openai_aclient(ex), **kw)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence the pydantic deprecation warnings LiteLLM's stream code triggers (an error in this suite).

    LiteLLM reads every attribute of a usage chunk's delta (``is_model_response_stream_empty``),
    ``model_computed_fields`` included, which pydantic >= 2.11 deprecates on instances; LiteLLM 1.80 also
    calls ``.dict()`` on chunks. LiteLLM re-raises them mid-stream as MidStreamFallbackError.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"litellm(\.|$)")
        yield


def consume(stream: Any) -> tuple[Any, Any]:
    """Iterate a ``CustomStreamWrapper`` as users do (``for chunk in stream``)."""
    last = None
    with quiet():
        for last in stream:  # noqa: B007
            pass
    return stream, last


async def aconsume(stream: Any) -> tuple[Any, Any]:
    last = None
    with quiet():
        async for last in stream:  # noqa: B007
            pass
    return stream, last


def _cases() -> list[Case]:
    if importlib.util.find_spec("litellm") is None or importlib.util.find_spec("openai") is None:
        return []
    model = "openai/gpt-4o-mini-2024-07-18"
    err = {"error_exchange": "litellm/error_400", "error_type": "litellm.exceptions.BadRequestError"}
    return [
        Case("litellm-sync", "litellm", "sync", "litellm/chat_completion", completion, model, 14, 9, **err),
        Case(
            "litellm-async", "litellm", "async", "litellm/chat_completion", acompletion, model, 14, 9, **err
        ),
        Case(
            "litellm-stream",
            "litellm",
            "stream",
            "litellm/chat_completion_stream",
            lambda ex: completion(ex, stream=True),
            model,
            11,
            4,
            consume=consume,
            dumps=False,  # chunk.created is LiteLLM's clock: differs between two calls
            **err,
        ),
        Case(
            "litellm-async-stream",
            "litellm",
            "async_stream",
            "litellm/chat_completion_stream",
            lambda ex: acompletion(ex, stream=True),
            model,
            11,
            4,
            consume=aconsume,
            dumps=False,  # chunk.created is LiteLLM's clock: differs between two calls
            **err,
        ),
        Case(
            "litellm-stream-include-usage",
            "litellm",
            "stream",
            "litellm/chat_completion_stream",
            lambda ex: completion(ex, stream=True, stream_options={"include_usage": True}),
            model,
            11,
            4,
            consume=consume,
            dumps=False,  # chunk.created is LiteLLM's clock: differs between two calls
        ),
        Case(
            "litellm-stream-counted",
            "litellm",
            "stream",
            "litellm/chat_completion_stream_no_usage",
            lambda ex: completion(ex, stream=True, api_base=LOCAL_BASE),
            model,
            7,  # 28 prompt characters / 4
            3,  # "Bonjour!": 8 characters / 4, but 3 content chunks of >= 1 token each
            usage_source="counted",
            consume=consume,
            dumps=False,  # chunk.created is LiteLLM's clock: differs between two calls
        ),
        Case(
            "litellm-sync-reasoning-cached",
            "litellm",
            "sync",
            "litellm/chat_completion_reasoning",
            lambda ex: completion(ex, model="openai/o4-mini"),
            "openai/o4-mini-2025-04-16",
            1180,
            212,
            reasoning_tokens=192,
            cached_input_tokens=1024,
        ),
    ]


CASES: list[Case] = _cases()
