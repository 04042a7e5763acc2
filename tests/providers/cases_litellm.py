"""LiteLLM call shapes: ``litellm.completion`` / ``acompletion`` through LiteLLM's real OpenAI provider code.

LiteLLM is given ``client=openai.OpenAI(http_client=httpx.Client(transport=MockTransport))`` so the call
runs through LiteLLM and the openai SDK and ends at the recorded exchange; nothing touches the network
(``LITELLM_LOCAL_MODEL_COST_MAP=True``: no model-cost download at import; ``litellm.telemetry = False``).
With every SDK instrumented, the nested openai SDK call must not be recorded a second time.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from .contract import Case
from .exchanges import Exchange

MESSAGES = [{"role": "user", "content": "Say hello in French, please."}]  # 28 characters
LOCAL_BASE = "http://127.0.0.1:8000/v1"  # a self-hosted OpenAI-compatible server: LiteLLM asks no usage


def _litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.telemetry = False
    return litellm


def openai_client(ex: Exchange) -> Any:
    import httpx
    import openai

    return openai.OpenAI(api_key="sk-test", max_retries=0, http_client=httpx.Client(transport=ex.transport(httpx)))


def openai_aclient(ex: Exchange) -> Any:
    import httpx
    import openai

    return openai.AsyncOpenAI(
        api_key="sk-test", max_retries=0, http_client=httpx.AsyncClient(transport=ex.transport(httpx))
    )


def completion(ex: Exchange, model: str = "openai/gpt-4o-mini", **kw: Any) -> Any:
    return _litellm().completion(model=model, messages=MESSAGES, client=openai_client(ex), **kw)


def acompletion(ex: Exchange, model: str = "openai/gpt-4o-mini", **kw: Any) -> Any:
    return _litellm().acompletion(model=model, messages=MESSAGES, client=openai_aclient(ex), **kw)


def _cases() -> list[Case]:
    if importlib.util.find_spec("litellm") is None or importlib.util.find_spec("openai") is None:
        return []
    model = "openai/gpt-4o-mini-2024-07-18"
    err = {"error_exchange": "litellm/error_400", "error_type": "litellm.exceptions.BadRequestError"}
    return [
        Case("litellm-sync", "litellm", "sync", "litellm/chat_completion", completion, model, 14, 9, **err),
        Case("litellm-async", "litellm", "async", "litellm/chat_completion", acompletion, model, 14, 9, **err),
        Case(
            "litellm-stream",
            "litellm",
            "stream",
            "litellm/chat_completion_stream",
            lambda ex: completion(ex, stream=True),
            model,
            11,
            4,
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
        ),
        Case(
            "litellm-stream-counted",
            "litellm",
            "stream",
            "litellm/chat_completion_stream_no_usage",
            lambda ex: completion(ex, stream=True, api_base=LOCAL_BASE),
            model,
            7,  # 28 prompt characters / 4
            2,  # "Bonjour!" / 4
            usage_source="counted",
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
